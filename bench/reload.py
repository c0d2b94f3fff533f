"""A graceful reload under load: requests answered and the slowest of them while gunicorn
replaces its workers (`kill -HUP`), with the app preloaded in the master (the project's
gunicorn.conf.py) beside the same server without preloading, in the same run.

    python bench/reload.py        (PostgreSQL on 127.0.0.1, user postgres, trust auth; Redis)

Client threads ask for the demo manager's own record over the API (a token check and a
read, as the app role under row-level security) without pause for ``SECONDS``; the
server is sent HUP at a third and at two thirds of the run. Every request is a new
connection. For each side: requests, failures, the slowest answer and p99; the last line
is the figure: the slowest answer with preloading over the slowest without. The target is
no failure and no answer slower than 2 s.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import claim_redis, load_line  # noqa: E402
from tests.database import recreate_postgres  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_reload"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_reload",
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")  # its own
SECONDS = float(os.environ.get("BENCH_SECONDS", 18))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT),
    "FLASK_APP": "wsgi",
    "DATABASE_URL": APP,
    "DATABASE_MIGRATE_URL": OWNER,
    "REDIS_URL": REDIS,
    "SECRET_KEY": "bench-secret-key",
    "SCHEDULES_ENABLED": "0",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port: int, method: str, path: str, body: dict | None = None, token: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, json.dumps(body) if body else None, headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def serve(port: int, preload: bool) -> subprocess.Popen:
    """gunicorn as the project runs it, or the same without its config (no preloading)."""
    config = [] if preload else ["--config", os.devnull]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *config,
        "-w",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "error",
        "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if _call(port, "GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def run(preload: bool) -> dict:
    port = _free_port()
    server = serve(port, preload)
    try:
        status, body = _call(
            port,
            "POST",
            "/api/v1/auth/token",
            {"email": "manager@aurora.example", "password": "demo-password"},
        )
        token = json.loads(body)["token"]
        timings, failures, lock = [], [], threading.Lock()
        stop = time.monotonic() + SECONDS

        def client():
            while time.monotonic() < stop:
                began = time.monotonic()
                try:
                    status, _body = _call(port, "GET", "/api/v1/users/me", token=token)
                except OSError as exc:
                    status = type(exc).__name__
                with lock:
                    timings.append(time.monotonic() - began)
                    if status != 200:
                        failures.append(status)

        threads = [threading.Thread(target=client) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for _reload in (1, 2):
            time.sleep(SECONDS / 3)
            server.send_signal(signal.SIGHUP)
        for thread in threads:
            thread.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    timings.sort()
    result = {
        "requests": len(timings),
        "failed": len(failures),
        "slowest": timings[-1],
        "p99": timings[int(len(timings) * 0.99) - 1],
    }
    print(
        f"{'preloaded' if preload else 'not preloaded':>14}: {result['requests']} requests, "
        f"{result['failed']} failed, slowest {result['slowest'] * 1000:.0f} ms, "
        f"p99 {result['p99'] * 1000:.0f} ms, two reloads in {SECONDS:.0f} s"
    )
    return result


def main() -> None:
    claim_redis(REDIS, "bench:reload")
    recreate_postgres(APP, OWNER)
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [sys.executable, "-m", "flask", *command],
            cwd=ROOT,
            env=ENV,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    baseline = run(preload=False)
    product = run(preload=True)
    print(load_line())
    print(
        f"reload: ratio={product['slowest'] / baseline['slowest']:.2f} (slowest answer during "
        f"two graceful reloads, preloaded vs not: {product['slowest'] * 1000:.0f} ms vs "
        f"{baseline['slowest'] * 1000:.0f} ms; failed: {product['failed']} vs "
        f"{baseline['failed']}; target: 0 failed, slowest under 2000 ms)"
    )


if __name__ == "__main__":
    main()
