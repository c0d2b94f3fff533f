"""Items dispatched per second through the real path (``create_item`` → RQ → the routing
job → assigned) with 1 and 2 ``python -m workers`` processes, beside RQ no-op jobs drained
by the same worker processes on the same Redis in the same run.

    python bench/dispatch.py     (PostgreSQL and Redis on 127.0.0.1; trust auth)

It uses its own database (``secretariat_bench_dispatch``, recreated, dropped at the end)
and its own Redis db 14 (flushed before and after). Each figure is the median of 3
interleaved rounds of 1,000 items or jobs. The last line is the figure: the lower of
the two ratios (items assigned per second over no-op jobs per second), with 1 and with
2 workers.
"""

import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from rq import Worker  # noqa: E402
from rq.registry import FailedJobRegistry, FinishedJobRegistry  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from agency.app import create_app  # noqa: E402
from agency.domains.clients.models import Assignment, Client  # noqa: E402
from agency.domains.staff.models import Secretary  # noqa: E402
from agency.domains.work.creation import create_item  # noqa: E402
from agency.domains.work.models import WorkItem  # noqa: E402
from agency.kernel.database import db  # noqa: E402
from agency.kernel.queue import QUEUE_NAMES, enqueue  # noqa: E402
from bench.common import claim_redis, load_line, wait_for  # noqa: E402
from tenants import lifecycle, use_agency  # noqa: E402
from tests.database import recreate_postgres  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_dispatch"
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_dispatch",
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # its own
ITEMS = int(os.environ.get("BENCH_ITEMS", 1000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))  # the figures are medians of these
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", 120))  # seconds per run, at most
WORKERS = (1, 2)
PRODUCERS = 2  # processes creating items (or enqueueing no-ops), like 2 web workers
SECRETARIES = 8
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def make_app():
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS}
    )


def setup(app):
    with app.app_context():
        upgrade()
        agency = lifecycle.create(name="Bench", slug="bench")
        db.session.commit()
        with use_agency(agency.id):
            client = Client(name="Bench client", languages=["en"])
            db.session.add(client)
            desks = [
                Secretary(
                    name=f"Desk {n}",
                    email=f"d{n}@bench.example",
                    languages=[{"code": "en", "level": "C2"}],
                    shift_status="on_shift",
                    schedule=ALL_WEEK,
                    timezone="UTC",
                    capacity_items=ITEMS,
                )
                for n in range(SECRETARIES)
            ]
            db.session.add_all(desks)
            db.session.flush()
            db.session.add_all(
                Assignment(client_id=client.id, secretary_id=d.id, role="backup") for d in desks
            )
            db.session.commit()
            return agency.id, client.id


def empty(app, agency_id):
    app.extensions["redis"].flushdb()
    with app.app_context(), use_agency(agency_id):
        db.session.execute(text("DELETE FROM work_events"))
        db.session.execute(text("DELETE FROM work_items"))
        db.session.commit()


