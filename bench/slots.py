"""Free times for a meeting over four weeks, for a client with 2,000 events in their
calendar (made here and imported, some of them weekly), beside a plain SQL range query
for the same client's events in the same run.

    python bench/slots.py        (PostgreSQL and Redis on 127.0.0.1; trust auth)

It uses its own database (``secretariat_bench_slots``, recreated) and Redis db 4. The
last line is the figure: ``slots: median=<a> ms p99=<b> ms, bare median=<c> ms,
ratio=<x>`` (the search's median over the bare query's).
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import claim_redis, load_line, percentile, vacuum  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_slots"
)
APP = os.environ.get(
    "BENCH_APP_URL", "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_slots"
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
MARK = "bench:slots"
EVENTS = int(os.environ.get("BENCH_EVENTS", 2000))
SEARCHES = int(os.environ.get("BENCH_SEARCHES", 100))
START = datetime(2027, 1, 4, tzinfo=UTC)  # a Monday


def _weekly_file(rng: random.Random) -> bytes:
    """The client's own calendar: 20 weekly series over the year (about 1,000 events)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//Own calendar//EN"]
    for n in range(20):
        day = START + timedelta(days=rng.randrange(5), hours=rng.randrange(8, 17))
        lines += [
            "BEGIN:VEVENT",
            f"UID:series-{n}@own.example",
            f"DTSTART;TZID=Europe/Lisbon:{day:%Y%m%dT%H%M00}",
            f"DTEND;TZID=Europe/Lisbon:{day + timedelta(minutes=45):%Y%m%dT%H%M00}",
            "RRULE:FREQ=WEEKLY;COUNT=50",
            f"SUMMARY:Series {n}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""]).encode()


def setup():
    """The agency, its client in Lisbon with hours and buffers, ~1,000 imported weekly
    events and ~1,000 made here across the year. Returns (app, agency id, client id)."""
    from flask_migrate import upgrade

    from agency.app import create_app
    from agency.domains.calendar import imports, slots
    from agency.domains.calendar.events import etag_of
    from agency.domains.calendar.models import CalendarEvent
    from agency.domains.clients.models import Client
    from agency.kernel import clock
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS,
         "SCHEDULES_ENABLED": False}
    )  # fmt: skip
    rng = random.Random(4)
    clock.freeze(START - timedelta(days=3))
    with app.app_context():
        upgrade()
        agency_id = lifecycle.create(name="Bench", slug="bench").id
        db.session.commit()
        with use_agency(agency_id):
            client = Client(name="Busy Client", timezone="Europe/Lisbon")
            db.session.add(client)
            db.session.commit()
            weekdays = ("mon", "tue", "wed", "thu", "fri")
            slots.save_rules(
                client,
                {"working_hours": {d: [["08:00", "18:00"]] for d in weekdays},
                 "buffer_before_minutes": 10, "buffer_after_minutes": 10, "daily_cap": 8},
            )  # fmt: skip
            imported = imports.import_ics(client, _weekly_file(rng))
            made = EVENTS - imported["added"]
            for n in range(made):
                starts = START + timedelta(
                    days=rng.randrange(365),
                    hours=rng.randrange(7, 19),
                    minutes=15 * rng.randrange(4),
                )
                event = CalendarEvent(
                    client_id=client.id, kind=rng.choice(["busy", "meeting"]), title=f"Event {n}",
                    starts_at=starts, ends_at=starts + timedelta(minutes=rng.choice([30, 60, 90])),
                    timezone="Europe/Lisbon", all_day=False, busy=True, attendees=[],
                    uid=f"made-{n}@bench", sequence=0, source="local",
                )  # fmt: skip
                event.etag = etag_of(event)
                db.session.add(event)
            db.session.commit()
            client_id = client.id
        db.session.remove()
    vacuum(OWNER)
    return app, agency_id, client_id


def _range(client_id: int, first: date) -> dict:
    starts = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    return {"client": client_id, "starts": starts, "ends": starts + timedelta(days=28)}


def main() -> None:
    from sqlalchemy import create_engine, text

    from agency.domains.calendar import slots
    from agency.domains.clients.models import Client
    from agency.kernel.database import db
    from tenants import use_agency

    claim_redis(REDIS, MARK)
    app, agency_id, client_id = setup()
    rng = random.Random(9)
    firsts = [date(2027, 1, 4) + timedelta(days=rng.randrange(300)) for _ in range(SEARCHES)]
    searched, bare, found = [], [], 0
    bare_engine = create_engine(APP, pool_size=1)
    range_query = text(
        "SELECT starts_at, ends_at FROM calendar_events WHERE client_id = :client"
        " AND starts_at < :ends AND ends_at > :starts AND cancelled_at IS NULL"
    )
    with app.app_context(), use_agency(agency_id):
        client = db.session.get(Client, client_id)
        with bare_engine.connect() as connection:
            connection.execute(text(f"SELECT set_config('app.agency_id', '{agency_id}', false)"))
            for first in firsts:  # warm both
                slots.free_slots(client, 60, first, first + timedelta(days=27))
                starts = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
                params = {
                    "client": client_id,
                    "starts": starts,
                    "ends": starts + timedelta(days=28),
                }
                connection.execute(range_query, params).all()
            for first in firsts:
                started = time.perf_counter()
                found += len(slots.free_slots(client, 60, first, first + timedelta(days=27)))
                searched.append(time.perf_counter() - started)
                starts = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
                params = {
                    "client": client_id,
                    "starts": starts,
                    "ends": starts + timedelta(days=28),
                }
                started = time.perf_counter()
                connection.execute(range_query, params).all()
                bare.append(time.perf_counter() - started)
    median, p99 = statistics.median(searched) * 1000, percentile(searched, 0.99) * 1000
    bare_median = statistics.median(bare) * 1000
    print(
        f"{SEARCHES} searches over 4 weeks among {EVENTS} events: median {median:.1f} ms, "
        f"p99 {p99:.1f} ms, {found / SEARCHES:.0f} free times each; bare range query median "
        f"{bare_median:.2f} ms, p99 {percentile(bare, 0.99) * 1000:.2f} ms"
    )
    print(load_line())
    print(
        f"slots: median={median:.1f} ms p99={p99:.1f} ms, bare median={bare_median:.2f} ms, "
        f"ratio={median / bare_median:.1f}"
    )


if __name__ == "__main__":
    main()
