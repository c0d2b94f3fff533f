"""The queue: jobs after commit, a real `python -m workers` process, the embedded worker."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from agency.domains.calls.messages import take_message
from agency.domains.calls.models import Message
from agency.domains.notify.models import EmailStatus, OutboundEmail
from agency.domains.notify.services import deliver, queue_email
from agency.domains.schedules.tick import run_for_agency
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import QUEUE_NAMES, get_queue
from tenants import use_agency
from tests.servers import unreachable_redis
from workers.worker import COMMAND_READ_SECONDS, AgencyWorker

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parent.parent


def _waiting(app) -> int:
    return sum(get_queue(name).count for name in QUEUE_NAMES)


def test_a_job_is_enqueued_only_after_its_row_commits(app, agency):
    with use_agency(agency.agency.id):
        queue_email("x@alpha.example", "Hello", "Body", purpose="test")
        assert _waiting(app) == 0
        db.session.commit()
    assert get_queue("mail").count == 1


def test_a_rolled_back_email_enqueues_nothing(app, agency):
    with use_agency(agency.agency.id):
        queue_email("x@alpha.example", "Hello", "Body", purpose="test")
        db.session.rollback()
        db.session.commit()
    assert _waiting(app) == 0


def test_delivering_twice_sends_once(app, agency, mail):
    with use_agency(agency.agency.id):
        email = queue_email("twice@alpha.example", "Once", "Only once", purpose="test")
        db.session.commit()
        assert deliver(email.id) is True
        assert deliver(email.id) is False
    mail.wait_for("twice@alpha.example")
    assert len(mail.to("twice@alpha.example")) == 1


def test_a_real_worker_process_delivers_the_email(app, agency, mail):
    with use_agency(agency.agency.id):
        email = queue_email("worker@alpha.example", "From the worker", "Hi", purpose="test")
        db.session.commit()
        email_id = email.id
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SMTP_URL": app.config["SMTP_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "workers", "--burst", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert mail.wait_for("worker@alpha.example")["Subject"] == "From the worker"
    db.session.expire_all()
    with use_agency(agency.agency.id):
        assert db.session.get(OutboundEmail, email_id).status == EmailStatus.sent


def test_the_embedded_worker_runs_jobs_in_the_web_process(database_urls, smtp_server, agency):
    """With no REDIS_URL the app queues on an in-process Redis served by a thread."""
    from agency.app import create_app
    from workers.worker import start_embedded, stop_embedded

    app_url, owner_url = database_urls
    controller, box = smtp_server
    box.clear()
    embedded = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "REDIS_URL": "",
            "SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "SECRET_KEY": "test-secret-key",
            "SCHEDULES_ENABLED": False,
        }
    )
    try:
        with embedded.app_context():
            thread = start_embedded(embedded)
            with use_agency(agency.agency.id):
                queue_email("embedded@alpha.example", "Embedded", "Hi", purpose="test")
                db.session.commit()
            box.wait_for("embedded@alpha.example", timeout=10)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                db.session.expire_all()
                with use_agency(agency.agency.id):
                    status = db.session.scalar(select(OutboundEmail.status))
                if status == EmailStatus.sent:
                    break
                time.sleep(0.05)
            assert status == EmailStatus.sent
        stop_embedded(embedded)
        assert not thread.is_alive()  # stopped, not left running into the interpreter's exit
    finally:
        stop_embedded(embedded)
        with embedded.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_job_in_this_process_gives_back_the_tests_time_limit(app, agency, drain):
    """The per-test time limit is an alarm (SIGALRM); a job's own limit puts it back."""
    handler = signal.getsignal(signal.SIGALRM)
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    assert left > 0, "the per-test time limit is armed"
    with use_agency(agency.agency.id):
        queue_email("alarm@alpha.example", "Hello", "Body", purpose="test")
        db.session.commit()
    assert drain() == 1
    assert signal.getsignal(signal.SIGALRM) is handler
    assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= left


def test_a_stopping_worker_does_not_wait_out_its_command_channels_read(app):
    """rq's reader of the worker's command channel blocks a minute per read; stopping
    wakes it instead."""
    worker = AgencyWorker(["default"], connection=app.extensions["redis"], app=app)
    worker.subscribe()
    reader = worker.pubsub_thread
    began = time.monotonic()
    worker.unsubscribe()
    assert not reader.is_alive()
    assert time.monotonic() - began < COMMAND_READ_SECONDS + 4


def test_jobs_lost_while_redis_was_away_are_queued_again_once_after_a_grace(
    app, agency, drain, mail
):
    """An email and an urgent message made while Redis is away: their jobs are never
    queued, so the minute tick queues them once their grace period is over, and once."""
    made = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    clock.freeze(made)
    redis = app.extensions["redis"]
    with unreachable_redis() as away:
        app.extensions["redis"] = away
        try:
            with use_agency(agency.agency.id):
                queue_email("lost@alpha.example", "Lost", "Sent at last", purpose="test")
                db.session.commit()
                take_message(
                    {"client_id": agency.client.id, "reason": "Flood!", "urgency": "urgent"}
                )
        finally:
            app.extensions["redis"] = redis
    assert _waiting(app) == 0

    clock.freeze(made + timedelta(minutes=5))  # within the grace: a late job may still come
    run_for_agency(agency.agency.id)
    assert get_queue("mail").count == 0
    clock.freeze(made + timedelta(minutes=11))
    run_for_agency(agency.agency.id)
    run_for_agency(agency.agency.id)  # the next tick queues nothing again
    jobs = [job.func_name for name in QUEUE_NAMES for job in get_queue(name).jobs]
    assert jobs.count("workers.jobs.deliver_email") == 1
    assert jobs.count("workers.jobs.notify_message") == 1

    drain()
    assert mail.wait_for("lost@alpha.example")["Subject"] == "Lost"
    db.session.expire_all()
    with use_agency(agency.agency.id):
        lost = db.session.scalar(select(OutboundEmail).where(OutboundEmail.subject == "Lost"))
        assert lost.status == EmailStatus.sent
        assert db.session.scalar(select(Message)).notified_at is not None
