"""The API fuzzed against its own OpenAPI document (schemathesis), bounded in time.

A database of its own on the test servers (TEST_DATABASE_URL / TEST_DATABASE_OWNER_URL,
TEST_REDIS_URL), migrated and loaded with the demo agency; gunicorn serving it on a free
loopback port; a manager's API token. Schemathesis then sends a few generated requests to
every operation, valid and not, and fails on any 5xx or any answer the document does not
describe. Its summary is printed; the exit status is its own.

    python scripts/api_fuzz.py [--max-examples N] [--max-time SECONDS]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import database  # noqa: E402

BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,response_schema_conformance"
DEMO_MANAGER = ("manager@aurora.example", "demo-password")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _urls() -> tuple[str, str]:
    app, owner = (
        make_url(os.environ[name]) for name in ("TEST_DATABASE_URL", "TEST_DATABASE_OWNER_URL")
    )
    own = f"{owner.database}_fuzz"
    render = lambda url: url.set(database=own).render_as_string(hide_password=False)  # noqa: E731
    return render(app), render(owner)


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def _token(base: str) -> str:
    email, password = DEMO_MANAGER
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["token"]


def main() -> int:
    options = argparse.ArgumentParser()
    options.add_argument("--max-examples", type=int, default=4)
    # A bound on the whole run, not schemathesis's own budget: given that, schemathesis
    # repeats its phases until the time is spent and can fail with an internal error
    # when a stateful round begins late; without it each phase runs once.
    options.add_argument("--max-time", type=int, default=400)
    options.add_argument("--junit", help="where to write a JUnit report")
    args = options.parse_args()

    app_url, owner_url = _urls()
    database.recreate_postgres(app_url, owner_url)
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app_url,
        "DATABASE_MIGRATE_URL": owner_url,
        "REDIS_URL": os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0] + "/0",
        "SECRET_KEY": "api-fuzz-secret-key",
        "SCHEDULES_ENABLED": "0",
        # A website the fuzzer names is nobody's: its publishing gives up at once.
        "WEBSITE_TIMEOUT_SECONDS": "1",
        "LOGIN_FAILURE_LIMIT": "10000 per minute",
        "LOGIN_ADDRESS_FAILURE_LIMIT": "10000 per minute",
    }
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [BIN / "flask", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    port = _free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            status = _fuzz(f"http://127.0.0.1:{port}", env, args)
            if status:
                log.seek(0)
                errors = [line for line in log if " ERROR " in line]
                print("The server's errors:", *errors[-20:], sep="\n")
            return status
        finally:
            server.terminate()
            server.wait(timeout=30)
            database.drop(owner_url)


def _fuzz(base: str, env: dict, args) -> int:
    _wait(f"{base}/healthz")
    token = _token(base)
    junit = str(Path(args.junit).resolve()) if args.junit else None
    report = ["--report", "junit", "--report-junit-path", junit] if junit else []
    with tempfile.TemporaryDirectory() as scratch:  # its caches, outside the working tree
        return _schemathesis(base, token, args, report, scratch, env)


def _schemathesis(base, token, args, report, scratch, env) -> int:
    return subprocess.run(
        [
            *(BIN / "schemathesis", "run", f"{base}/api/v1/openapi.json"),
            *("--header", f"Authorization: Bearer {token}"),
            *("--checks", CHECKS),
            *("--max-examples", str(args.max_examples)),
            *("--request-timeout", "10", "--workers", "1"),
            *("--suppress-health-check", "all", "--seed", "1"),
            # Signing out the fuzzer's own token would end the run early.
            *("--exclude-path-regex", "/auth/tokens/"),
            *("--generation-database", "none"),
            *report,
        ],
        cwd=scratch,
        env=env,
        timeout=args.max_time,
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
