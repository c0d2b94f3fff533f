"""A campaign of 10,000 recipients through the real queue and worker (`python -m
workers`) to an SMTP server on loopback, beside a bare `smtplib` loop that sends the same
messages over one connection in the same run; then the same campaign again with the worker
SIGKILLed half way and a fresh one finishing it. Every run is checked message by message:
no recipient twice, none missing.

    python bench/campaign.py     (PostgreSQL and Redis on 127.0.0.1; trust auth)

It uses its own database (``secretariat_bench_campaign``, recreated) and its own Redis db
7, with the minute tick off. The last line is the figure:
``campaign: <n> messages/s, bare <m>/s, ratio=<x>; ...``.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import claim_redis, load_line, vacuum, wait_for  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_campaign"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_campaign",
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
MARK = "bench:campaign"
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", 10_000))
SUBJECT, BODY = "{first_name}, our spring offer", "Dear {name},\n\n" + "Ten percent off. " * 40


def setup(smtp_url: str):
    """The agency, its client and RECIPIENTS contacts with consent on record."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from agency.app import create_app
    from agency.domains.accounts.models import Role, User
    from agency.domains.clients.models import Client, Contact
    from agency.domains.promotions.models import Consent
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    app = create_app({"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER,
                      "REDIS_URL": REDIS, "SCHEDULES_ENABLED": False, "SMTP_URL": smtp_url,
                      "SECRET_KEY": "bench-secret"})  # fmt: skip
    with app.app_context():
        upgrade()
        agency = lifecycle.create(name="Bench", slug="bench")
        db.session.commit()
        with use_agency(agency.id):
            client = Client(name="Bench Bakery", timezone="UTC", agency_id=agency.id)
            writer = User(email="office@bench.example", name="Office", role=Role.manager,
                          password_hash="x", agency_id=agency.id)  # fmt: skip
            db.session.add_all([client, writer])
            db.session.flush()
            contacts = db.session.scalars(
                insert(Contact).returning(Contact.id),
                [{"client_id": client.id, "name": f"Reader {n} Surname", "kind": "customer",
                  "email": f"reader{n}@list.bench.example", "agency_id": agency.id}
                 for n in range(RECIPIENTS)],
            ).all()  # fmt: skip
            db.session.execute(
                insert(Consent),
                [{"client_id": client.id, "contact_id": c, "given": True, "method": "in_person",
                  "agency_id": agency.id} for c in contacts],
            )  # fmt: skip
            db.session.commit()
            ids = (agency.id, client.id, writer.id)
        db.engine.dispose()
    vacuum(OWNER)
    return app, ids


def start_campaign(app, ids) -> int:
    from datetime import timedelta

    from agency.domains.accounts.models import User
    from agency.domains.clients.models import Client
    from agency.domains.promotions import campaigns
    from agency.kernel import clock
    from agency.kernel.database import db
    from tenants import use_agency

    agency_id, client_id, writer_id = ids
    with app.app_context(), use_agency(agency_id):
        made = campaigns.create(
            db.session.get(Client, client_id),
            {"subject": SUBJECT, "body": BODY,
             "send_at": (clock.now() + timedelta(minutes=1)).isoformat()},
            db.session.get(User, writer_id),
        )  # fmt: skip
        campaigns.submit(made)
        campaigns.approve(made)
        made.send_at = clock.now()
        campaigns.start_due(clock.now())
        db.session.commit()
        campaign_id = made.id
        db.engine.dispose()
    return campaign_id


def status(app, agency_id: int, campaign_id: int) -> str:
    from agency.domains.promotions.models import Campaign
    from agency.kernel.database import db
    from tenants import use_agency

    with app.app_context(), use_agency(agency_id):
        found = db.session.get(Campaign, campaign_id).status
        db.session.remove()
    return found


def restart(app, agency_id: int) -> None:
    """What the minute tick does once a campaign has stalled."""
    from datetime import timedelta

    from agency.domains.promotions import campaigns
    from agency.kernel import clock
    from agency.kernel.database import db
    from tenants import use_agency

    with app.app_context(), use_agency(agency_id):
        campaigns.restart_stalled(clock.now() + timedelta(minutes=10))
        db.session.commit()
        db.session.remove()


