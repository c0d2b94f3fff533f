"""Inbound mail end to end: 1,000 realistic messages (plain text, HTML, attachments, and
replies in threads) POSTed through the real hook by 4 senders to gunicorn (2 workers),
drained by the real worker (`python -m workers`), until every message is one item (or
joined to its conversation's item) and every item is assigned. Beside it, in the same
run, a bare endpoint on the same stack that stores each raw message with one INSERT.

    python bench/ingest.py       (PostgreSQL and Redis on 127.0.0.1; trust auth)

It uses its own database (``secretariat_bench_ingest``, recreated) and its own Redis db
5, and runs with the minute tick off. The last line is the figure:
``ingest: <n> messages/s end to end, bare <m>/s, ratio=<x>``.
"""

import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    app_from,
    claim_redis,
    cpu_seconds,
    load_line,
    percentile,
    serve,
    vacuum,
    wait_for,
)

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_ingest"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_ingest",
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
MARK = "bench:ingest"
SECRET = "bench-secret"
MESSAGES = int(os.environ.get("BENCH_MESSAGES", 1000))
SENDERS = 4
CLIENTS, SECRETARIES = 40, 8
PRODUCT_PORT, BARE_PORT = 8793, 8794
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
ENV = {
    "DATABASE_URL": APP,
    "REDIS_URL": REDIS,
    "SECRET_KEY": SECRET,
    "LOG_JSON": "0",
    "SCHEDULES_ENABLED": "0",
    "MAIL_INBOUND_DOMAIN": "in.bench.example",
}


def product_app():
    return app_from(ENV)


def bare_app():
    """The same raw message kept with one INSERT, as the app's role, nothing else."""
    from flask import Flask, request
    from sqlalchemy import create_engine, text

    app = Flask("bare")
    engine = create_engine(APP, pool_size=8)

    @app.post("/bare")
    def bare():
        raw = request.get_data()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO bench_raw (body) VALUES (:body)"), {"body": raw})
        return {"stored": len(raw)}, 201

    return app


