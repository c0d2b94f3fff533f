"""localstripe, the stateful fake Stripe server, on a free loopback port for the session,
with the invoicing and idempotency of real Stripe it lacks (``tests/stripe_fake.py``)."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start():
    """Start localstripe; returns (process, base URL). Fails when it is not installed."""
    try:
        import localstripe  # noqa: F401
    except ImportError as missing:
        pytest.fail(f"localstripe cannot be imported ({missing}): `make test` installs it")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("stripe_fake.py")), "--port", str(port)]
        + ["--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    pytest.fail("localstripe did not start")


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header the way Stripe builds it: t=<unix>,v1=HMAC-SHA256."""
    import hashlib
    import hmac

    timestamp = timestamp or int(time.time())
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def requests_sent(base_url: str) -> list[dict]:
    """Every API request the fake received so far: method, path and idempotency key."""
    with urllib.request.urlopen(f"{base_url}/_config/requests", timeout=5) as answer:
        return [sent for sent in json.load(answer) if sent["path"].startswith("/v1/")]


def forget_idempotency_keys(base_url: str) -> None:
    request = urllib.request.Request(f"{base_url}/_config/idempotency", method="DELETE")
    with urllib.request.urlopen(request, timeout=5):
        pass
