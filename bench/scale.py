"""Scaling out the workers: the same real work drained by 1, 2 and 4 worker processes
(`python -m workers`) against one PostgreSQL and one Redis, then the same again with the
workers' connections through PgBouncer in transaction mode.

The work is inbound mail as it arrives: BENCH_MESSAGES realistic messages (plain, HTML,
attachments, replies in threads; `bench/ingest.py`) for each of BENCH_AGENCIES agencies,
POSTed through the real hook while no worker runs, so that every job waits in the
queues; then the workers start and the clock runs until every message is an item (or
joined to its conversation's item) and every item is routed to a secretary.

    python bench/scale.py        (PostgreSQL and Redis on 127.0.0.1; trust auth;
                                  Debian's pgbouncer installed)

It uses its own database (``secretariat_bench_scale``, recreated for each run) and its
own Redis db 8. The last line is the figure: ``scale: 1 worker <a>/s, 2 <b>/s, 4 <c>/s,
1->2 ratio=<x>; through PgBouncer ...``.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_scale"
)
os.environ.setdefault(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app:bench@127.0.0.1:5432/secretariat_bench_scale",
)
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("BENCH_MESSAGES", "150")

from bench import ingest  # noqa: E402
from bench.common import claim_redis, load_line, serve, wait_for  # noqa: E402

MARK = "bench:scale"
PORT = 8795
COUNTS = (1, 2, 4)
# The agencies the mail comes to: one agency's mail is read by one job at a time (in
# order), so the work spreads over workers as it does in production, across tenants.
AGENCIES = int(os.environ.get("BENCH_AGENCIES", 8))


def queued() -> None:
    """A fresh database and Redis, and every message POSTed through the hook, its jobs
    waiting in the queues for workers that have not started."""
    claim_redis(ingest.REDIS, MARK)
    agencies = ingest.setup(AGENCIES)
    web = serve("bench.ingest:product_app()", PORT, workers=2, threads=4)
    try:
        for key, aliases in agencies:
            raws, _conversations = ingest.messages(aliases)
            headers = {"Content-Type": "message/rfc822", "X-Inbound-Key": key}
            ingest.post_all(PORT, "/hooks/email/inbound", raws, headers)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)


def drain(workers: int, database_url: str, pooled: bool) -> float:
    """Seconds for ``workers`` processes to settle everything queued."""
    from sqlalchemy import create_engine

    env = {**os.environ, **ingest.ENV, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "DATABASE_TRANSACTION_POOLER": "1" if pooled else "0"}  # fmt: skip
    owner = create_engine(ingest.OWNER)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "workers", "--no-cron"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(workers)
    ]
    try:

        def done() -> bool:
            with owner.connect() as connection:
                kept, with_item, _items, waiting = ingest.settled(connection)
            return kept == ingest.MESSAGES * AGENCIES and with_item == kept and not waiting

        wait_for(done, f"{workers} workers to settle the mail", 600)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        owner.dispose()


def series(database_url: str, pooled: bool) -> dict[int, float]:
    rates = {}
    for workers in COUNTS:
        queued()
        rates[workers] = ingest.MESSAGES * AGENCIES / drain(workers, database_url, pooled)
        print(f"{'pgbouncer' if pooled else 'direct'}: {workers} worker(s) "
              f"{rates[workers]:.0f} messages/s", flush=True)  # fmt: skip
    return rates


def line(rates: dict[int, float]) -> str:
    return (f"1 worker {rates[1]:.0f}/s, 2 {rates[2]:.0f}/s, 4 {rates[4]:.0f}/s, "
            f"1->2 ratio={rates[2] / rates[1]:.2f}")  # fmt: skip


def main() -> None:
    from sqlalchemy.engine import make_url

    from tests.pgbouncer import PgBouncer

    direct = series(ingest.APP, pooled=False)
    role = make_url(ingest.APP)
    bouncer = PgBouncer(ingest.OWNER, {role.username: role.password or "", "postgres": ""},
                        pool_size=20)  # fmt: skip
    try:
        pooled = series(bouncer.url(ingest.APP), pooled=True)
    finally:
        bouncer.stop()
    print(load_line())
    print(f"scale: {line(direct)}; through PgBouncer {line(pooled)}")


if __name__ == "__main__":
    main()
