"""The desk's page and its refresh as the agency grows, beside a bare primary-key read on
the same stack, in the same run.

    python bench/desk.py      (PostgreSQL on 127.0.0.1, user postgres, trust; Redis)

One secretary's desk stays the same: 450 items of her own (assigned, in progress,
waiting) and 2,000 in the pool of the four clients she serves, due over the coming days.
Around her the agency has 1,000, then 10,000, then 50,000 other open items (other
clients, 30 other secretaries, the pool), and 20,000 done ones. At each size, gunicorn
(2 workers, as in production) answers REQUESTS requests of each kind, one at a time:

- page: the whole desk (`/desk/`);
- refresh: the queue when something changed (`/desk/queue`, no tag);
- unchanged: the queue when nothing changed (`/desk/queue` with the tag it was given:
  304, no body);
- bare: a bare Flask endpoint reading one row by primary key, on the same server kind.

Statements per request are counted in this process, through the same app, with the
engine's own events. The last line: `desk: median=<page at 10k> p99=…, growth=<page
median at 50k over 1k>, ratio=<bare median over page median at 10k>`.
"""

import http.client
import os
import random
import signal
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    app_from,
    claim_redis,
    load_line,
    percentile,
    serve,
    session_cookie,
    vacuum,
)

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_desk"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_desk",
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
MARK = "bench:desk"
SECRET = "bench-secret"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 50))
SIZES = (1_000, 10_000, 50_000)
OWN, POOL, DONE = 450, 2_000, 20_000
PRODUCT_PORT, BARE_PORT = 8791, 8792
WARM = 20


def product_app():
    return app_from(
        {"DATABASE_URL": APP, "REDIS_URL": REDIS, "SECRET_KEY": SECRET, "LOG_JSON": "0",
         "SCHEDULES_ENABLED": "0"}
    )  # fmt: skip


def bare_app():
    """One primary-key read on the same database, as the app's role, nothing else."""
    from flask import Flask
    from sqlalchemy import create_engine, text

    app = Flask("bare")
    engine = create_engine(APP, pool_size=4)

    @app.get("/bare")
    def bare():
        with engine.connect() as connection:
            connection.execute(text("SELECT set_config('app.agency_id', '1', true)"))
            title = connection.execute(
                text("SELECT title FROM work_items WHERE id = :id"), {"id": 1}
            ).scalar()
        return f"<p>{title}</p>"

    return app


def _rows(agency_id, clients, secretaries, count, status_of, start, rng, now):
    from agency.domains.work.models import PRIORITY_ORDER

    priorities = ["urgent", "high", "normal", "normal", "normal", "low"]
    kinds = ["call", "email", "task", "letter", "website_update", "meeting"]
    rows = []
    for n in range(count):
        priority = rng.choice(priorities)
        status, assignee = status_of(n)
        rows.append(
            {
                "agency_id": agency_id,
                "client_id": clients[n % len(clients)],
                "kind": rng.choice(kinds),
                "title": f"Item {start + n}: call back about the lease",
                "priority": priority,
                "priority_rank": PRIORITY_ORDER[priority],
                "status": status,
                "assignee_id": assignee,
                "source": "console",
                "source_key": f"bench-{start + n}",
                "sla_due_at": now + timedelta(minutes=rng.randrange(30, 7 * 24 * 60)),
                "created_at": now - timedelta(minutes=rng.randrange(1, 3 * 24 * 60)),
                "closed_at": now if status == "done" else None,
            }
        )
    return rows


