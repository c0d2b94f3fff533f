"""Claims per second from 1, 4 and 16 concurrent desks on PostgreSQL, beside a bare SQL
`FOR UPDATE SKIP LOCKED` loop over the same table in the same run; zero double claims.

    python bench/claim.py        (PostgreSQL on 127.0.0.1, user postgres, trust auth)

The last line is the figure: the product's claim rate at 16 desks over the bare loop's,
each the median of ROUNDS rounds (bare and product alternate within a round).
"""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from agency.app import create_app  # noqa: E402
from agency.domains.clients.models import Assignment, Client  # noqa: E402
from agency.domains.staff.models import Secretary  # noqa: E402
from agency.domains.work import claims  # noqa: E402
from agency.domains.work.models import WorkItem  # noqa: E402
from agency.kernel import clock  # noqa: E402
from agency.kernel.database import db  # noqa: E402
from bench.common import claim_redis, load_line  # noqa: E402
from tenants import lifecycle, use_agency  # noqa: E402
from tests.database import recreate_postgres  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench"
)
APP = os.environ.get(
    "BENCH_APP_URL", "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench"
)
# Its own Redis database: each claim tells the live desks, as in production.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
ITEMS = int(os.environ.get("BENCH_ITEMS", 2000))
DESKS = (1, 4, 16)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))

BARE_CLAIM = """
UPDATE work_items SET status = 'in_progress', assignee_id = %(desk)s
WHERE id = (
    SELECT id FROM work_items
    WHERE agency_id = %(agency)s AND status = 'queued' AND assignee_id IS NULL
    ORDER BY priority_rank, sla_due_at, created_at, id
    FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id
"""


def setup(app):
    with app.app_context():
        upgrade()
        agency = lifecycle.create(name="Bench", slug="bench")
        db.session.commit()
        with use_agency(agency.id):
            client = Client(name="Bench client")
            db.session.add(client)
            db.session.flush()
            desks = [Secretary(name=f"Desk {n}", email=f"d{n}@bench.example") for n in range(16)]
            db.session.add_all(desks)
            db.session.flush()
            db.session.add_all(
                Assignment(client_id=client.id, secretary_id=d.id, role="backup") for d in desks
            )
            db.session.commit()
            return agency.id, client.id, [d.id for d in desks]


def refill(app, agency_id, client_id):
    with app.app_context(), use_agency(agency_id):
        db.session.execute(text("DELETE FROM work_events"))
        db.session.execute(text("DELETE FROM work_items"))
        db.session.commit()
        # Every run starts from the same table: without this, each run's dead index
        # entries slow the runs after it, whichever side they are.
        owner = OWNER.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE work_items")
            conn.execute("VACUUM ANALYZE work_events")
        db.session.execute(
            WorkItem.__table__.insert(),
            [
                {
                    "agency_id": agency_id,
                    "client_id": client_id,
                    "kind": "task",
                    "title": f"Item {n}",
                    "priority": "normal",
                    "priority_rank": n % 4,
                    "status": "queued",
                    "source": "api",
                    "links": {},
                    "created_at": clock.now(),
                }
                for n in range(ITEMS)
            ],
        )
        db.session.commit()


def run_threads(count, target):
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def product(app, agency_id, desk_ids, count):
    claimed = []

    def desk(n):
        with app.app_context(), use_agency(agency_id):
            me = db.session.get(Secretary, desk_ids[n])
            while (item_id := claims.claim_next(me)) is not None:
                claimed.append(item_id)
            db.session.remove()

    elapsed = run_threads(count, desk)
    return claimed, elapsed


def bare(agency_id, desk_ids, count):
    claimed = []
    url = APP.replace("postgresql+psycopg://", "postgresql://")

    def desk(n):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT set_config('app.agency_id', %s, false)", (str(agency_id),))
            while row := conn.execute(
                BARE_CLAIM, {"desk": desk_ids[n], "agency": agency_id}
            ).fetchone():
                claimed.append(row[0])

    elapsed = run_threads(count, desk)
    return claimed, elapsed


def main():
    claim_redis(REDIS, "bench:claim")
    recreate_postgres(APP, OWNER)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": APP,
            "DATABASE_MIGRATE_URL": OWNER,
            "REDIS_URL": REDIS,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20},
        }
    )
    agency_id, client_id, desk_ids = setup(app)
    figures = {}
    for count in DESKS:
        rates = {"bare": [], "product": []}
        for _round in range(ROUNDS):  # alternating, so that drift touches both sides
            for name, run in (
                ("bare", lambda c=count: bare(agency_id, desk_ids, c)),
                ("product", lambda c=count: product(app, agency_id, desk_ids, c)),
            ):
                refill(app, agency_id, client_id)
                claimed, elapsed = run()
                doubles = len(claimed) - len(set(claimed))
                assert len(set(claimed)) == ITEMS and doubles == 0, (name, count, doubles)
                rates[name].append(ITEMS / elapsed)
        for name, measured in rates.items():
            figures[(name, count)] = sorted(measured)[len(measured) // 2]
            print(
                f"{name:8s} desks={count:2d}: {figures[(name, count)]:8.0f} claims/s "
                f"(median of {ROUNDS}: {', '.join(f'{r:.0f}' for r in measured)}), "
                f"{ITEMS} claimed each time, 0 double"
            )
    print(load_line())
    ratio = figures[("product", 16)] / figures[("bare", 16)]
    print(
        f"claim: ratio={ratio:.2f} (product claim_next vs bare SQL SKIP LOCKED loop, "
        f"claims/s at 16 desks: {figures[('product', 16)]:.0f} vs {figures[('bare', 16)]:.0f})"
    )


if __name__ == "__main__":
    main()
