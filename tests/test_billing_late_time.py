"""Time and costs that arrive after their period is invoiced: booked on the first open
day after it, never lost in a locked period; spans across a period end split there."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.billing import invoicing
from agency.domains.billing.models import Expense, Invoice, TimeEntryEdit
from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import record_span, shares
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import rows

# Lisbon is on UTC in November: local midnight of 1 November is 00:00 UTC.
NOVEMBER = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    def at(moment: datetime):
        clock.freeze(moment)

    yield at
    clock.freeze(None)


def _invoice_october(agency) -> int:
    with use_agency(agency.agency.id):
        [invoice_id] = invoicing.run(on=date(2026, 11, 1))
        return invoice_id


def _entries(agency) -> list[TimeEntry]:
    with use_agency(agency.agency.id):
        found = db.session.scalars(select(TimeEntry).order_by(TimeEntry.started_at)).all()
        db.session.expunge_all()
        return found


def _start_timer(agency, frozen, at: datetime) -> int:
    from agency.domains.work.creation import create_item
    from agency.domains.work.services import start_timer

    with use_agency(agency.agency.id):
        item, _new = create_item({"client_id": agency.client.id, "kind": "task", "title": "Late"})
        item.assignee_id = agency.profile.id
        item.status = "assigned"
        db.session.commit()
        frozen(at)
        start_timer(item, db.session.get(User, agency.secretary.id))
        return item.id


def _stop_timer(agency, frozen, item_id: int, at: datetime) -> None:
    from agency.domains.work.models import WorkItem
    from agency.domains.work.services import pause_timer

    frozen(at)
    with use_agency(agency.agency.id):
        pause_timer(db.session.get(WorkItem, item_id), db.session.get(User, agency.secretary.id))


def test_the_parts_of_a_split_span_add_up_to_the_whole_spans_billable_minutes():
    assert shares([600, 1200], 6, 0) == [12, 18]
    assert shares([600, 1200], 15, 30) == [15, 15]
    assert shares([300, 300], 15, 0) == [15, 0]
    assert shares([1800], 15, 60) == [60]


def test_a_timer_across_the_period_end_is_split_at_the_boundary(agency, frozen):
    """Nothing is invoiced yet: each part counts in its own period."""
    item_id = _start_timer(agency, frozen, NOVEMBER - timedelta(minutes=10))
    _stop_timer(agency, frozen, item_id, NOVEMBER + timedelta(minutes=20))
    october, november = _entries(agency)
    assert (october.started_at, october.ended_at) == (NOVEMBER - timedelta(minutes=10), NOVEMBER)
    assert (november.started_at, november.ended_at) == (NOVEMBER, NOVEMBER + timedelta(minutes=20))
    assert (october.raw_minutes, november.raw_minutes) == (10, 20)
    # 30 minutes in 6-minute steps: 30 billable in all, 12 of them October's.
    assert (october.billable_minutes, november.billable_minutes) == (12, 18)
    assert october.original_started_at is None and november.original_started_at is None
    with use_agency(agency.agency.id):
        invoice = db.session.get(Invoice, invoicing.run(on=date(2026, 11, 1))[0])
        assert invoice.used_minutes == 12
        from agency.domains.work.models import WorkItem

        [stopped] = [
            e for e in db.session.get(WorkItem, item_id).events if e.action == "timer_stopped"
        ]
        assert (stopped.detail["raw_minutes"], stopped.detail["billable_minutes"]) == (30, 30)


def test_a_timer_stopped_after_its_period_was_invoiced_is_booked_in_the_next_one(agency, frozen):
    item_id = _start_timer(agency, frozen, NOVEMBER - timedelta(minutes=10))
    frozen(NOVEMBER + timedelta(minutes=15))
    invoice_id = _invoice_october(agency)  # the quarter-hour run closes October
    _stop_timer(agency, frozen, item_id, NOVEMBER + timedelta(minutes=20))
    moved, november = _entries(agency)
    assert (moved.started_at, moved.ended_at) == (NOVEMBER, NOVEMBER + timedelta(minutes=10))
    assert (moved.original_started_at, moved.original_ended_at) == (
        NOVEMBER - timedelta(minutes=10),
        NOVEMBER,
    )
    assert (november.started_at, november.original_started_at) == (NOVEMBER, None)
    assert moved.billable_minutes + november.billable_minutes == 30
    with use_agency(agency.agency.id):
        [note] = db.session.scalars(
            select(TimeEntryEdit).where(TimeEntryEdit.time_entry_id == moved.id)
        ).all()
        assert "already invoiced" in note.reason
        assert note.after["original_started_at"] == (NOVEMBER - timedelta(minutes=10)).isoformat()
        assert db.session.get(Invoice, invoice_id).used_minutes == 0  # October is unchanged
        [december] = invoicing.run(on=date(2026, 12, 1))
        assert db.session.get(Invoice, december).used_minutes == 30  # billed with November


def test_a_call_billed_by_a_late_job_lands_in_the_first_open_period(agency, frozen):
    from agency.domains.calls import history

    frozen(NOVEMBER - timedelta(minutes=5))
    with use_agency(agency.agency.id):
        history.record_call(
            {
                "call_sid": "CA-late",
                "client_id": agency.client.id,
                "from_number": "+351910000001",
                "to_number": "+351210000001",
                "action": "ring",
                "rule": "secretaries",
            }
        )
        history.secretary_answered("CA-late", agency.profile.id, "CA-leg")
        history.call_ended("CA-late", "completed", 240)
    frozen(NOVEMBER + timedelta(minutes=15))
    _invoice_october(agency)
    frozen(NOVEMBER + timedelta(hours=2))
    with use_agency(agency.agency.id):
        history.call_answered("CA-late", "secretary", 180)  # the job ran late
    [entry] = _entries(agency)
    assert entry.source == "call" and entry.secretary_id == agency.profile.id
    assert (entry.started_at, entry.ended_at) == (NOVEMBER, NOVEMBER + timedelta(minutes=3))
    assert entry.original_ended_at == NOVEMBER - timedelta(minutes=5)
    assert entry.original_started_at == NOVEMBER - timedelta(minutes=8)


def test_a_manual_entry_in_an_invoiced_period_is_still_refused(agency, frozen):
    from agency.domains.billing.entries import add_manual_entry
    from agency.kernel.errors import Conflict

    frozen(NOVEMBER + timedelta(days=2))
    _invoice_october(agency)
    with use_agency(agency.agency.id), pytest.raises(Conflict):
        add_manual_entry(
            {
                "client_id": agency.client.id,
                "started_at": "2026-10-30T10:00:00+00:00",
                "minutes": 20,
                "reason": "forgotten call",
            },
            agency.manager.id,
        )
    assert _entries(agency) == []


def _letter(agency):
    from agency.domains.mail.letters import create_letter

    return create_letter(
        {
            "client_id": agency.client.id,
            "recipient_name": "Tax Office",
            "recipient_address": "1 Main Street\nLisbon",
            "subject": "Annual return",
            "body": "Enclosed.",
        },
        db.session.get(User, agency.secretary.id),
    )


def test_postage_is_dated_on_the_agencys_own_day(agency, frozen, other_agency):
    """23:30 UTC on 30 September is already 1 October in Lisbon (summer time)."""
    from agency.domains.mail.letters import mark_mailed

    frozen(datetime(2026, 9, 30, 23, 30, tzinfo=UTC))
    with use_agency(agency.agency.id):
        invoicing.run(on=date(2026, 10, 1))  # September is invoiced
        from agency.domains.clients.models import Client

        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        letter = _letter(agency)
        assert letter.letter_date == date(2026, 10, 1)  # on the client's letterhead, their day
        mark_mailed(letter, {"postage_minor": 185}, db.session.get(User, agency.secretary.id))
    [expense] = rows(Expense, agency.agency.id)
    assert (expense.incurred_on, expense.original_incurred_on) == (date(2026, 10, 1), None)
    assert rows(Expense, other_agency.agency.id) == []


def test_postage_in_an_invoiced_period_is_booked_on_the_first_open_day(agency, frozen):
    """The manager closed October early; a letter mailed on its last day is billed in
    November instead of sitting unbilled in the closed period."""
    from agency.domains.mail.letters import mark_mailed

    frozen(datetime(2026, 10, 31, 12, tzinfo=UTC))
    _invoice_october(agency)
    with use_agency(agency.agency.id):
        letter = _letter(agency)
        mark_mailed(letter, {"postage_minor": 185}, db.session.get(User, agency.secretary.id))
    [expense] = rows(Expense, agency.agency.id)
    assert (expense.incurred_on, expense.original_incurred_on) == (
        date(2026, 11, 1),
        date(2026, 10, 31),
    )
    with use_agency(agency.agency.id):
        [december] = invoicing.run(on=date(2026, 12, 1))
        lines = db.session.get(Invoice, december).lines
        assert [(line.kind, line.amount_minor) for line in lines][-1] == ("expense", 185)


def test_a_span_in_an_invoiced_period_is_moved_past_every_invoiced_period(agency, frozen):
    """October and November are both invoiced: October's late minutes go to December."""
    frozen(datetime(2026, 12, 1, 9, tzinfo=UTC))
    with use_agency(agency.agency.id):
        invoicing.run(on=date(2026, 11, 1))
        invoicing.run(on=date(2026, 12, 1))
        assert len(db.session.scalars(select(Invoice)).all()) == 2
        [entry] = record_span(
            agency.client.id,
            datetime(2026, 10, 20, 9, tzinfo=UTC),
            datetime(2026, 10, 20, 9, 30, tzinfo=UTC),
            source="call",
        )
        db.session.commit()
        assert entry.started_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
        assert entry.original_started_at == datetime(2026, 10, 20, 9, tzinfo=UTC)
