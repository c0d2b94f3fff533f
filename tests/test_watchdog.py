"""The SLA watchdog: re-route and tell the team lead, then the managers, each once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.clients.models import Assignment, Client
from agency.domains.sla import report
from agency.domains.staff.models import Secretary
from agency.domains.work import claims, routing, watchdog
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkEvent, WorkItem
from agency.domains.work.services import move, reassign
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MONDAY_NOON = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
DUE = MONDAY_NOON + timedelta(minutes=240)  # a normal item's SLA


@pytest.fixture
def tenant(agency):
    clock.freeze(MONDAY_NOON)
    with use_agency(agency.agency.id):
        yield agency
    clock.freeze(None)


def _secretary(name, role=None, client=None, **extra):
    values = {"shift_status": "on_shift", "schedule": ALL_WEEK, "capacity_items": 5, **extra}
    secretary = Secretary(
        name=name,
        email=f"{name.lower()}@alpha.example",
        languages=[{"code": "en", "level": "C2"}],
        **values,
    )
    db.session.add(secretary)
    db.session.flush()
    if role:
        db.session.add(Assignment(client_id=client.id, secretary_id=secretary.id, role=role))
    db.session.commit()
    return secretary


@pytest.fixture
def desk(tenant):
    client = Client(name="Watched Client", languages=["en"])
    db.session.add(client)
    db.session.commit()
    lead = _secretary("Lea", shift_status="off")
    pia = _secretary("Pia", "primary", client, team_lead_id=lead.id)
    ben = _secretary("Ben", "backup", client)
    return client, lead, pia, ben


def _item(client, title="Call the supplier"):
    item, _new = create_item({"client_id": client.id, "kind": "call", "title": title})
    return routing.route(item.id)


def _escalations(item_id):
    return db.session.scalars(
        select(WorkEvent)
        .where(WorkEvent.item_id == item_id, WorkEvent.action == "sla_escalated")
        .order_by(WorkEvent.id)
    ).all()


def test_an_item_not_started_by_its_sla_goes_to_someone_else_and_the_lead_is_told(
    desk, drain, mail
):
    client, lead, pia, ben = desk
    item = _item(client)
    assert item.assignee_id == pia.id and item.sla_due_at == DUE
    clock.freeze(DUE)
    assert watchdog.watch() == {"rerouted": 0, "managers": 0}  # due now, not past
    clock.freeze(DUE + timedelta(minutes=1))
    assert watchdog.watch() == {"rerouted": 1, "managers": 0}
    assert watchdog.watch() == {"rerouted": 0, "managers": 0}
    drain()
    db.session.expire_all()
    item = db.session.get(WorkItem, item.id)
    assert (item.assignee_id, item.status, item.escalation_level) == (ben.id, "assigned", 1)
    [event] = _escalations(item.id)
    assert event.detail == {
        "level": 1,
        "from_secretary_id": pia.id,
        "to_secretary_id": ben.id,
        "lead_id": lead.id,
    }
    message = mail.wait_for("lea@alpha.example")
    assert "Call the supplier" in message["Subject"]
    assert len(mail.to("lea@alpha.example")) == 1
    assert mail.to("manager@alpha.example") == []


def test_still_not_started_a_grace_period_later_the_managers_are_told_once(desk, drain, mail):
    client, _lead, _pia, _ben = desk
    item = _item(client, "Book the flights")
    first = DUE + timedelta(minutes=1)
    clock.freeze(first)
    watchdog.watch()
    clock.freeze(first + timedelta(minutes=239))  # the SLA span is 240 minutes
    assert watchdog.watch() == {"rerouted": 0, "managers": 0}
    clock.freeze(first + timedelta(minutes=240))
    assert watchdog.watch() == {"rerouted": 0, "managers": 1}
    assert watchdog.watch() == {"rerouted": 0, "managers": 0}
    drain()
    for manager in ("owner@alpha.example", "manager@alpha.example"):
        assert "Book the flights" in mail.wait_for(manager)["Subject"]
        assert len(mail.to(manager)) == 1
    assert len(mail.to("lea@alpha.example")) == 1
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).escalation_level == 2
    assert [e.detail["level"] for e in _escalations(item.id)] == [1, 2]


def test_the_grace_period_is_at_least_five_minutes(desk):
    client, *_ = desk
    item, _new = create_item(
        {"client_id": client.id, "kind": "call", "title": "Urgent", "priority": "urgent"}
    )
    item.sla_due_at = item.created_at + timedelta(minutes=1)
    db.session.commit()
    assert watchdog.grace(item) == timedelta(minutes=5)


def test_a_started_item_is_never_escalated(desk):
    client, _lead, pia, _ben = desk
    item = _item(client)
    claims.claim(item.id, pia)
    clock.freeze(DUE + timedelta(days=1))
    assert watchdog.watch() == {"rerouted": 0, "managers": 0}
    assert _escalations(item.id) == []


def test_with_nobody_else_free_the_item_stays_and_the_lead_is_still_told(desk, drain, mail):
    client, lead, pia, ben = desk
    ben.shift_status = "off"
    db.session.commit()
    item = _item(client)
    clock.freeze(DUE + timedelta(minutes=1))
    assert watchdog.watch()["rerouted"] == 1
    drain()
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).assignee_id == pia.id
    assert _escalations(item.id)[0].detail["to_secretary_id"] is None
    assert f"Nobody else is free, so it stays with {pia.name}." in (
        mail.wait_for("lea@alpha.example").get_payload()
    )


def test_the_watchdog_of_one_agency_leaves_another_agencys_items_alone(app, agency, other_agency):
    from agency.domains.schedules.tick import run_for_agency

    clock.freeze(MONDAY_NOON)
    try:
        with use_agency(other_agency.agency.id):
            bravo_item, _new = create_item(
                {"client_id": other_agency.client.id, "kind": "task", "title": "Bravo task"}
            )
            bravo_id = bravo_item.id
        clock.freeze(MONDAY_NOON + timedelta(days=2))
        assert run_for_agency(agency.agency.id) == {"created": 0, "rerouted": 0, "managers": 0}
        db.session.expire_all()
        with use_agency(other_agency.agency.id):
            assert db.session.get(WorkItem, bravo_id).escalation_level == 0
        assert run_for_agency(other_agency.agency.id)["rerouted"] == 1
    finally:
        clock.freeze(None)


@pytest.mark.postgres
def test_two_watchdogs_at_once_escalate_each_item_once(app, agency):
    import threading

    clock.freeze(MONDAY_NOON)
    try:
        with use_agency(agency.agency.id):
            for n in range(20):
                create_item({"client_id": agency.client.id, "kind": "task", "title": f"T{n}"})
        db.session.remove()
        clock.freeze(DUE + timedelta(minutes=1))
        start, results = threading.Barrier(4), []

        def run():
            with app.app_context(), use_agency(agency.agency.id):
                start.wait()
                results.append(watchdog.watch()["rerouted"])
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sum(results) == 20
        with use_agency(agency.agency.id):
            events = db.session.scalars(
                select(WorkEvent.item_id).where(WorkEvent.action == "sla_escalated")
            ).all()
            assert len(events) == len(set(events)) == 20
    finally:
        clock.freeze(None)


def _report_by_secretary():
    span = report.period(MONDAY_NOON.date().isoformat(), MONDAY_NOON.date().isoformat())
    return {
        row.name: (row.met, row.missed, row.pending) for row in report.sla_report(span, "secretary")
    }


def test_the_sla_report_counts_a_miss_against_who_held_the_item_when_it_was_due(desk, drain):
    client, lead, pia, ben = desk
    item = _item(client)
    clock.freeze(DUE + timedelta(minutes=1))
    watchdog.watch()
    claims.claim(item.id, ben)  # Ben starts it, late: the lateness was Pia's
    assert db.session.get(WorkItem, item.id).assignee_id == ben.id
    assert _report_by_secretary() == {"Pia": (0, 1, 0)}


def test_an_item_started_in_time_stays_met_for_its_starter_after_a_reassignment(desk):
    client, lead, pia, ben = desk
    manager = db.session.scalar(select(User).where(User.role == "manager"))
    reassigned, handed_back = _item(client), _item(client, "Book the table")
    claims.claim(reassigned.id, pia)
    claims.claim(handed_back.id, pia)
    reassign(db.session.get(WorkItem, reassigned.id), {"secretary_id": ben.id}, manager)
    move(db.session.get(WorkItem, handed_back.id), "handback")
    db.session.commit()
    claims.claim(handed_back.id, ben)
    assert _report_by_secretary() == {"Pia": (2, 0, 0)}
    # An untouched item counts against whoever holds it; one closed unstarted, its holder.
    untouched, closed = _item(client, "Order paper"), _item(client, "Post the letter")
    assert untouched.assignee_id == closed.assignee_id == pia.id
    move(db.session.get(WorkItem, closed.id), "complete")
    db.session.commit()
    assert _report_by_secretary() == {"Pia": (3, 0, 1)}
