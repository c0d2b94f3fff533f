"""`make run`'s own commands on a machine with no servers: the database is a SQLite file,
the queue is in the web process, and email goes to the outbox folder."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from agency.demo import DEMO_PASSWORD
from tests.conftest import csrf_from

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parent.parent
SERVER_NAMES = ("DATABASE_URL", "DATABASE_MIGRATE_URL", "REDIS_URL", "SMTP_URL", "OUTBOX_DIR")


def _flask(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(condition, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _browser():
    """A client with its own cookies, as a browser has."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _post(browser, base: str, path: str, fields: dict):
    """Submit the form on ``path`` with its CSRF token, following the redirect."""
    with browser.open(f"{base}{path}", timeout=10) as page:
        token = csrf_from(page.read().decode())
    body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
    return browser.open(f"{base}{path}", data=body, timeout=10)


def test_make_run_serves_the_demo_on_embedded_defaults(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in SERVER_NAMES}
    env.update(FLASK_APP="wsgi", INSTANCE_PATH=str(tmp_path))

    upgraded = _flask(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    loaded = _flask(env, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "manager@aurora.example" in loaded.stdout
    assert (tmp_path / "secretariat.db").exists()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    try:
        _until(lambda: _answers(f"{base}/readyz"), "the server to be ready")
        manager = _browser()
        with _post(
            manager, base, "/login", {"email": "manager@aurora.example", "password": DEMO_PASSWORD}
        ) as page:
            assert page.url == f"{base}/console/"
            assert "Aurora Secretarial" in page.read().decode()

        # The desk is live without Redis: a secretary's open stream hears the work a
        # manager creates for her client, through the in-process Redis of the queue.
        ana = _browser()
        with _post(ana, base, "/login", {"email": "ana@aurora.example", "password": DEMO_PASSWORD}):
            pass
        with ana.open(f"{base}/desk/live", timeout=15) as stream:
            assert stream.readline().startswith(b"retry:")
            time.sleep(0.5)  # the process's hub subscribes
            with manager.open(f"{base}/console/work/new", timeout=10) as page:
                form = page.read().decode()
            silva = re.search(r'<option value="(\d+)"[^>]*>Dr. Silva Clinic', form).group(1)
            fields = {"client_id": silva, "kind": "task", "priority": "high", "title": "Live"}
            with _post(manager, base, "/console/work/new", fields) as created:
                assert created.status == 200
            said = b""
            while not said.startswith(b"event: change"):
                said = stream.readline()
            assert f"c:{silva}".encode() in stream.readline()

        # A job for the in-process queue: the embedded worker writes the email to the outbox.
        with _post(_browser(), base, "/password/forgot", {"email": "ana@aurora.example"}):
            pass
        outbox = tmp_path / "outbox"

        def reset_email():
            texts = [p.read_text(encoding="utf-8", errors="replace") for p in outbox.glob("*")]
            return [t for t in texts if "Reset your Secretariat password" in t]

        [written] = _until(reset_email, "the reset email in the outbox")
        assert "ana@aurora.example" in written
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()[-2000:]
