"""The invoice run for 1,000 and 5,000 clients with 200 time entries each, beside a bare
SQL aggregation of the same totals in the same run, and the run's peak memory per size.

    python bench/invoice_run.py   (PostgreSQL on 127.0.0.1, user postgres, trust auth)
    BENCH_TIMEZONE=Europe/Berlin python bench/invoice_run.py   (an agency whose month
        starts and ends off UTC midnight: the hours at its edges are read from the entries)

The last line is the figure: the product's run at 5,000 clients over the bare aggregation,
each the median of RUNS runs, the two taken in turns (every product run starts from the
same table: the previous run's invoices deleted and vacuumed away).
"""

import gc
import io
import os
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from agency.app import create_app  # noqa: E402
from agency.domains.billing import amounts, invoicing  # noqa: E402
from agency.kernel.database import db  # noqa: E402
from bench.common import load_line  # noqa: E402
from tenants import lifecycle, use_agency  # noqa: E402
from tests.database import recreate_postgres  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_billing"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_billing",
)
SIZES = (1000, int(os.environ.get("BENCH_CLIENTS", 5000)))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 200))
RUNS = int(os.environ.get("BENCH_RUNS", 5))
RUN_ON = date(2026, 11, 2)
ZONE = os.environ.get("BENCH_TIMEZONE", "UTC")
# October in the agency's zone; the entries are spread over it, from 1 October 00:00 UTC
# to the evening of the 31st.
OCTOBER = datetime(2026, 10, 1, tzinfo=ZoneInfo(ZONE))
NOVEMBER = datetime(2026, 11, 1, tzinfo=ZoneInfo(ZONE))
FIRST_ENTRY = datetime(2026, 10, 1, tzinfo=UTC)

