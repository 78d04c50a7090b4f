"""The real-broker, real-worker fixtures.

These tests need PostgreSQL (a worker process cannot share the in-memory SQLite test database) and a
broker at TEST_BROKER_URL (default redis://127.0.0.1:6379/5, a database number of its own). Locally
they are skipped, with the reason, when either is missing; with CI set, a missing broker fails the run.
"""

import os
import shlex
import subprocess
import time
from urllib.parse import urlsplit

import kombu.pools
import pytest
import redis
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from forensics.celery import app as celery_app

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/5")
QUEUE = f"test-{os.getpid()}"
"""This test session's queue: a concurrent session on the same broker never takes its tasks."""
REDIS_START_COMMAND = os.environ.get(
    "TEST_REDIS_START_COMMAND",
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log",
)


def _redis() -> redis.Redis:
    return redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2, socket_timeout=5)


def _reachable() -> bool:
    try:
        return bool(_redis().ping())
    except redis.RedisError:
        return False


@pytest.fixture
def broker():
    """The broker URL, after checking the prerequisites; this session's queue starts empty."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the worker process must share the test database, and SQLite's "
            "in-memory test database cannot be shared with another process"
        )
    if urlsplit(BROKER_URL).scheme not in ("redis", "rediss"):
        pytest.fail(f"TEST_BROKER_URL must be a Redis URL for these tests, not {BROKER_URL}")
    if not _reachable():
        message = f"needs Redis at {BROKER_URL} (TEST_BROKER_URL); start it or unset CI to skip"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the broker is not reachable: {message}")
        pytest.skip(message)
    _redis().delete(QUEUE)
    yield BROKER_URL
    if _reachable():
        _redis().delete(QUEUE)


@pytest.fixture
def real_broker(broker):
    """This process publishes to the real broker instead of running tasks eagerly."""
    # An earlier transactional test may have flushed and re-created the content types under new
    # ids; audit records written from here on must not use the cached old ones.
    ContentType.objects.clear_cache()
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)
    _reset_connections()
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = broker, False, QUEUE
    yield broker
    _reset_connections()
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = saved


def _reset_connections():
    """Close and forget pooled broker connections, so the next publish connects afresh to the
    configured broker (Celery does the same after a fork)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def lose_broker_queue() -> str:
    """Restart Redis without saving (every queued message lost), as a crashed broker would.

    Restarting the server is allowed in CI or with TEST_BROKER_RESTART=1; elsewhere (a developer's
    own Redis) only this session's queue is deleted, which loses the same messages.
    """
    if os.environ.get("CI") or os.environ.get("TEST_BROKER_RESTART") == "1":
        parts = urlsplit(BROKER_URL)
        host, port = parts.hostname or "127.0.0.1", str(parts.port or 6379)
        subprocess.run(["redis-cli", "-h", host, "-p", port, "shutdown", "nosave"], check=False)
        deadline = time.monotonic() + 20
        while _reachable() and time.monotonic() < deadline:
            time.sleep(0.1)
        for directory in ("/var/lib/redis", "/var/log/redis"):
            os.makedirs(directory, exist_ok=True)
        subprocess.run(shlex.split(REDIS_START_COMMAND), check=True)
        deadline = time.monotonic() + 30
        while not _reachable():
            if time.monotonic() > deadline:
                pytest.fail("Redis did not come back after the restart")
            time.sleep(0.1)
        _reset_connections()
        return "restarted"
    _redis().delete(QUEUE)
    return "queue deleted"


def queued_messages() -> int:
    return _redis().llen(QUEUE)
