"""A client's own calendar on a CalDAV server (Radicale, on loopback): the first sync of
1,000 events, then a sync after one change there, printing the time and the HTTP
requests each made; the second must fetch only what changed.

    python bench/caldav_sync.py      (PostgreSQL and Redis on 127.0.0.1; trust auth)

It uses its own database (``secretariat_bench_caldav``, recreated), Redis db 3 and a
Radicale server of its own in a temporary folder. The last line is the figure:
``caldav_sync: first=<a> s (<n> requests), one change=<b> s (<m> requests, <k> objects)``.
"""

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import caldav  # noqa: E402
import requests  # noqa: E402

from bench.common import claim_redis, load_line  # noqa: E402
from tests import radicale_server  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_caldav"
)
APP = os.environ.get(
    "BENCH_APP_URL", "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_caldav"
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
MARK = "bench:caldav"
EVENTS = int(os.environ.get("BENCH_EVENTS", 1000))
START = datetime(2027, 1, 4, 8, tzinfo=UTC)


class Requests:
    """Counts the HTTP requests this process sends (the sync's, to the server)."""

    count = 0
    _send = requests.Session.send

    @classmethod
    def install(cls):
        def counted(session, request, **kwargs):
            cls.count += 1
            return cls._send(session, request, **kwargs)

        requests.Session.send = counted


def event(n: int) -> str:
    starts = START + timedelta(days=n % 300, hours=n % 9)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{n}@own.example\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:{starts:%Y%m%dT%H%M%SZ}\r\nDTEND:{starts + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:Event {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def main() -> None:
    from flask_migrate import upgrade

    from agency.app import create_app
    from agency.domains.calendar import caldav_sync
    from agency.domains.clients.models import Client
    from agency.kernel import clock
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    claim_redis(REDIS, MARK)
    recreate_postgres(APP, OWNER)
    folder = Path(tempfile.mkdtemp(prefix="bench-radicale-"))
    process, base = radicale_server.start(folder)
    try:
        dav = caldav.DAVClient(
            url=f"{base}/{radicale_server.USER}/",
            username=radicale_server.USER,
            password=radicale_server.PASSWORD,
        )
        remote = dav.principal().make_calendar(name="work", cal_id="work")
        for n in range(EVENTS):
            remote.save_event(event(n))
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS,
             "SCHEDULES_ENABLED": False}
        )  # fmt: skip
        clock.freeze(START - timedelta(days=3))
        with app.app_context():
            upgrade()
            agency_id = lifecycle.create(name="Bench", slug="bench").id
            db.session.commit()
            with use_agency(agency_id):
                client = Client(name="Client", timezone="Europe/Lisbon")
                db.session.add(client)
                db.session.commit()
                caldav_sync.connect(
                    client,
                    {"url": str(remote.url), "username": radicale_server.USER,
                     "password": radicale_server.PASSWORD},
                )  # fmt: skip
                Requests.install()
                started = time.perf_counter()
                first = caldav_sync.sync(client)
                first_seconds, first_requests = time.perf_counter() - started, Requests.count
                changed = next(iter(remote.events()))
                changed.icalendar_component["SUMMARY"] = "Moved by the client"
                changed.save()
                Requests.count = 0
                started = time.perf_counter()
                second = caldav_sync.sync(client)
                second_seconds, second_requests = time.perf_counter() - started, Requests.count
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert first["pulled"] == EVENTS, first
    assert second["fetched"] == 1 and second["pulled"] == 1, second
    print(
        f"first sync: {first['pulled']} events in {first_seconds:.2f} s, {first_requests} requests"
    )
    print(
        f"after one change: {second['fetched']} object fetched in {second_seconds:.3f} s, "
        f"{second_requests} requests"
    )
    print(load_line())
    print(
        f"caldav_sync: first={first_seconds:.2f} s ({first_requests} requests), one change="
        f"{second_seconds:.3f} s ({second_requests} requests, {second['fetched']} objects)"
    )


if __name__ == "__main__":
    main()
