"""Retries with back-off for what may pass, failing fast for what cannot, and an agency's
failed jobs in the console and the API (retry, discard; never another agency's)."""

import smtplib
import socket

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import exc as sql
from sqlalchemy import select

from agency.domains.notify.models import EmailStatus, OutboundEmail
from agency.domains.notify.services import queue_email
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel.database import db
from agency.kernel.queue import enqueue
from agency.kernel.retries import Gone, is_transient
from tenants import use_agency
from tests.conftest import MISSING_ITEM, PASSWORD, csrf_from, fail_a_job, post_form
from tests.servers import unreachable_redis

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _email(agency, address: str) -> int:
    with use_agency(agency.agency.id):
        email = queue_email(address, "Minutes", "The minutes of today.", purpose="test")
        db.session.commit()
        return email.id


def _stored_email(agency, email_id: int) -> OutboundEmail:
    db.session.expire_all()
    with use_agency(agency.agency.id):
        return db.session.get(OutboundEmail, email_id)


def _failed_ids(app, queue: str) -> list[str]:
    return FailedJobRegistry(queue, connection=app.extensions["redis"]).get_job_ids()


# --- which failures are retried ------------------------------------------------------


@pytest.mark.parametrize(
    "error, transient",
    [
        (sql.OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (sql.TimeoutError("QueuePool limit reached"), True),
        (RedisConnectionError("Connection refused"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (smtplib.SMTPRecipientsRefused({"a@x.example": (451, b"try later")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(452, b"insufficient storage"), True),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (AbandonedJobError(), True),
        (sql.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (Gone("work item 12 no longer exists"), False),
        (ValueError("a bug"), False),
    ],
)
def test_transient_errors_are_told_from_permanent_ones(error, transient):
    assert is_transient(error) is transient


def test_a_cause_raised_from_a_transient_error_counts_as_transient():
    try:
        try:
            raise RedisConnectionError("Connection reset by peer")
        except RedisConnectionError as exc:
            raise RuntimeError("could not save") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


def test_a_temporary_smtp_refusal_is_retried_with_growing_intervals(app, agency, mail, drain):
    mail.refuse("busy@alpha.example", "451 4.3.0 Mailbox busy, try later")
    email_id = _email(agency, "busy@alpha.example")
    drain()
    # The first retry runs at once, in the same drain; the next waits 30 seconds.
    (job_id,) = ScheduledJobRegistry("mail", connection=app.extensions["redis"]).get_job_ids()
    job = Job.fetch(job_id, connection=app.extensions["redis"])
    assert job.meta["attempts"] == 2 and job.retries_left == 3
    assert job.get_status() == "scheduled"
    assert _failed_ids(app, "mail") == []
    email = _stored_email(agency, email_id)
    assert (email.status, email.attempts) == (EmailStatus.queued, 2)
    assert "try later" in email.last_error


def test_a_refused_smtp_connection_is_retried(app, agency, mail, drain):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{closed.getsockname()[1]}"
        email_id = _email(agency, "later@alpha.example")
        drain()
    assert len(ScheduledJobRegistry("mail", connection=app.extensions["redis"])) == 1
    assert _stored_email(agency, email_id).status == EmailStatus.queued


def test_a_permanent_smtp_refusal_fails_at_once(app, agency, mail, drain):
    mail.refuse("nobody@alpha.example", "550 5.1.1 No such user")
    email_id = _email(agency, "nobody@alpha.example")
    drain()
    (job_id,) = _failed_ids(app, "mail")
    assert Job.fetch(job_id, connection=app.extensions["redis"]).meta["attempts"] == 1
    assert len(ScheduledJobRegistry("mail", connection=app.extensions["redis"])) == 0
    email = _stored_email(agency, email_id)
    assert (email.status, email.attempts) == (EmailStatus.failed, 1)


def test_a_job_whose_record_is_gone_fails_without_retries(app, agency):
    job_id = fail_a_job(app, agency.agency.id)
    assert _failed_ids(app, "bulk") == [job_id]
    job = Job.fetch(job_id, connection=app.extensions["redis"])
    assert job.meta["attempts"] == 1
    assert "work item 2147483647 no longer exists" in job.latest_result().exc_string


def test_routing_an_item_twice_assigns_it_once(app, agency, drain):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()
        item, _new = create_item({"client_id": agency.client.id, "kind": "task", "title": "Once"})
        item_id = item.id
    drain()
    enqueue("workers.jobs.route_item", agency.agency.id, item_id, agency_id=agency.agency.id)
    drain()
    db.session.expire_all()
    with use_agency(agency.agency.id):
        actions = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item_id)
        ).all()
        assert actions.count("assigned") == 1
        assert db.session.get(WorkItem, item_id).assignee_id == agency.profile.id


# --- failed jobs in the console ------------------------------------------------------


def test_managers_see_their_failed_jobs_and_never_another_agencys(
    app, agency, other_agency, login_as
):
    mine = fail_a_job(app, agency.agency.id)
    theirs = fail_a_job(app, other_agency.agency.id)
    page = login_as(agency.manager).get("/console/failed-jobs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert mine in html and theirs not in html
    assert f"Route work item #{MISSING_ITEM}" in html
    assert "agency.kernel.retries.Gone: work item 2147483647 no longer exists" in html


def test_the_minute_ticks_jobs_fail_into_their_agencys_list(app, agency, other_agency):
    """Jobs the tick enqueues (with no tenant set) still name the agency they work for,
    so a schedules job that fails for good shows in that agency's console only."""
    from datetime import UTC, datetime

    from agency.domains.jobs.services import list_failed
    from agency.domains.schedules.tick import enqueue_agencies
    from agency.kernel.queue import get_queue

    enqueue_agencies(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))  # a quarter hour: billing too
    jobs = get_queue("default").jobs + get_queue("billing").jobs
    assert sorted((j.func_name, j.meta["agency_id"]) for j in jobs) == sorted(
        (name, agency_id)
        for name in ("workers.jobs.run_schedules", "workers.jobs.run_billing")
        for agency_id in (agency.agency.id, other_agency.agency.id)
    )
    mine = next(j for j in jobs if j.meta["agency_id"] == agency.agency.id)
    registry = FailedJobRegistry(mine.origin, connection=app.extensions["redis"])
    registry.add(mine, exc_string="Traceback: the schedules failed")
    with use_agency(agency.agency.id):
        assert [j.id for j in list_failed()] == [mine.id]
    with use_agency(other_agency.agency.id):
        assert list_failed() == []


def test_the_console_says_what_an_email_job_was_for(app, agency, mail, drain, login_as):
    mail.refuse("nobody@alpha.example", "550 5.1.1 No such user")
    _email(agency, "nobody@alpha.example")
    drain()
    html = login_as(agency.manager).get("/console/failed-jobs").get_data(as_text=True)
    assert "Deliver email to nobody@alpha.example" in html
    assert "550" in html


def test_a_retried_job_that_succeeds_leaves_the_list(app, agency, mail, drain, login_as):
    mail.refuse("fixed@alpha.example", "550 5.1.1 No such user")
    email_id = _email(agency, "fixed@alpha.example")
    drain()
    (job_id,) = _failed_ids(app, "mail")
    mail.refusals.clear()  # the mailbox now exists
    http = login_as(agency.manager)
    response = post_form(
        http, f"/console/failed-jobs/{job_id}/retry", {}, page="/console/failed-jobs"
    )
    assert response.status_code == 302
    assert "will run again" in http.get("/console/failed-jobs").get_data(as_text=True)
    drain()
    assert mail.wait_for("fixed@alpha.example")
    assert _stored_email(agency, email_id).status == EmailStatus.sent
    assert job_id not in http.get("/console/failed-jobs").get_data(as_text=True)
    assert _failed_ids(app, "mail") == []


def test_a_discarded_job_is_gone_for_good(app, agency, login_as):
    job_id = fail_a_job(app, agency.agency.id)
    http = login_as(agency.manager)
    response = post_form(
        http, f"/console/failed-jobs/{job_id}/discard", {}, page="/console/failed-jobs"
    )
    assert response.status_code == 302
    html = http.get("/console/failed-jobs").get_data(as_text=True)
    assert "is discarded" in html and "No failed jobs." in html
    assert _failed_ids(app, "bulk") == []
    assert not Job.exists(job_id, connection=app.extensions["redis"])


def test_retry_without_the_csrf_token_changes_nothing(app, agency, login_as):
    job_id = fail_a_job(app, agency.agency.id)
    response = login_as(agency.manager).post(f"/console/failed-jobs/{job_id}/retry")
    assert response.status_code == 400
    assert _failed_ids(app, "bulk") == [job_id]


def test_another_agencys_job_cannot_be_retried_from_the_console(
    app, agency, other_agency, login_as
):
    theirs = fail_a_job(app, other_agency.agency.id)
    http = login_as(agency.manager)
    token = csrf_from(http.get("/console/failed-jobs").get_data(as_text=True))
    for action in ("retry", "discard"):
        response = http.post(f"/console/failed-jobs/{theirs}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    assert _failed_ids(app, "bulk") == [theirs]


def test_secretaries_do_not_see_failed_jobs(app, agency, login_as):
    fail_a_job(app, agency.agency.id)
    assert login_as(agency.secretary).get("/console/failed-jobs").status_code in (302, 403)


# --- failed jobs over the API --------------------------------------------------------


@pytest.fixture
def call(client, agency):
    def request(method, url, user=None):
        token = client.post(
            "/api/v1/auth/token",
            json={"email": (user or agency.manager).email, "password": PASSWORD},
        ).json["token"]
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"})

    return request


def test_the_api_lists_retries_and_discards_failed_jobs(app, agency, other_agency, call):
    first = fail_a_job(app, agency.agency.id)
    second = fail_a_job(app, agency.agency.id)
    fail_a_job(app, other_agency.agency.id)
    listed = call("GET", "/api/v1/failed-jobs/")
    assert listed.status_code == 200
    assert {j["id"] for j in listed.json} == {first, second}
    job = next(j for j in listed.json if j["id"] == first)
    assert job["purpose"] == f"Route work item #{MISSING_ITEM}"
    assert job["attempts"] == 1 and job["queue"] == "bulk" and job["failed_at"]
    assert job["error"].endswith("work item 2147483647 no longer exists")

    retried = call("POST", f"/api/v1/failed-jobs/{first}/retry")
    assert retried.status_code == 200 and retried.json["status"] == "queued"
    discarded = call("DELETE", f"/api/v1/failed-jobs/{second}")
    assert discarded.status_code == 200 and discarded.json["status"] == "discarded"
    assert call("GET", "/api/v1/failed-jobs/").json == []
    assert call("DELETE", f"/api/v1/failed-jobs/{second}").status_code == 404


@pytest.mark.parametrize("job_id", ["no-such-job", "bad%20id", "x" * 300])
def test_an_unknown_failed_job_is_a_404(app, agency, call, job_id):
    assert call("POST", f"/api/v1/failed-jobs/{job_id}/retry").status_code == 404
    assert call("DELETE", f"/api/v1/failed-jobs/{job_id}").status_code == 404


def test_another_agencys_failed_job_is_a_404_over_the_api(app, agency, other_agency, call):
    theirs = fail_a_job(app, other_agency.agency.id)
    assert call("POST", f"/api/v1/failed-jobs/{theirs}/retry").json["error"]["code"] == (
        "not_found"
    )
    assert call("DELETE", f"/api/v1/failed-jobs/{theirs}").status_code == 404
    assert _failed_ids(app, "bulk") == [theirs]


def test_a_job_that_is_not_failed_is_a_404(app, agency, call):
    job = enqueue("workers.jobs.noop", queue="bulk", agency_id=agency.agency.id)
    assert call("POST", f"/api/v1/failed-jobs/{job.id}/retry").status_code == 404


def test_secretaries_cannot_use_the_failed_jobs_api(app, agency, call):
    assert call("GET", "/api/v1/failed-jobs/", user=agency.secretary).status_code == 403


def test_the_failed_jobs_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/failed-jobs/"]
    assert "post" in paths["/api/v1/failed-jobs/{job_id}/retry"]
    assert "delete" in paths["/api/v1/failed-jobs/{job_id}"]


def test_a_queue_that_is_away_gets_a_clear_503(app, agency, client, login_as):
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]
    http = login_as(agency.manager)
    redis = app.extensions["redis"]
    with unreachable_redis() as away:
        app.extensions["redis"] = away
        try:
            page = http.get("/console/failed-jobs")
            listed = client.get(
                "/api/v1/failed-jobs/", headers={"Authorization": f"Bearer {token}"}
            )
        finally:
            app.extensions["redis"] = redis
    assert page.status_code == 503
    assert "The queue cannot be reached" in page.get_data(as_text=True)
    assert listed.status_code == 503 and listed.json["error"]["code"] == "unavailable"


def test_every_agencys_job_says_what_it_was_for_in_words():
    """The failed-jobs page names a job by what it was for, never by its function."""
    import inspect

    from agency.domains.jobs.services import PURPOSES
    from workers import jobs

    agencys = [
        f"workers.jobs.{name}"
        for name, function in inspect.getmembers(jobs, inspect.isfunction)
        if function.__module__ == jobs.__name__
        and next(iter(inspect.signature(function).parameters), None) == "agency_id"
    ]
    assert len(agencys) >= 15
    assert [name for name in agencys if name not in PURPOSES] == []
