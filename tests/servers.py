"""The real servers the tests use, found or refused (never silently skipped), and which
process of a parallel run this is."""

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def worker_name() -> str:
    """``gw0``, ``gw1``… in a parallel run (pytest-xdist), ``main`` otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_index() -> int:
    name = worker_name()
    return int(name[2:]) if name.startswith("gw") else 0


def _address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def reachable(url: str, default_port: int) -> bool:
    try:
        with socket.create_connection(_address(url, default_port), 2):
            return True
    except OSError:
        return False


def require(name: str, url: str, default_port: int) -> None:
    """End the session with a clear message when a server the tests need is away."""
    if not reachable(url, default_port):
        host, port = _address(url, default_port)
        pytest.exit(f"{name} is not reachable at {host}:{port} (`make test` starts its own)", 3)


@contextmanager
def unreachable_redis() -> Iterator[Redis]:
    """A client of a Redis that is away: its port is bound and never listens, so each
    connection is refused at once, and the client does not try again."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield Redis(port=closed.getsockname()[1], retry=Retry(NoBackoff(), 0))
