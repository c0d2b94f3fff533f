"""A worker killed mid-job loses nothing: its job runs again on another worker, once;
and a live worker's long job is never taken for abandoned."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel.database import db
from tenants import use_agency

ROOT = Path(__file__).resolve().parent.parent
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

pytestmark = [pytest.mark.postgres, pytest.mark.alone]


def _wait_until(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


def _start_worker(app, extra: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **(extra or {}),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    # Its own process group: the worker and its scheduler die together, as in a lost pod.
    return subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig: int) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _blocked_on_a_lock(conn) -> bool:
    return (
        conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        > 0
    )


def _on_shift(agency):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()


def _assigned_once(agency, item_id):
    db.session.expire_all()
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, item_id)
        assert (item.status, item.assignee_id) == ("assigned", agency.profile.id)
        actions = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item_id)
        ).all()
        assert actions.count("assigned") == 1
        assert db.session.scalar(select(func.count(WorkItem.id))) == 1


def _is_assigned(agency, item_id):
    def check():
        db.session.expire_all()
        with use_agency(agency.agency.id):
            return db.session.get(WorkItem, item_id).status == "assigned"

    return check


def _new_item(agency) -> int:
    with use_agency(agency.agency.id):
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "call", "title": "Call back"}
        )
        return item.id


def test_a_worker_killed_mid_job_loses_nothing(app, agency, database_urls):
    _on_shift(agency)
    _app_url, owner_url = database_urls
    started = StartedJobRegistry("default", connection=app.extensions["redis"])
    watcher = psycopg.connect(_libpq(owner_url), autocommit=True)
    holder = psycopg.connect(_libpq(owner_url))
    first = second = None
    try:
        item_id = _new_item(agency)
        # Hold the item's row: the routing job blocks on it, mid-way through its work.
        holder.execute("SELECT id FROM work_items WHERE id = %s FOR UPDATE", (item_id,))
        first = _start_worker(app)
        (job_id,) = _wait_until(lambda: started.get_job_ids(cleanup=False), "the job to start")
        _wait_until(lambda: _blocked_on_a_lock(watcher), "the job to block on the row")

        _stop(first, signal.SIGKILL)
        assert started.get_job_ids(cleanup=False) == [job_id], "the dead worker's job"
        holder.rollback()

        second = _start_worker(app)
        _wait_until(_is_assigned(agency, item_id), "a fresh worker to run the job again")
        _stop(second, signal.SIGTERM)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                _stop(worker, signal.SIGKILL)
        holder.close()
        watcher.close()

    job = Job.fetch(job_id, connection=app.extensions["redis"])
    assert job.get_status() == "finished" and job.meta["attempts"] == 2  # the same job, again
    _assigned_once(agency, item_id)


def test_a_live_workers_long_job_is_not_taken_for_abandoned(app, agency, database_urls):
    """The heartbeat renews the job's deadline, so a clean-up after the first deadline
    (three beats) leaves the job alone; it runs once, when the row is free."""
    _on_shift(agency)
    _app_url, owner_url = database_urls
    connection = app.extensions["redis"]
    started = StartedJobRegistry("default", connection=connection)
    watcher = psycopg.connect(_libpq(owner_url), autocommit=True)
    holder = psycopg.connect(_libpq(owner_url))
    worker = None
    try:
        item_id = _new_item(agency)
        holder.execute("SELECT id FROM work_items WHERE id = %s FOR UPDATE", (item_id,))
        worker = _start_worker(app)
        (job_id,) = _wait_until(lambda: started.get_job_ids(cleanup=False), "the job to start")
        _wait_until(lambda: _blocked_on_a_lock(watcher), "the job to block on the row")
        (entry, first_deadline) = connection.zrange(started.key, 0, 0, withscores=True)[0]
        _wait_until(lambda: time.time() > first_deadline + 1, "the first deadline to pass")

        started.cleanup()  # what any worker's maintenance does
        assert started.get_job_ids(cleanup=False) == [job_id]
        assert connection.zscore(started.key, entry) > first_deadline  # renewed
        assert Job.fetch(job_id, connection=connection).get_status() == "started"

        holder.rollback()
        _wait_until(_is_assigned(agency, item_id), "the job to finish")
        _stop(worker, signal.SIGTERM)
    finally:
        if worker is not None and worker.poll() is None:
            _stop(worker, signal.SIGKILL)
        holder.close()
        watcher.close()
    assert Job.fetch(job_id, connection=connection).meta["attempts"] == 1
    _assigned_once(agency, item_id)


def test_three_workers_at_once_tick_once_and_route_each_item_once_though_one_dies(
    app, agency, other_agency
):
    """Three `python -m workers` at once, each with its minute tick: the agencies get one
    schedules job each; thirty items are each routed once, though one worker is killed
    while they are being routed."""
    from rq import Worker
    from rq.registry import FinishedJobRegistry

    _on_shift(agency)
    with use_agency(agency.agency.id):
        db.session.get(Secretary, agency.profile.id).capacity_items = 100
        db.session.commit()
    redis = app.extensions["redis"]
    workers = [_start_worker(app, {"SCHEDULES_ENABLED": "1"}) for _ in range(3)]
    try:
        _wait_until(lambda: Worker.count(connection=redis) >= 3, "three workers to start")
        finished = FinishedJobRegistry("default", connection=redis)

        def finished_jobs():
            jobs = Job.fetch_many(finished.get_job_ids(), connection=redis)
            return [job for job in jobs if job is not None]

        def schedules_done():
            jobs = finished_jobs()
            claimed = [j for j in jobs if j.func_name == "workers.jobs.tick" and j.return_value()]
            runs = [j for j in jobs if j.func_name == "workers.jobs.run_schedules"]
            everyone = len([j for j in jobs if j.func_name == "workers.jobs.tick"]) >= 3
            return everyone and claimed and len(runs) >= 2 * len(claimed)

        _wait_until(schedules_done, "every worker's tick and the schedules jobs", 90)
        items = [_new_item(agency) for _ in range(30)]
        _stop(workers[0], signal.SIGKILL)

        def all_assigned():
            db.session.expire_all()
            with use_agency(agency.agency.id):
                statuses = db.session.scalars(
                    select(WorkItem.status).where(WorkItem.id.in_(items))
                ).all()
            return statuses.count("assigned") == len(items)

        _wait_until(all_assigned, "the living workers to route every item", 90)
        _wait_until(schedules_done, "the ticks' schedules jobs to run", 90)
    finally:
        for worker in workers:
            if worker.poll() is None:
                _stop(worker, signal.SIGKILL)
    with use_agency(agency.agency.id):
        assigned = db.session.scalars(
            select(WorkEvent.item_id).where(
                WorkEvent.item_id.in_(items), WorkEvent.action == "assigned"
            )
        ).all()
    assert sorted(assigned) == sorted(items)  # each once
    jobs = finished_jobs()
    ticks = [job for job in jobs if job.func_name == "workers.jobs.tick"]
    claimed = [job.return_value() for job in ticks if job.return_value()]
    assert len(ticks) >= 2  # every worker's cron ticked…
    agencies = sorted([agency.agency.id, other_agency.agency.id])
    assert [sorted(ids) for ids in claimed] == [agencies] * len(claimed)  # …one claimed a minute
    runs = [job.id for job in jobs if job.func_name == "workers.jobs.run_schedules"]
    minutes = {job_id.rsplit("-", 1)[1] for job_id in runs}
    assert len(minutes) == len(claimed)
    assert sorted(runs) == sorted(f"schedules-{a}-{m}" for a in agencies for m in minutes)