def setup(agencies: int = 1) -> list[tuple[str, list[str]]]:
    """The agencies, each with clients each with a primary secretary on shift all week;
    each agency's inbound key and its clients' aliases."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from agency.app import create_app
    from agency.kernel.database import db
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    os.environ.update(ENV)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS,
         "SCHEDULES_ENABLED": False, "MAIL_INBOUND_DOMAIN": ENV["MAIL_INBOUND_DOMAIN"]}
    )  # fmt: skip
    with app.app_context():
        upgrade()
        made = [_agency(number) for number in range(agencies)]
        db.engine.dispose()
    owner = create_engine(OWNER, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text("CREATE TABLE bench_raw (id serial PRIMARY KEY, body bytea)"))
        connection.execute(text("GRANT INSERT ON bench_raw TO secretariat_app"))
        connection.execute(text("GRANT USAGE ON SEQUENCE bench_raw_id_seq TO secretariat_app"))
    owner.dispose()
    vacuum(OWNER)
    return made


def _agency(number: int) -> tuple[str, list[str]]:
    from sqlalchemy import insert

    from agency.domains.clients.models import Assignment, Client
    from agency.domains.mail import settings as mail_settings
    from agency.domains.staff.models import Secretary
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency

    slug = "bench" if number == 0 else f"bench-{number}"
    agency = lifecycle.create(name=f"Bench {number}", slug=slug)
    db.session.commit()
    with use_agency(agency.id):
        secretaries = db.session.scalars(
            insert(Secretary).returning(Secretary.id),
            [
                {"name": f"Secretary {n}", "email": f"s{n}@{slug}.example",
                 "shift_status": "on_shift", "schedule": ALWAYS, "timezone": "UTC",
                 "capacity_items": 1000, "capacity_clients": 10,
                 "languages": [{"code": "en", "level": "C2"}], "agency_id": agency.id}
                for n in range(SECRETARIES)
            ],
        ).all()  # fmt: skip
        clients = db.session.scalars(
            insert(Client).returning(Client.id),
            [{"name": f"Client {n}", "email": f"c{n}@{slug}.example", "timezone": "UTC",
              "agency_id": agency.id} for n in range(CLIENTS)],
        ).all()  # fmt: skip
        db.session.execute(
            insert(Assignment),
            [{"client_id": c, "secretary_id": secretaries[n % SECRETARIES],
              "role": "primary", "agency_id": agency.id} for n, c in enumerate(clients)],
        )  # fmt: skip
        key = mail_settings.agency_settings().inbound_secret
        aliases = [
            mail_settings.alias_address(mail_settings.rules_for(db.session.get(Client, c)))
            for c in clients
        ]
        db.session.commit()
    return key, aliases


def messages(aliases: list[str]) -> tuple[list[tuple[int, bytes]], int]:
    """The messages (each with its conversation's number), and how many conversations
    they make: three in ten reply to an earlier message; some carry HTML, some an
    attachment."""
    rng = random.Random(5)
    pdf = b"%PDF-1.4\n" + bytes(rng.getrandbits(8) for _ in range(20_000))
    sent, threads, raws = [], 0, []
    for n in range(MESSAGES):
        msg = EmailMessage()
        earlier = rng.choice(sent) if sent and rng.random() < 0.3 else None
        if earlier is None:
            alias = rng.choice(aliases)
            sender = f"Customer {n} <customer{n}@example.org>"
            subject = (
                rng.choice(
                    ["Quote request", "Appointment", "Invoice question", "Delivery", "Meeting"]
                )
                + f" {n}"
            )
            parent, conversation = None, threads
            threads += 1
        else:
            alias, sender, subject, parent, conversation = earlier
            subject = subject if subject.startswith("Re: ") else f"Re: {subject}"
        message_id = make_msgid(domain="example.org")
        msg["From"], msg["To"], msg["Subject"] = sender, alias, subject
        msg["Message-ID"] = message_id
        msg["Date"] = "Mon, 07 Dec 2026 09:00:00 +0000"
        if parent:
            msg["In-Reply-To"], msg["References"] = parent, parent
        text = (
            f"Hello,\n\nCould you help with this ({n})? We would like an answer this week.\n\n"
            + "Some detail about the request. " * rng.randint(3, 30)
            + "\n\nKind regards,\nThe customer\n"
        )
        msg.set_content(text)
        if rng.random() < 0.25:
            msg.add_alternative(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
        if rng.random() < 0.15:
            msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="quote.pdf")
        raws.append((conversation, msg.as_bytes()))
        sent.append((alias, sender, subject, message_id, conversation))
    return raws, threads


def post_all(port: int, path: str, raws: list, headers: dict) -> tuple[float, list]:
    """POST every message from SENDERS threads, each conversation from one sender in its
    order (as a provider delivers a thread); the seconds taken and each latency."""
    latencies, failures, lock = [], [], threading.Lock()
    chunks = [[raw for c, raw in raws if c % SENDERS == n] for n in range(SENDERS)]

    def sender(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for raw in chunk:
            started = time.perf_counter()
            connection.request("POST", path, body=raw, headers=headers)
            answer = connection.getresponse()
            answer.read()
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if answer.status not in (200, 201):
                    failures.append(answer.status)
        connection.close()

    threads = [threading.Thread(target=sender, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} messages refused: {sorted(set(failures))}")
    return time.perf_counter() - started, latencies


def settled(connection) -> tuple[int, int, int, int]:
    """(messages kept, messages with an item, items, items not yet assigned)."""
    from sqlalchemy import text

    return connection.execute(
        text(
            "SELECT (SELECT count(*) FROM inbound_emails),"
            " (SELECT count(*) FROM inbound_emails WHERE work_item_id IS NOT NULL),"
            " (SELECT count(*) FROM work_items),"
            " (SELECT count(*) FROM work_items WHERE status IN ('new', 'queued'))"
        )
    ).one()


def main() -> None:
    from sqlalchemy import create_engine

    claim_redis(REDIS, MARK)
    [(key, aliases)] = setup()
    raws, conversations = messages(aliases)
    owner = create_engine(OWNER)
    product = serve("bench.ingest:product_app()", PRODUCT_PORT, workers=2, threads=4)
    bare = serve("bench.ingest:bare_app()", BARE_PORT, workers=2, threads=4)
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", "--no-cron"],
        cwd=ROOT,
        env={**os.environ, **ENV, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The worker has imported the app and listens before anything is timed.
        from redis import Redis
        from rq import Worker

        redis = Redis.from_url(REDIS)
        wait_for(lambda: Worker.count(connection=redis) >= 1, "the worker to start")
        bare_cpu = cpu_seconds(bare.pid)
        bare_seconds, bare_latencies = post_all(
            BARE_PORT, "/bare", raws, {"Content-Type": "message/rfc822"}
        )
        bare_cpu = cpu_seconds(bare.pid) - bare_cpu
        headers = {"Content-Type": "message/rfc822", "X-Inbound-Key": key}
        hook_cpu, job_cpu = cpu_seconds(product.pid), cpu_seconds(worker.pid)
        started = time.perf_counter()
        posted_seconds, latencies = post_all(PRODUCT_PORT, "/hooks/email/inbound", raws, headers)
        deadline = time.monotonic() + 300
        with owner.connect() as connection:
            while True:
                kept, with_item, items, waiting = settled(connection)
                connection.rollback()
                if kept == MESSAGES and with_item == MESSAGES and not waiting:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"not settled: {kept} kept, {with_item} with an item, "
                                     f"{waiting} of {items} items not assigned")  # fmt: skip
                time.sleep(0.02)
        end_to_end = time.perf_counter() - started
        hook_cpu = cpu_seconds(product.pid) - hook_cpu
        job_cpu = cpu_seconds(worker.pid) - job_cpu
    finally:
        for process in (product, bare, worker):
            process.send_signal(signal.SIGTERM)
        for process in (product, bare, worker):
            process.wait(timeout=60)
        owner.dispose()
    assert items == conversations, (items, conversations)  # one item per conversation
    rate, bare_rate = MESSAGES / end_to_end, MESSAGES / bare_seconds
    print(
        f"product: {MESSAGES} messages POSTed in {posted_seconds:.2f} s (hook p50 "
        f"{statistics.median(latencies) * 1000:.1f} ms, p99 "
        f"{percentile(latencies, 0.99) * 1000:.1f} ms), all {items} items "
        f"({conversations} conversations) assigned after "
        f"{end_to_end:.2f} s"
    )
    print(
        f"bare: {MESSAGES} messages stored in {bare_seconds:.2f} s (p50 "
        f"{statistics.median(bare_latencies) * 1000:.1f} ms, p99 "
        f"{percentile(bare_latencies, 0.99) * 1000:.1f} ms)"
    )
    print(
        f"CPU per message: hook {hook_cpu / MESSAGES * 1000:.2f} ms, reading job "
        f"{job_cpu / MESSAGES * 1000:.2f} ms, bare endpoint {bare_cpu / MESSAGES * 1000:.2f} ms"
    )
    print(load_line())
    print(
        f"ingest: {rate:.0f} messages/s end to end, bare {bare_rate:.0f}/s, "
        f"ratio={rate / bare_rate:.2f}"
    )


if __name__ == "__main__":
    main()
