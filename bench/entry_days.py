"""What keeping each client's billable minutes per day costs a time entry: entries written
one at a time as the product writes them (``record_time``, then a commit, as the app's
role under row-level security), with the triggers that keep ``time_entry_days`` on and,
in turns, off.

    python bench/entry_days.py   (PostgreSQL on 127.0.0.1, user postgres, trust auth)

It uses its own database (``secretariat_bench_entries``, recreated). The last line is the
figure: ``entry_days: ratio=<x>``, a write's median with the triggers over without.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from agency.app import create_app  # noqa: E402
from agency.domains.hours.services import record_time  # noqa: E402
from agency.kernel.database import db  # noqa: E402
from bench.common import load_line  # noqa: E402
from tenants import lifecycle, use_agency  # noqa: E402
from tests.billing_seed import client_on_contract  # noqa: E402
from tests.database import recreate_postgres  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_entries"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_entries",
)
CLIENTS = 50
WRITES = int(os.environ.get("BENCH_WRITES", 500))
TURNS = 4
TRIGGERS = ("time_entry_days_added", "time_entry_days_changed", "time_entry_days_removed")


def _triggers(on: bool) -> None:
    with psycopg.connect(OWNER.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for name in TRIGGERS:
            conn.execute(f"ALTER TABLE time_entries {'ENABLE' if on else 'DISABLE'} TRIGGER {name}")


def _writes(agency_id: int, clients: list[int], start: datetime) -> list[float]:
    took = []
    with use_agency(agency_id):
        for n in range(WRITES):
            began = start + timedelta(minutes=17 * n)
            started = time.perf_counter()
            record_time(clients[n % len(clients)], began, began + timedelta(minutes=9))
            db.session.commit()
            took.append(time.perf_counter() - started)
    return took


def main() -> None:
    recreate_postgres(APP, OWNER)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": ""}
    )
    with app.app_context():
        upgrade()
        agency = lifecycle.create(name="Bench", slug="bench", timezone="UTC")
        db.session.commit()
        with use_agency(agency.id):
            clients = [client_on_contract(f"Client {n}") for n in range(CLIENTS)]
            db.session.commit()
        kept, bare = [], []
        start = datetime(2026, 1, 1, tzinfo=UTC)
        _writes(agency.id, clients, start - timedelta(days=60))  # warm
        for turn in range(TURNS):  # in turns, so both see the machine as it is
            for on, times in ((True, kept), (False, bare)):
                _triggers(on)
                times += _writes(agency.id, clients, start + timedelta(days=30 * (2 * turn + on)))
        _triggers(True)
    with_days, without = statistics.median(kept) * 1e6, statistics.median(bare) * 1e6
    print(f"{len(kept)} writes each: median {with_days:.0f} µs with the days kept, "
          f"{without:.0f} µs with the triggers off")  # fmt: skip
    print(load_line())
    print(
        f"entry_days: ratio={with_days / without:.2f} (a time entry written and committed, "
        f"with the days kept vs without: {with_days:.0f} vs {without:.0f} µs)"
    )


if __name__ == "__main__":
    main()
