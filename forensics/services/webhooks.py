"""Webhooks: secrets, signatures, the SSRF guard and the HTTP POST itself.

A receiver verifies `X-Signature` = hex(HMAC-SHA256(secret, f"{X-Timestamp}.{body}")) and drops a
request whose `Idempotency-Key` it has already processed. Addresses are checked when an endpoint is saved
and again at every send, and the request goes to the very address that passed the check (the TLS
certificate is still verified against the host name), so a DNS answer that changes between check and
connect (DNS rebinding) cannot steer a request into our own network. Redirects are never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError

USER_AGENT = "ComponentForensicsCatalog-Webhooks/1"
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_POOLS = 64


class UnsafeWebhookURL(ValueError):
    """The address may never be used (scheme, credentials, or a network we refuse)."""


class WebhookResolutionError(OSError):
    """The host name does not resolve right now; worth trying again later."""


def generate_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance: int | None = 300
) -> bool:
    """What a receiver does: constant-time compare, and refuse stale timestamps (replays)."""
    if tolerance is not None:
        try:
            if abs(time.time() - int(timestamp)) > tolerance:
                return False
        except ValueError:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def _allowed_networks():
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_refusal(address: str) -> str | None:
    """What kind of forbidden address this is ("a loopback address"), or None when it is public
    unicast or inside WEBHOOK_ALLOWED_NETWORKS."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _allowed_networks()):
        return None
    for flag, label in (
        ("is_unspecified", "an unspecified"),
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(ip, flag):
            return f"{label} address"
    if not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (one vetted address) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, resolve=None) -> Target:
    """Parse and vet a webhook URL; raises UnsafeWebhookURL or WebhookResolutionError.

    Every address the name resolves to must pass, not just the first: a resolver may rotate them.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookURL(f"Not a valid URL: {exc}.")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeWebhookURL("The URL has no host.")
    if scheme == "http":
        if host not in settings.WEBHOOK_ALLOW_HTTP_HOSTS:
            raise UnsafeWebhookURL("Webhook URLs must use https.")
    elif scheme != "https":
        raise UnsafeWebhookURL("Webhook URLs must use https.")
    if parts.username or parts.password:
        raise UnsafeWebhookURL("Webhook URLs may not carry a user name or password.")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            infos = (resolve or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise WebhookResolutionError(f"{host} does not resolve: {exc}")
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise WebhookResolutionError(f"{host} does not resolve.")
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise UnsafeWebhookURL(f"Refused: {host} resolves to {address}, {refusal}.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def validate_webhook_url(url: str) -> None:
    """Model-field validator: an endpoint is saved only with an address we would send to."""
    try:
        check_url(url)
    except (UnsafeWebhookURL, WebhookResolutionError) as exc:
        raise ValidationError(str(exc), code="unsafe_webhook_url")


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int
    permanent: bool = False


_pools: dict[tuple, urllib3.HTTPConnectionPool] = {}


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    """A connection pool pinned to the vetted address, kept per process for keep-alive."""
    key = (target.scheme, target.address, target.port, target.host)
    pool = _pools.get(key)
    if pool is None:
        if len(_pools) >= MAX_POOLS:
            _pools.pop(next(iter(_pools))).close()
        timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                timeout=timeout,
                maxsize=settings.NOTIFICATION_SEND_THREADS,
                retries=False,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                target.address,
                target.port,
                timeout=timeout,
                maxsize=settings.NOTIFICATION_SEND_THREADS,
                retries=False,
            )
        _pools[key] = pool
    return pool


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _read_capped(response, limit: int = 64 * 1024) -> bytes:
    """The start of the answer; a longer one closes the connection rather than being drained."""
    data = response.read(limit, decode_content=True)
    if response.read(1):
        response.close()
    return data


def post_event(url: str, secret: str, body: bytes, idempotency_key: str, event_type: str):
    """POST one signed event. Never raises: the outcome, good or bad, is the returned PostResult."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url)
    except UnsafeWebhookURL as exc:
        return PostResult(False, None, str(exc), elapsed(), permanent=True)
    except WebhookResolutionError as exc:
        return PostResult(False, None, str(exc), elapsed())
    timestamp = str(int(time.time()))
    headers = {
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
        "X-Event-Type": event_type,
    }
    try:
        response = _pool(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            snippet = _read_capped(response)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return PostResult(False, None, f"{type(exc).__name__}: {exc}"[:1000], elapsed())
    status = response.status
    if 200 <= status < 300:
        return PostResult(True, status, "", elapsed())
    text = snippet[:300].decode("utf-8", "replace").strip()
    error = f"HTTP {status}" + (f": {text}" if text else "")
    return PostResult(False, status, error[:1000], elapsed())
