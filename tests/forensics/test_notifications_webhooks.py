"""Webhook signing and the SSRF guard (no database needed)."""

import socket
import time

import pytest
from django.core.exceptions import ValidationError

from forensics.services import webhooks
from forensics.services.webhooks import UnsafeWebhookURL, WebhookResolutionError, check_url


def resolver_for(*addresses):
    """A stand-in for socket.getaddrinfo answering with `addresses`."""

    def resolve(host, port, type=None):
        family = socket.AF_INET6
        return [(family if ":" in a else socket.AF_INET, type, 6, "", (a, port)) for a in addresses]

    return resolve


def failing_resolver(host, port, type=None):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture(autouse=True)
def strict(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    body = b'{"id":"k"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", "1700000000", body) == expected


def test_verify_refuses_tampering_wrong_secret_and_stale_timestamps():
    now = str(int(time.time()))
    body = b'{"id":"k"}'
    signature = webhooks.sign("s3cret", now, body)
    assert webhooks.verify("s3cret", now, body, signature)
    assert not webhooks.verify("s3cret", now, body + b" ", signature)
    assert not webhooks.verify("other", now, body, signature)
    old = str(int(time.time()) - 3600)
    assert not webhooks.verify("s3cret", old, body, webhooks.sign("s3cret", old, body))
    assert webhooks.verify("s3cret", old, body, webhooks.sign("s3cret", old, body), tolerance=None)
    assert not webhooks.verify("s3cret", "soon", body, signature)


def test_secrets_are_long_and_distinct():
    secrets = {webhooks.generate_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) >= 40 for s in secrets)


def test_public_https_address_passes_and_is_pinned():
    target = check_url("https://hooks.example.com/in?x=1", resolve=resolver_for("93.184.216.34"))
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 443)
    assert target.address == "93.184.216.34"
    assert target.path == "/in?x=1"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/", "must use https"),
        ("ftp://hooks.example.com/", "must use https"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("https:///nohost", "no host"),
        ("https://hooks.example.com:99999/", "Not a valid URL"),
    ],
)
def test_bad_shapes_are_refused(url, reason):
    with pytest.raises(UnsafeWebhookURL, match=reason):
        check_url(url, resolve=resolver_for("93.184.216.34"))


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ],
)
def test_names_resolving_inside_are_refused(address, label):
    with pytest.raises(UnsafeWebhookURL, match=label):
        check_url("https://hooks.example.com/", resolve=resolver_for(address))


def test_ip_literals_are_checked_without_dns():
    with pytest.raises(UnsafeWebhookURL, match="loopback"):
        check_url("https://127.0.0.1/", resolve=failing_resolver)
    with pytest.raises(UnsafeWebhookURL, match="loopback"):
        check_url("https://[::1]:8443/", resolve=failing_resolver)


def test_one_inside_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(UnsafeWebhookURL, match="private"):
        check_url("https://hooks.example.com/", resolve=resolver_for("93.184.216.34", "10.0.0.5"))


def test_unresolvable_host_is_a_retryable_error():
    with pytest.raises(WebhookResolutionError):
        check_url("https://nowhere.invalid/", resolve=failing_resolver)


def test_allowed_networks_and_http_hosts_open_the_test_receiver(settings):
    with pytest.raises(UnsafeWebhookURL):
        check_url("http://127.0.0.1:8080/hook")
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    with pytest.raises(UnsafeWebhookURL, match="loopback"):
        check_url("http://127.0.0.1:8080/hook")
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert check_url("http://127.0.0.1:8080/hook").port == 8080
    with pytest.raises(UnsafeWebhookURL, match="private"):
        check_url("https://hooks.example.com/", resolve=resolver_for("10.0.0.5"))


def test_dns_rebinding_is_caught_at_send_time(settings, monkeypatch):
    """The name resolved to a public address when saved; at send time it points inside."""
    monkeypatch.setattr(socket, "getaddrinfo", resolver_for("169.254.169.254"))
    result = webhooks.post_event("https://hooks.example.com/", "s", b"{}", "k", "test")
    assert not result.ok
    assert result.permanent
    assert "link-local" in result.error


def test_model_validator_gives_a_clear_message():
    with pytest.raises(ValidationError, match="must use https"):
        webhooks.validate_webhook_url("http://hooks.example.com/")
