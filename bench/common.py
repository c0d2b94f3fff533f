"""What the benches share: their own Redis database, a gunicorn to measure, a signed-in
session without signing in, percentiles, and the machine's load beside the figures."""

import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def claim_redis(url: str, mark: str):
    """The bench's own Redis database, emptied: refused if it holds keys the bench did not
    write (another tool's data is never flushed)."""
    from redis import Redis

    redis = Redis.from_url(url)
    if redis.dbsize() and not redis.exists(mark):
        raise SystemExit(f"{url} holds keys this bench did not write: choose another")
    redis.flushdb()
    redis.set(mark, "1")
    return redis


def vacuum(owner_url: str) -> None:
    """VACUUM ANALYZE the bench's database: fresh statistics, and nothing left for
    autovacuum to do while the bench measures."""
    from sqlalchemy import create_engine, text

    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def app_from(env: dict):
    """The product's app as gunicorn serves it, configured by ``env`` (as production is,
    by its environment), logging warnings only."""
    os.environ.update({**env, "LOG_LEVEL": "WARNING"})
    from agency.app import create_app

    app = create_app()
    app.logger.setLevel("WARNING")
    return app


def session_cookie(app, user) -> str:
    """The session cookie ``user`` has after signing in (signing in many times would
    measure the password hash instead)."""
    serializer = app.session_interface.get_signing_serializer(app)
    signed = serializer.dumps(
        {"_user_id": f"{user.agency_id}:{user.id}:{user.password_stamp}", "_fresh": True}
    )
    return f"{app.config['SESSION_COOKIE_NAME']}={signed}"


def serve(target: str, port: int, workers: int = 2, threads: int = 8) -> subprocess.Popen:
    """gunicorn serving ``target`` on loopback (its log in a temporary file)."""
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--log-level", "warning", target,
    ]  # fmt: skip
    with tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start on port {port}: see {log.name}")


def wait_for(condition, what: str, timeout: float = 120) -> float:
    """Wait until ``condition()`` holds (or give up after ``timeout`` seconds); the
    moment it did, by ``time.perf_counter``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)
    return time.perf_counter()


def cpu_seconds(master: int) -> float:
    """User and system CPU of a process and its children so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