def worker(smtp_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": APP, "REDIS_URL": REDIS, "SECRET_KEY": "bench-secret",
           "SCHEDULES_ENABLED": "0", "SMTP_URL": smtp_url, "LOG_JSON": "0",
           "CAMPAIGN_MESSAGES_PER_SECOND": "0", "CAMPAIGN_AGENCY_MESSAGES_PER_SECOND": "0",
           "CAMPAIGN_CLAIM_LEASE_SECONDS": "2",
           "WORKER_HEARTBEAT_SECONDS": "1", "PYTHONPATH": str(ROOT)}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "workers", "--no-cron"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=60)


def checked(mailbox, runs: int) -> tuple[int, int]:
    """(duplicates, missing) over every recipient, for ``runs`` campaigns sent."""
    seen = Counter(m["X-Envelope-To"] for m in mailbox.messages)
    wanted = {f"reader{n}@list.bench.example" for n in range(RECIPIENTS)}
    duplicates = sum(max(0, seen[a] - runs) for a in wanted) + sum(
        n for a, n in seen.items() if a not in wanted
    )
    missing = sum(max(0, runs - seen[a]) for a in wanted)
    return duplicates, missing


def bare(smtp_url: str) -> float:
    """The same number of messages of the same size over one smtplib connection."""
    import smtplib
    from urllib.parse import urlsplit

    parts = urlsplit(smtp_url)
    smtp = smtplib.SMTP(parts.hostname, parts.port)
    started = time.perf_counter()
    for n in range(RECIPIENTS):
        message = EmailMessage()
        message["From"], message["To"] = "Bench Bakery <office@bench.example>", f"bare{n}@x.example"
        message["Subject"] = f"Reader {n}, our spring offer"
        message.set_content(BODY.format(name=f"Reader {n} Surname") + "\n-- \nUnsubscribe: x")
        smtp.send_message(message)
    took = time.perf_counter() - started
    smtp.quit()
    return took


def main() -> None:
    from tests import mailbox

    claim_redis(REDIS, MARK)
    controller, box = mailbox.start()
    smtp_url = f"smtp://127.0.0.1:{controller.port}"
    app, ids = setup(smtp_url)
    agency_id = ids[0]
    try:
        bare_seconds = bare(smtp_url)
        box.clear()

        first = worker(smtp_url)
        from redis import Redis
        from rq import Worker

        redis = Redis.from_url(REDIS)
        wait_for(lambda: Worker.count(connection=redis) >= 1, "the worker to start")
        started = time.perf_counter()
        campaign_id = start_campaign(app, ids)
        wait_for(lambda: status(app, agency_id, campaign_id) == "sent", "the campaign", 900)
        product_seconds = time.perf_counter() - started
        stop(first)
        duplicates, missing = checked(box, 1)

        box.clear()
        second = worker(smtp_url)
        wait_for(lambda: Worker.count(connection=redis) >= 1, "the worker to start")
        campaign_id = start_campaign(app, ids)
        wait_for(lambda: len(box.messages) >= RECIPIENTS // 2, "half the campaign", 900)
        stop(second, signal.SIGKILL)
        killed_at = len(box.messages)
        restart(app, agency_id)
        third = worker(smtp_url)
        wait_for(lambda: status(app, agency_id, campaign_id) == "sent", "the rest", 900)
        stop(third)
        killed_duplicates, killed_missing = checked(box, 1)
    finally:
        controller.stop()
    rate, bare_rate = RECIPIENTS / product_seconds, RECIPIENTS / bare_seconds
    print(f"product: {RECIPIENTS} messages in {product_seconds:.1f} s; bare smtplib: "
          f"{bare_seconds:.1f} s; killed run: worker killed after {killed_at}")  # fmt: skip
    print(load_line())
    print(
        f"campaign: {rate:.0f} messages/s, bare {bare_rate:.0f}/s, ratio={rate / bare_rate:.2f}; "
        f"duplicates {duplicates}, missing {missing}; killed half way: duplicates "
        f"{killed_duplicates}, missing {killed_missing}"
    )


if __name__ == "__main__":
    main()
