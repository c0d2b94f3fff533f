"""Scaling out the workers: the same real work drained by 1, 2 and 4 worker processes
(`python -m workers`) against one PostgreSQL and one Redis, then the same again with the
workers' connections through PgBouncer in transaction mode.

Two kinds of work. Outbound mail to a mail server that takes SMTP_DELAY seconds to
accept each message (as a remote one does): BENCH_EMAILS emails per agency queued by
the product, then delivered; this work waits on the network, and processes add
throughput until the cores are busy. And inbound mail as it arrives: BENCH_MESSAGES
realistic messages (plain, HTML, attachments, replies in threads; `bench/ingest.py`)
for each of BENCH_AGENCIES agencies, POSTed through the real hook while no worker runs,
so that every job waits in the queues; then the workers start and the clock runs until
every message is an item (or joined to its conversation's item) and every item is
routed to a secretary. This work is parsing and deciding, on the processor.

    python bench/scale.py        (PostgreSQL and Redis on 127.0.0.1; trust auth;
                                  Debian's pgbouncer installed)

It uses its own database (``secretariat_bench_scale``, recreated for each run) and its
own Redis db 8. The last lines are the figures: ``scale (outbound mail): 1 worker <a>/s,
2 <b>/s, 4 <c>/s, 1->2 ratio=<x>; through PgBouncer ...`` and the same for inbound mail.
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
EMAILS = int(os.environ.get("BENCH_EMAILS", 15))
SMTP_DELAY = float(os.environ.get("BENCH_SMTP_DELAY", 0.1))


def slow_mail_server():
    """An SMTP server on loopback that takes SMTP_DELAY to accept each message."""
    import asyncio
    import socket

    from aiosmtpd.controller import Controller

    from tests import mailbox

    class Slow(mailbox.Mailbox):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            await asyncio.sleep(SMTP_DELAY)
            return await super().handle_DATA(server, session, envelope)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Slow(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def queued_mail() -> None:
    """A fresh database and Redis, and EMAILS emails per agency queued, their delivery
    jobs waiting for workers that have not started."""
    from agency.app import create_app
    from agency.domains.notify.services import queue_email
    from agency.domains.schedules.tick import active_agency_ids
    from agency.kernel.database import db
    from tenants import use_agency

    claim_redis(ingest.REDIS, MARK)
    ingest.setup(AGENCIES)
    app = create_app({"SQLALCHEMY_DATABASE_URI": ingest.APP, "REDIS_URL": ingest.REDIS,
                      "SCHEDULES_ENABLED": False})  # fmt: skip
    with app.app_context():
        for agency_id in active_agency_ids():
            with use_agency(agency_id):
                for n in range(EMAILS):
                    queue_email(f"reader{n}@agency{agency_id}.example", "Your booking",
                                "It is confirmed.", "notice")  # fmt: skip
                db.session.commit()
        db.engine.dispose()


def mail_sent(connection) -> bool:
    from sqlalchemy import text

    sent = connection.execute(
        text("SELECT count(*) FROM outbound_emails WHERE status = 'sent'")
    ).scalar()
    return sent == EMAILS * AGENCIES


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


def drain(workers: int, database_url: str, pooled: bool, done, extra: dict) -> float:
    """Seconds for ``workers`` processes, once started, to do everything queued (``done``
    says when). They start while the queues are suspended, so that the clock runs from
    the moment they all take work (RQ looks again every second while suspended)."""
    from sqlalchemy import create_engine

    env = {**os.environ, **ingest.ENV, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "DATABASE_TRANSACTION_POOLER": "1" if pooled else "0", **extra}  # fmt: skip
    from redis import Redis
    from rq import Worker
    from rq.suspension import resume, suspend

    owner = create_engine(ingest.OWNER)
    redis = Redis.from_url(ingest.REDIS)
    suspend(redis)  # the processes start (imports, the app) before the clock does
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "workers", "--no-cron"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        wait_for(lambda: Worker.count(connection=redis) >= workers, "the workers to start")
        resume(redis)
        started = time.perf_counter()

        def finished() -> bool:
            with owner.connect() as connection:
                return done(connection)

        wait_for(finished, f"{workers} workers to finish", 600)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        owner.dispose()


def mail_settled(connection) -> bool:
    kept, with_item, _items, waiting = ingest.settled(connection)
    return kept == ingest.MESSAGES * AGENCIES and with_item == kept and not waiting


def series(kind: str, database_url: str, pooled: bool, smtp_url: str) -> dict[int, float]:
    """Throughput of 1, 2 and 4 workers on ``kind`` of work ("outbound" or "inbound")."""
    prepare, done, total = {
        "outbound": (queued_mail, mail_sent, EMAILS * AGENCIES),
        "inbound": (queued, mail_settled, ingest.MESSAGES * AGENCIES),
    }[kind]
    rates = {}
    for workers in COUNTS:
        prepare()
        took = drain(workers, database_url, pooled, done, {"SMTP_URL": smtp_url})
        rates[workers] = total / took
        print(f"{kind} mail, {'pgbouncer' if pooled else 'direct'}: {workers} worker(s) "
              f"{rates[workers]:.0f}/s", flush=True)  # fmt: skip
    return rates


def line(rates: dict[int, float]) -> str:
    return (f"1 worker {rates[1]:.0f}/s, 2 {rates[2]:.0f}/s, 4 {rates[4]:.0f}/s, "
            f"1->2 ratio={rates[2] / rates[1]:.2f}")  # fmt: skip


def main() -> None:
    from sqlalchemy.engine import make_url

    from tests.pgbouncer import PgBouncer

    server = slow_mail_server()
    smtp_url = f"smtp://127.0.0.1:{server.port}"
    role = make_url(ingest.APP)
    bouncer = PgBouncer(ingest.OWNER, {role.username: role.password or "", "postgres": ""},
                        pool_size=20)  # fmt: skip
    figures = []
    try:
        for kind in ("outbound", "inbound"):
            direct = series(kind, ingest.APP, False, smtp_url)
            pooled = series(kind, bouncer.url(ingest.APP), True, smtp_url)
            figures.append(f"scale ({kind} mail): {line(direct)}; through PgBouncer {line(pooled)}")
    finally:
        bouncer.stop()
        server.stop()
    print(load_line())
    for figure in figures:
        print(figure)


if __name__ == "__main__":
    main()