def start_workers(count):
    env = {
        **os.environ,
        "DATABASE_URL": APP,
        "REDIS_URL": REDIS,
        "SECRET_KEY": "bench-secret-key",
        "SECRETARIAT_ENV": "development",
    }
    return [
        subprocess.Popen(
            [sys.executable, "-m", "workers"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def stop_workers(workers):
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def produce(kind, first, count, agency_id, client_id, ready, go):
    """One producer process, like one web worker: its own app and connections."""
    app = make_app()
    with app.app_context(), use_agency(agency_id):
        ready.wait()
        go.wait()
        for n in range(first, first + count):
            if kind == "noop":
                enqueue("workers.jobs.noop")
            else:
                create_item({"client_id": client_id, "kind": "task", "title": f"Item {n}"})
                db.session.remove()
        db.session.remove()
        db.engine.dispose()


def run_producers(kind, agency_id, client_id):
    """Start the producers, let them go together; the time they were let go."""
    fork = multiprocessing.get_context("fork")
    ready, go = fork.Barrier(PRODUCERS + 1), fork.Event()
    share = ITEMS // PRODUCERS
    producers = [
        fork.Process(target=produce, args=(kind, n * share, share, agency_id, client_id, ready, go))
        for n in range(PRODUCERS)
    ]
    for producer in producers:
        producer.start()
    ready.wait()
    started = time.perf_counter()
    go.set()
    return started, producers


def run_noop(app, connection, agency_id, client_id):
    """No-op jobs, enqueued one call each by the producers, drained by the workers."""
    finished = FinishedJobRegistry("default", connection=connection)
    started, producers = run_producers("noop", agency_id, client_id)
    ended = wait_for(lambda: finished.count >= ITEMS, "the no-op jobs", TIMEOUT)
    for producer in producers:
        producer.join()
    return ITEMS / (ended - started), None


def run_dispatch(app, connection, agency_id, client_id):
    """Items created through the service by the producers; done when all are assigned."""
    started, producers = run_producers("dispatch", agency_id, client_id)
    with app.app_context(), use_agency(agency_id):

        def all_assigned():
            with use_agency(agency_id):
                done = db.session.scalar(
                    select(func.count(WorkItem.id)).where(WorkItem.status == "assigned")
                )
                db.session.remove()
                return done >= ITEMS

        ended = wait_for(all_assigned, "every item to be assigned", TIMEOUT)
        waits = sorted(
            (assigned - created).total_seconds() * 1000
            for created, assigned in db.session.execute(
                select(WorkItem.created_at, WorkItem.assigned_at)
            )
        )
        db.session.remove()
    for producer in producers:
        producer.join()
    return ITEMS / (ended - started), waits


def percentile(values, share):
    return values[min(len(values) - 1, int(share * len(values)))]


def measure(app, connection, agency_id, client_id, count, name):
    empty(app, agency_id)
    workers = start_workers(count)
    try:
        wait_for(
            lambda: Worker.count(connection=connection) >= count, "the workers to start", TIMEOUT
        )
        run = run_noop if name == "noop" else run_dispatch
        rate, waits = run(app, connection, agency_id, client_id)
    finally:
        stop_workers(workers)
    failed = sum(FailedJobRegistry(q, connection=connection).count for q in QUEUE_NAMES)
    assert failed == 0, f"{failed} jobs failed"
    line = f"{name:8s} workers={count}: {rate:7.0f} per s"
    if waits:
        line += (
            f", creation to assigned p50 {statistics.median(waits):6.1f} ms,"
            f" p99 {percentile(waits, 0.99):6.1f} ms"
        )
    print(line, flush=True)
    return rate


def drop_database():
    owner = make_url(OWNER)
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{owner.database}" WITH (FORCE)'))
    admin.dispose()


def main():
    recreate_postgres(APP, OWNER)
    connection = claim_redis(REDIS, "bench:dispatch")
    app = make_app()
    try:
        agency_id, client_id = setup(app)
        rates = {}
        for count in WORKERS:
            for _round in range(ROUNDS):  # interleaved, so drift in the machine's load evens out
                for name in ("noop", "dispatch"):
                    rate = measure(app, connection, agency_id, client_id, count, name)
                    rates.setdefault((name, count), []).append(rate)
        figures = {key: statistics.median(values) for key, values in rates.items()}
    finally:
        connection.flushdb()
        with app.app_context():
            db.engine.dispose()
        drop_database()
    print(load_line())
    ratios = {c: figures[("dispatch", c)] / figures[("noop", c)] for c in WORKERS}
    worst = min(ratios, key=ratios.get)
    details = "; ".join(
        f"{c} worker{'s' if c > 1 else ''}: {figures[('dispatch', c)]:.0f} vs "
        f"{figures[('noop', c)]:.0f} = {ratios[c]:.2f}"
        for c in WORKERS
    )
    print(
        f"dispatch: ratio={ratios[worst]:.2f} (items created and assigned per s through "
        f"create_item → RQ → routing vs RQ no-op jobs per s, same workers; {details})"
    )


if __name__ == "__main__":
    main()
