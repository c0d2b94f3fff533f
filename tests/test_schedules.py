"""Recurring work: occurrences at local wall-clock times, one item per occurrence however
often or concurrently the tick runs, and the minute tick through RQ."""

import threading
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from agency.domains.schedules import recurrence, services
from agency.domains.schedules.models import RecurringRule
from agency.domains.schedules.tick import run_for_agency
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import get_queue
from tenants import Agency, AgencyStatus, use_agency

LISBON = "Europe/Lisbon"


def _rule(**fields):
    values = {
        "frequency": "daily",
        "time_of_day": "09:00",
        "weekdays": [],
        "day_of_month": None,
        "rrule": None,
        "timezone": LISBON,
        "starts_on": date(2026, 1, 1),
        "ends_on": None,
        **fields,
    }
    return SimpleNamespace(**values)


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _iso(moments) -> list[str]:
    return [m.strftime("%Y-%m-%d %H:%M") for m in moments]


# --- occurrences -----------------------------------------------------------------------


def test_a_daily_rule_occurs_every_day_at_its_local_time():
    rule = _rule(timezone="Asia/Jakarta", time_of_day="08:30")
    found = recurrence.between(rule, _utc(2026, 6, 1), _utc(2026, 6, 3, 23))
    assert _iso(found) == ["2026-06-01 01:30", "2026-06-02 01:30", "2026-06-03 01:30"]


def test_a_weekly_rule_occurs_on_its_weekdays_only():
    rule = _rule(frequency="weekly", weekdays=["mon", "thu"], timezone="UTC")
    found = recurrence.between(rule, _utc(2026, 6, 1), _utc(2026, 6, 14))
    assert _iso(found) == [
        "2026-06-01 09:00",
        "2026-06-04 09:00",
        "2026-06-08 09:00",
        "2026-06-11 09:00",
    ]


def test_a_monthly_rule_on_the_31st_falls_on_the_last_day_of_shorter_months():
    rule = _rule(frequency="monthly", day_of_month=31, timezone="UTC", time_of_day="17:00")
    found = recurrence.upcoming(rule, _utc(2026, 1, 15), 4)
    assert _iso(found) == [
        "2026-01-31 17:00",
        "2026-02-28 17:00",
        "2026-03-31 17:00",
        "2026-04-30 17:00",
    ]


def test_an_rrule_rule_follows_the_rfc_5545_rule():
    rule = _rule(frequency="rrule", rrule="RRULE:FREQ=MONTHLY;BYDAY=1MO;BYHOUR=10", timezone="UTC")
    found = recurrence.upcoming(rule, _utc(2026, 6, 1), 3)
    assert _iso(found) == ["2026-06-01 10:00", "2026-07-06 10:00", "2026-08-03 10:00"]


def test_a_rule_stops_after_its_end_date():
    rule = _rule(timezone="UTC", ends_on=date(2026, 6, 2))
    assert _iso(recurrence.upcoming(rule, _utc(2026, 6, 1), 5)) == [
        "2026-06-01 09:00",
        "2026-06-02 09:00",
    ]


@pytest.mark.parametrize(
    ("mondays", "utc_times"),
    [
        # Lisbon moves from WET (UTC+0) to WEST (UTC+1) on Sunday 29 March 2026 ...
        ((_utc(2026, 3, 22), _utc(2026, 4, 1)), ["2026-03-23 09:00", "2026-03-30 08:00"]),
        # ... and back on Sunday 25 October 2026.
        ((_utc(2026, 10, 18), _utc(2026, 10, 28)), ["2026-10-19 08:00", "2026-10-26 09:00"]),
    ],
)
def test_a_weekly_0900_lisbon_rule_stays_0900_local_across_the_dst_change(mondays, utc_times):
    rule = _rule(frequency="weekly", weekdays=["mon"])
    found = recurrence.between(rule, *mondays)
    assert _iso(found) == utc_times
    assert {m.astimezone(recurrence.ZoneInfo(LISBON)).strftime("%H:%M") for m in found} == {"09:00"}


# --- materialising -----------------------------------------------------------------------


@pytest.fixture
def tenant(agency):
    with use_agency(agency.agency.id):
        yield agency
    clock.freeze(None)


def _create(agency, **fields):
    data = {
        "client_id": agency.client.id,
        "title": "Update the website",
        "frequency": "daily",
        "timezone": LISBON,
    }
    return services.create_rule({**data, **fields}, agency.manager.id)


def _schedule_items():
    return db.session.scalars(
        select(WorkItem).where(WorkItem.source == "schedule").order_by(WorkItem.source_key)
    ).all()


