"""A worker killed mid-job loses nothing: its job runs again on another worker, once."""

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

from agency.extensions import db
from agency.staff.models import Secretary
from agency.work.models import WorkEvent, WorkItem
from agency.work.services import create_item
from tenants import use_agency

ROOT = Path(__file__).resolve().parent.parent
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

pytestmark = pytest.mark.postgres


def _wait_until(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


def _start_worker(app) -> subprocess.Popen:
    env = {
        **os.environ,
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


def test_a_worker_killed_mid_job_loses_nothing(app, agency, database_urls):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()
    _app_url, owner_url = database_urls
    started = StartedJobRegistry("default", connection=app.extensions["redis"])
    watcher = psycopg.connect(_libpq(owner_url), autocommit=True)
    holder = psycopg.connect(_libpq(owner_url))
    first = second = None
    try:
        with use_agency(agency.agency.id):
            item, _new = create_item(
                {"client_id": agency.client.id, "kind": "call", "title": "Call back"}
            )
            item_id = item.id
        # Hold the item's row: the routing job blocks on it, mid-way through its work.
        holder.execute("SELECT id FROM work_items WHERE id = %s FOR UPDATE", (item_id,))
        first = _start_worker(app)
        (job_id,) = _wait_until(lambda: started.get_job_ids(cleanup=False), "the job to start")
        _wait_until(lambda: _blocked_on_a_lock(watcher), "the job to block on the row")

        _stop(first, signal.SIGKILL)
        assert started.get_job_ids(cleanup=False) == [job_id], "the dead worker's job"
        holder.rollback()

        second = _start_worker(app)

        def assigned():
            db.session.expire_all()
            with use_agency(agency.agency.id):
                return db.session.get(WorkItem, item_id).status == "assigned"

        _wait_until(assigned, "a fresh worker to run the abandoned job again")
        _stop(second, signal.SIGTERM)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                _stop(worker, signal.SIGKILL)
        holder.close()
        watcher.close()

    job = Job.fetch(job_id, connection=app.extensions["redis"])
    assert job.get_status() == "finished" and job.meta["attempts"] == 2  # the same job, again
    db.session.expire_all()
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, item_id)
        assert (item.status, item.assignee_id) == ("assigned", agency.profile.id)
        actions = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item_id)
        ).all()
        assert actions.count("assigned") == 1
        assert db.session.scalar(select(func.count(WorkItem.id))) == 1