def setup():
    """The agency, her desk and the done items; returns what growing it needs."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from agency.app import create_app
    from agency.domains.accounts.models import Role, User
    from agency.domains.accounts.passwords import hash_password
    from agency.domains.clients.models import Assignment, Client
    from agency.domains.staff.models import Secretary
    from agency.domains.work.models import WorkItem
    from agency.kernel import clock
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    os.environ.update(SECRET_KEY=SECRET)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS,
         "SCHEDULES_ENABLED": False}
    )  # fmt: skip
    app.app_context().push()
    upgrade()
    agency = lifecycle.create(name="Bench", slug="bench")
    db.session.commit()
    agency_id = agency.id
    rng = random.Random(11)
    now = clock.now()
    hashed = hash_password("bench password")
    with use_agency(agency_id):
        users = db.session.scalars(
            insert(User).returning(User),
            [
                {"email": f"s{n}@bench.example", "name": f"Secretary {n}",
                 "role": Role.secretary, "password_hash": hashed, "agency_id": agency_id}
                for n in range(31)
            ],
        ).all()  # fmt: skip
        secretaries = db.session.scalars(
            insert(Secretary).returning(Secretary.id),
            [
                {"user_id": u.id, "name": u.name, "email": u.email, "shift_status": "on_shift",
                 "agency_id": agency_id}
                for u in users
            ],
        ).all()  # fmt: skip
        clients = db.session.scalars(
            insert(Client).returning(Client.id),
            [
                {"name": f"Client {n}", "email": f"c{n}@bench.example", "agency_id": agency_id}
                for n in range(124)
            ],
        ).all()
        mine, others = clients[:4], clients[4:]
        me, colleagues = secretaries[0], secretaries[1:]
        db.session.execute(
            insert(Assignment),
            [{"client_id": c, "secretary_id": me, "role": "primary", "agency_id": agency_id}
             for c in mine]
            + [{"client_id": c, "secretary_id": colleagues[n % len(colleagues)],
                "role": "primary", "agency_id": agency_id} for n, c in enumerate(others)],
        )  # fmt: skip
        own_statuses = ["assigned", "assigned", "in_progress", "waiting"]
        db.session.execute(
            insert(WorkItem),
            _rows(agency_id, mine, secretaries, OWN, lambda n: (own_statuses[n % 4], me), 0,
                  rng, now)
            + _rows(agency_id, mine, secretaries, POOL, lambda n: ("queued", None), OWN, rng,
                    now)
            + _rows(agency_id, others, secretaries, DONE,
                    lambda n: ("done", colleagues[n % len(colleagues)]), OWN + POOL, rng, now),
        )  # fmt: skip
        db.session.commit()
    cookie = session_cookie(app, users[0])
    grow = {"count": 0, "next": OWN + POOL + DONE}

    def grow_to(size: int) -> None:
        """Add other open items until the agency has ``size`` of them beside her desk's."""
        todo = size - grow["count"]
        with use_agency(agency_id):
            for start in range(0, todo, 5_000):
                batch = min(5_000, todo - start)

                def status_of(n):
                    if n % 3 == 0:
                        return "queued", None
                    return rng.choice(own_statuses), colleagues[n % len(colleagues)]

                db.session.execute(
                    insert(WorkItem),
                    _rows(agency_id, others, secretaries, batch, status_of, grow["next"], rng, now),
                )
                grow["next"] += batch
            db.session.commit()
        db.session.remove()
        grow["count"] = size
        vacuum(OWNER)

    return app, cookie, grow_to


def timed(port: int, path: str, headers: dict, expect: int) -> tuple[list[float], int]:
    """REQUESTS requests one after another on one keep-alive connection; (latencies,
    bytes of the last body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, size = [], 0
    for n in range(REQUESTS + WARM):
        began = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
        if response.status != expect:
            raise SystemExit(f"{path}: {response.status}, expected {expect}")
        if n >= WARM:  # the first warm both workers' pools, caches and templates
            latencies.append(elapsed)
        size = len(body)
    connection.close()
    return latencies, size


def statements(app, cookie: str, path: str, headers: dict) -> int:
    """How many statements one request sends, counted through the same app here."""
    from sqlalchemy import event

    from agency.kernel.database import db

    client = app.test_client()
    name, _, value = cookie.partition("=")
    client.set_cookie(name, value, domain="localhost")
    client.get(path, headers=headers)  # warm: the desk kept in Redis, plans
    db.session.remove()
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
    return len(seen)


def tag_of(port: int, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/desk/queue", headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag")


def main() -> None:
    claim_redis(REDIS, MARK)
    app, cookie, grow_to = setup()
    product = serve("bench.desk:product_app()", PRODUCT_PORT, workers=2, threads=8)
    bare = serve("bench.desk:bare_app()", BARE_PORT, workers=2, threads=8)
    results = {}
    try:
        for size in SIZES:
            grow_to(size)
            jar = {"Cookie": cookie}
            tag = tag_of(PRODUCT_PORT, cookie)
            unchanged_headers = {**jar, "If-None-Match": tag}
            row = {
                "page": timed(PRODUCT_PORT, "/desk/", jar, 200),
                "refresh": timed(PRODUCT_PORT, "/desk/queue", jar, 200),
                "unchanged": timed(PRODUCT_PORT, "/desk/queue", unchanged_headers, 304),
                "bare": timed(BARE_PORT, "/bare", {}, 200),
            }
            counts = {
                "page": statements(app, cookie, "/desk/", {}),
                "refresh": statements(app, cookie, "/desk/queue", {}),
                "unchanged": statements(app, cookie, "/desk/queue", {"If-None-Match": tag}),
                "bare": 2,
            }
            results[size] = row
            for kind, (latencies, size_bytes) in row.items():
                print(
                    f"{size:>6} open  {kind:9} median {statistics.median(latencies) * 1000:6.1f} "
                    f"ms  p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  "
                    f"{counts[kind]:2d} statements  {size_bytes:6d} bytes"
                )
    finally:
        for process in (product, bare):
            process.send_signal(signal.SIGTERM)
        for process in (product, bare):
            process.wait(timeout=60)
        app.extensions["redis"].flushdb()
    print(load_line())
    page = {size: statistics.median(row["page"][0]) for size, row in results.items()}
    at10 = results[10_000]
    median, p99 = page[10_000] * 1000, percentile(at10["page"][0], 0.99) * 1000
    bare_median = statistics.median(at10["bare"][0])
    print(
        f"desk: median={median:.1f} ms p99={p99:.1f} ms at 10k, "
        f"growth={page[50_000] / page[1_000]:.2f} from 1k to 50k, "
        f"ratio={bare_median / page[10_000]:.2f} (a bare primary-key read's median over the "
        f"desk page's, at 10k: {bare_median * 1000:.1f} vs {median:.1f} ms)"
    )


if __name__ == "__main__":
    main()