def test_each_due_occurrence_makes_one_item_and_a_second_run_makes_none(tenant):
    clock.freeze(_utc(2026, 6, 1, 12))
    rule = _create(tenant, kind="website_update", priority="high")
    clock.freeze(_utc(2026, 6, 3, 12))
    assert services.materialise_due() == 2
    assert services.materialise_due() == 0
    items = _schedule_items()
    assert [i.source_key for i in items] == [
        f"rule:{rule.id}:2026-06-02T08:00:00Z",
        f"rule:{rule.id}:2026-06-03T08:00:00Z",
    ]
    assert {(i.kind, i.priority, i.title, i.client_id) for i in items} == {
        ("website_update", "high", "Update the website", tenant.client.id)
    }
    assert items[0].links == {
        "recurring_rule_id": rule.id,
        "occurrence": "2026-06-02T08:00:00+00:00",
    }


def test_a_weekly_lisbon_rule_makes_its_items_at_0900_local_on_both_sides_of_dst(tenant):
    clock.freeze(_utc(2026, 3, 20, 12))
    rule = _create(tenant, frequency="weekly", weekdays=["mon"], timezone=LISBON)
    for monday in (_utc(2026, 3, 23, 12), _utc(2026, 3, 30, 12)):
        clock.freeze(monday)
        assert run_for_agency(tenant.agency.id)["created"] == 1
    clock.freeze(_utc(2026, 10, 18, 12))
    services.update_rule(rule, {"starts_on": "2026-10-18"})
    for monday in (_utc(2026, 10, 19, 12), _utc(2026, 10, 26, 12)):
        clock.freeze(monday)
        assert run_for_agency(tenant.agency.id)["created"] == 1
    assert [i.source_key.split(":", 2)[2] for i in _schedule_items()] == [
        "2026-03-23T09:00:00Z",
        "2026-03-30T08:00:00Z",
        "2026-10-19T08:00:00Z",
        "2026-10-26T09:00:00Z",
    ]


def test_a_paused_rule_makes_nothing_and_resuming_does_not_make_up_the_pause(tenant):
    clock.freeze(_utc(2026, 6, 1, 12))
    rule = _create(tenant)
    services.set_active(rule, False)
    clock.freeze(_utc(2026, 6, 4, 12))
    assert services.materialise_due() == 0
    services.set_active(rule, True)
    assert services.materialise_due() == 0
    clock.freeze(_utc(2026, 6, 5, 12))
    assert services.materialise_due() == 1


def test_occurrences_before_the_rule_existed_or_older_than_a_week_are_not_made(tenant):
    clock.freeze(_utc(2026, 6, 1, 12))
    _create(tenant, starts_on="2026-05-01")  # starts in the past: no backfill
    assert services.materialise_due() == 0
    clock.freeze(_utc(2026, 6, 30, 12))  # the scheduler was away four weeks
    assert services.materialise_due() == 7
    assert _schedule_items()[0].source_key.endswith("2026-06-24T08:00:00Z")


def test_a_rule_of_an_archived_client_makes_nothing(tenant):
    from agency.domains.clients.models import Client
    from agency.kernel import records

    clock.freeze(_utc(2026, 6, 1, 12))
    _create(tenant)
    records.archive(db.session.get(Client, tenant.client.id))
    clock.freeze(_utc(2026, 6, 3, 12))
    assert services.materialise_due() == 0


@pytest.mark.postgres
def test_racing_materialisations_make_each_occurrence_exactly_once(app, agency):
    clock.freeze(_utc(2026, 6, 1, 12))
    try:
        with use_agency(agency.agency.id):
            rule_ids = [_create(agency, title=f"Rule {n}").id for n in range(3)]
        db.session.remove()
        clock.freeze(_utc(2026, 6, 5, 12))
        start = threading.Barrier(8)
        made, errors = [], []

        def worker():
            with app.app_context(), use_agency(agency.agency.id):
                try:
                    start.wait()
                    made.append(services.materialise_due())
                except Exception as exc:  # noqa: BLE001  (reported below)
                    errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert sum(made) == 12  # 3 rules x 4 days, whoever made them
        with use_agency(agency.agency.id):
            keys = db.session.scalars(
                select(WorkItem.source_key).where(WorkItem.source == "schedule")
            ).all()
            assert len(keys) == len(set(keys)) == 12
            assert {k.split(":")[1] for k in keys} == {str(i) for i in rule_ids}
            created = db.session.scalar(
                select(func.count(WorkEvent.id)).where(WorkEvent.action == "created")
            )
            assert created == 12
    finally:
        clock.freeze(None)


# --- the tick -------------------------------------------------------------------------------


def _suspend(agency_id):
    with use_agency(agency_id):
        db.session.get(Agency, agency_id).status = AgencyStatus.suspended
        db.session.commit()