BARE = """
SELECT c.client_id, c.included_minutes, c.hourly_rate_minor, c.overage_rate_minor,
       coalesce(t.minutes, 0) AS minutes
FROM contracts c
LEFT JOIN (
    SELECT client_id, sum(billable_minutes) AS minutes FROM time_entries
    WHERE agency_id = %(agency)s AND billable
      AND started_at >= %(start)s AND started_at < %(end)s
    GROUP BY client_id) t ON t.client_id = c.client_id
WHERE c.agency_id = %(agency)s AND c.status = 'active'
"""


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def seed(app, clients: int) -> int:
    """An agency with ``clients`` clients on active contracts and ENTRIES entries each."""
    with app.app_context():
        agency = lifecycle.create(name=f"Bench {clients}", slug=f"bench-{clients}", timezone=ZONE)
        db.session.commit()
        agency_id = agency.id
    with psycopg.connect(_pg(OWNER)) as conn:
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM clients").fetchone()[0]
        with conn.cursor().copy(
            "COPY clients (id, agency_id, name, timezone, languages, required_specialities,"
            " business_hours, unavailable_windows, created_at) FROM STDIN"
        ) as copy:
            for n in range(clients):
                copy.write_row(
                    (first + n, agency_id, f"Client {n}", "UTC", "[]", "[]", "{}", "[]", OCTOBER)
                )
        conn.execute("SELECT setval(pg_get_serial_sequence('clients', 'id'), max(id)) FROM clients")
        with conn.cursor().copy(
            "COPY contracts (agency_id, client_id, plan_name, included_minutes,"
            " hourly_rate_minor, overage_rate_minor, currency, rounding_minutes,"
            " minimum_minutes, approval_required, starts_on, billing_day, status, created_at)"
            " FROM STDIN"
        ) as copy:
            for n in range(clients):
                copy.write_row(
                    (
                        agency_id,
                        first + n,
                        "Bench plan",
                        600 + n % 7 * 60,
                        3000,
                        4100,
                        "EUR",
                        6,
                        0,
                        False,
                        date(2026, 1, 1),
                        1,
                        "active",
                        OCTOBER,
                    )
                )
        buffer = io.StringIO()
        for k in range(ENTRIES):  # as time passes: the entries of an hour lie together
            for n in range(clients):
                start = FIRST_ENTRY + timedelta(minutes=n % 60 + k * 223)
                minutes = 1 + (n + k) % 9
                billable = 6 * -(-minutes // 6)
                end = start + timedelta(minutes=minutes)
                buffer.write(
                    f"{agency_id}\t{first + n}\t{start.isoformat()}\t{end.isoformat()}\t"
                    f"{minutes}\t{billable}\t{'t' if k % 10 else 'f'}\ttimer\t{start.isoformat()}\n"
                )
        buffer.seek(0)
        with conn.cursor().copy(
            "COPY time_entries (agency_id, client_id, started_at, ended_at, raw_minutes,"
            " billable_minutes, billable, source, created_at) FROM STDIN"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        conn.execute("ANALYZE time_entries")
        conn.execute("ANALYZE time_entry_days")  # kept by the entries' triggers
        conn.execute("ANALYZE contracts")
    return agency_id


def bare(agency_id: int) -> tuple[float, int]:
    """The same totals straight from SQL, with the amounts worked out in the loop."""
    started = time.perf_counter()
    total = 0
    with psycopg.connect(_pg(APP)) as conn:
        conn.execute("SELECT set_config('app.agency_id', %s, false)", (str(agency_id),))
        rows = conn.execute(BARE, {"agency": agency_id, "start": OCTOBER, "end": NOVEMBER})
        for _client, included, rate, overage_rate, minutes in rows:
            over = max(minutes - included, 0)
            total += amounts.hours_amount(included, rate)
            total += amounts.hours_amount(over, overage_rate)
    return time.perf_counter() - started, total


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def product(app, agency_id: int, measure_memory: bool) -> tuple[float, int, int, int]:
    with app.app_context(), use_agency(agency_id):
        db.session.execute(text("DELETE FROM invoices"))
        db.session.commit()
        with psycopg.connect(_pg(OWNER), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE invoices")
            conn.execute("VACUUM ANALYZE invoice_lines")
        gc.collect()
        if measure_memory:
            tracemalloc.start()
        started = time.perf_counter()
        made = invoicing.run(on=RUN_ON)
        elapsed = time.perf_counter() - started
        peak = 0
        if measure_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        total = db.session.scalar(text("SELECT sum(subtotal_minor) FROM invoices"))
        again = invoicing.run(on=RUN_ON)
        assert again == [], "a second run made invoices"
        db.session.remove()
    return elapsed, len(made), int(total), peak


def main():
    recreate_postgres(APP, OWNER)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": ""}
    )
    with app.app_context():
        upgrade()
    figures = {}
    for clients in SIZES:
        started = time.perf_counter()
        agency_id = seed(app, clients)
        print(
            f"seeded {clients} clients x {ENTRIES} entries in {time.perf_counter() - started:.1f} s"
        )
        bares, runs = [], []
        for _ in range(RUNS):  # taken in turns, so both see the machine as it is
            bares.append(bare(agency_id))
            runs.append(product(app, agency_id, measure_memory=False))
        bare_seconds, bare_total = median([s for s, _t in bares]), bares[0][1]
        seconds = median([run[0] for run in runs])
        made, total = runs[0][1:3]
        _seconds, _made, _total, peak = product(app, agency_id, measure_memory=True)
        assert made == clients and total == bare_total, (made, total, bare_total)
        figures[clients] = (seconds, bare_seconds)
        print(
            f"clients={clients:5d}: run {seconds:6.2f} s, bare SQL {bare_seconds:6.2f} s "
            f"(medians of {RUNS}), "
            f"{made} invoices, subtotal {total} minor units (= bare), "
            f"peak Python memory {peak / 2**20:5.1f} MiB"
        )
    seconds, bare_seconds = figures[SIZES[-1]]
    print(load_line())
    print(
        f"invoice_run: ratio={seconds / bare_seconds:.2f} (product invoice run vs bare SQL "
        f"aggregation, seconds at {SIZES[-1]} clients x {ENTRIES} entries, {ZONE}: "
        f"{seconds:.2f} vs {bare_seconds:.2f})"
    )


if __name__ == "__main__":
    main()