def test_rq_cron_enqueues_the_tick_and_a_real_worker_makes_the_items(
    app, agency, other_agency, drain
):
    from workers import cron

    clock.freeze(_utc(2026, 6, 1, 12))
    try:
        with use_agency(agency.agency.id):
            _create(agency)
        with use_agency(other_agency.agency.id):
            _create(other_agency)
        _suspend(other_agency.agency.id)
        clock.freeze(_utc(2026, 6, 2, 12))
        scheduler = cron.build(app.extensions["redis"])
        assert [j.name for j in scheduler.enqueue_jobs()] == ["schedules-tick"]
        assert get_queue("default").count == 1
        drain()
        db.session.expire_all()
        with use_agency(agency.agency.id):
            items = _schedule_items()
            assert len(items) == 1 and items[0].status in ("queued", "assigned")
            routed = db.session.scalar(
                select(func.count(WorkEvent.id)).where(
                    WorkEvent.item_id == items[0].id,
                    WorkEvent.action.in_(["assigned", "unroutable"]),
                )
            )
            assert routed == 1
        with use_agency(other_agency.agency.id):
            assert _schedule_items() == []  # suspended: no tick for it

        get_queue("default").enqueue("workers.jobs.tick")  # a second scheduler, same minute
        drain()
        assert get_queue("default").count == 0
        with use_agency(agency.agency.id):
            assert len(_schedule_items()) == 1
    finally:
        clock.freeze(None)


def test_the_tick_enqueues_one_job_per_active_agency_once_a_minute(app, agency, other_agency):
    from workers import jobs

    clock.freeze(_utc(2026, 6, 1, 12, 0, 5))
    try:
        _suspend(other_agency.agency.id)
        assert jobs.tick() == [agency.agency.id]
        clock.freeze(_utc(2026, 6, 1, 12, 0, 50))
        assert jobs.tick() == []
        clock.freeze(_utc(2026, 6, 1, 12, 1, 0))
        assert jobs.tick() == [agency.agency.id]
        queued = get_queue("default").get_jobs()
        assert [(j.func_name, j.args) for j in queued] == [
            ("workers.jobs.run_schedules", (agency.agency.id,)),
            ("workers.jobs.run_schedules", (agency.agency.id,)),
        ]
    finally:
        clock.freeze(None)


def test_flask_schedules_tick_runs_one_tick_by_hand_and_twice_makes_nothing_more(
    app, agency, other_agency
):
    clock.freeze(_utc(2026, 6, 1, 12))
    try:
        with use_agency(agency.agency.id):
            _create(agency)
        clock.freeze(_utc(2026, 6, 2, 12))
        runner = app.test_cli_runner()
        first = runner.invoke(args=["schedules", "tick"])
        assert first.exit_code == 0, first.output
        assert "alpha: 1 recurring items" in first.output
        assert "bravo: 0 recurring items" in first.output
        second = runner.invoke(args=["schedules", "tick"])
        assert "alpha: 0 recurring items" in second.output
        with use_agency(agency.agency.id):
            assert len(_schedule_items()) == 1
        with use_agency(other_agency.agency.id):
            assert _schedule_items() == []
    finally:
        clock.freeze(None)


@pytest.mark.sqlite
def test_the_embedded_worker_ticks_without_redis(database_urls, agency, tmp_path):
    """With no REDIS_URL, the web process's own cron thread enqueues the tick."""
    import time

    from agency.app import create_app
    from workers.worker import start_embedded, stop_embedded

    clock.freeze(_utc(2026, 6, 1, 12))
    with use_agency(agency.agency.id):
        _create(agency)
    clock.freeze(_utc(2026, 6, 2, 12))
    app_url, _owner = database_urls
    embedded = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "REDIS_URL": "",
            "SECRET_KEY": "test-secret-key",
            "OUTBOX_DIR": str(tmp_path),
            "SCHEDULES_ENABLED": True,
        }
    )
    try:
        with embedded.app_context():
            start_embedded(embedded)
            deadline = time.monotonic() + 20
            keys = []
            while time.monotonic() < deadline and not keys:
                db.session.expire_all()
                with use_agency(agency.agency.id):
                    keys = [i.source_key for i in _schedule_items()]
                db.session.rollback()
                time.sleep(0.1)
            assert len(keys) == 1
    finally:
        # No job may still be running when the tables are emptied after the test.
        stop_embedded(embedded)
        with embedded.app_context():
            db.session.remove()
            db.engine.dispose()
        clock.freeze(None)


def test_a_rule_created_now_shows_its_next_five_occurrences(tenant):
    clock.freeze(_utc(2026, 6, 1, 12))
    rule = _create(tenant, frequency="weekly", weekdays=["fri", "mon"], timezone=None)
    assert rule.weekdays == ["mon", "fri"]
    assert db.session.get(RecurringRule, rule.id).timezone == "UTC"  # the client's zone
    assert _iso(rule.next_occurrences) == [
        "2026-06-05 09:00",
        "2026-06-08 09:00",
        "2026-06-12 09:00",
        "2026-06-15 09:00",
        "2026-06-19 09:00",
    ]


def test_changing_the_schedule_applies_from_now_on(tenant):
    clock.freeze(_utc(2026, 6, 1, 12))
    rule = _create(tenant)
    clock.freeze(_utc(2026, 6, 3, 12))
    services.update_rule(rule, {"time_of_day": "10:00"})
    assert services.materialise_due() == 0
    clock.freeze(_utc(2026, 6, 4, 12))
    assert services.materialise_due() == 1
    assert _schedule_items()[0].source_key.endswith("2026-06-04T09:00:00Z")
