"""Billable minutes kept per client and UTC day on PostgreSQL (``time_entry_days``), by
triggers on the entries: they follow every insert, change and removal, stay inside their
agency, and the invoice run reads them, with the hours at a period's edges from the
entries themselves."""

import importlib.util
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, func, insert, select, text, update

from agency.domains.billing import invoicing
from agency.domains.billing.models import Invoice
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.hours import totals
from agency.domains.hours.models import TimeEntry
from agency.kernel.database import db
from tenants import Agency, use_agency
from tests.billing_seed import client_on_contract, work
from tests.together import run_together

pytestmark = pytest.mark.postgres
MIGRATION = Path(__file__).resolve().parent.parent / "migrations/versions/0065_entry_days.py"

KEPT = "SELECT agency_id, day, client_id, minutes FROM time_entry_days ORDER BY 1, 2, 3"
SUMMED = (
    "SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date, client_id, sum(billable_minutes)"
    " FROM time_entries WHERE billable GROUP BY 1, 2, 3 HAVING sum(billable_minutes) <> 0"
    " ORDER BY 1, 2, 3"
)


@pytest.fixture
def owner(app):
    """The tables' owner, which row-level security does not fence in the tests."""
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    yield engine
    engine.dispose()


def kept_and_summed(owner) -> tuple[list, list]:
    with owner.connect() as conn:
        return conn.execute(text(KEPT)).all(), conn.execute(text(SUMMED)).all()


def _entry(agency_id, client_id, start, minutes, billable=True) -> dict:
    return {"agency_id": agency_id, "client_id": client_id, "started_at": start,
            "ended_at": start + timedelta(minutes=minutes), "raw_minutes": minutes,
            "billable_minutes": minutes, "billable": billable, "source": "manual"}  # fmt: skip


def test_the_days_follow_every_change_to_the_entries(app, agency, other_agency, owner):
    a, b = agency.agency.id, other_agency.agency.id
    first, other = agency.client.id, other_agency.client.id
    day = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    with use_agency(a):
        second = client_on_contract("Second")
        db.session.commit()
        # several rows in one statement, one of them not billable
        db.session.execute(
            insert(TimeEntry),
            [_entry(a, first, day, 30), _entry(a, first, day + timedelta(hours=2), 45),
             _entry(a, second, day, 20), _entry(a, first, day, 99, billable=False)],
        )  # fmt: skip
        db.session.commit()
    work(b, other, day, 50)
    kept, summed = kept_and_summed(owner)
    assert kept == summed
    assert (a, date(2026, 10, 5), first, 75) in kept

    with use_agency(a):
        moved = db.session.scalar(
            select(TimeEntry.id).where(TimeEntry.client_id == first, TimeEntry.raw_minutes == 45)
        )
        for change in (
            {"billable_minutes": 60},  # more minutes
            {"started_at": day + timedelta(days=3)},  # another day
            {"client_id": second},  # another client
            {"billable": False},  # no longer billable
            {"billable": True},
        ):
            db.session.execute(update(TimeEntry).where(TimeEntry.id == moved).values(change))
            db.session.commit()
            assert kept_and_summed(owner)[0] == kept_and_summed(owner)[1], change
        db.session.execute(update(TimeEntry).values(billable_minutes=TimeEntry.raw_minutes))
        db.session.commit()
        assert kept_and_summed(owner)[0] == kept_and_summed(owner)[1]
        db.session.execute(delete(TimeEntry).where(TimeEntry.client_id == second))
        db.session.commit()
    kept, summed = kept_and_summed(owner)
    assert kept == summed  # a day that came to nothing is gone too
    assert [row for row in kept if row.client_id == second] == []

    with use_agency(a):  # the client goes, and their entries with them
        db.session.execute(delete(Client).where(Client.id == first))
        db.session.commit()
    kept, summed = kept_and_summed(owner)
    assert kept == summed
    assert [(row.agency_id, row.client_id) for row in kept] == [(b, other)]


def test_entries_written_at_once_add_up(app, agency, owner):
    """Six transactions write entries for the same two clients and day at the same
    moment, one statement an entry as the product writes them: every minute is counted
    once (each adds to the day in place, waiting for the others' rows)."""
    a, first = agency.agency.id, agency.client.id
    with use_agency(a):
        second = client_on_contract("Second")
        db.session.commit()
    day = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    ready = threading.Barrier(6)

    def write(n: int):
        with app.app_context(), use_agency(a):
            db.session.execute(text("SELECT 1"))  # each in its own transaction first
            ready.wait(timeout=10)
            for k, client_id in enumerate((first, first, second)):
                start = day + timedelta(minutes=10 * n + k)
                db.session.execute(insert(TimeEntry), [_entry(a, client_id, start, 5 + n)])
            db.session.commit()

    assert run_together(write, [(n,) for n in range(6)], on_error=ready.abort) == []
    kept, summed = kept_and_summed(owner)
    assert kept == summed
    assert sum(row.minutes for row in kept) == sum(3 * (5 + n) for n in range(6))


def test_an_agency_sees_only_its_own_days(app, agency, other_agency):
    a, b = agency.agency.id, other_agency.agency.id
    work(a, agency.client.id, datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 40)
    work(b, other_agency.client.id, datetime(2026, 10, 6, 9, 0, tzinfo=UTC), 25)
    for agency_id, client_id in ((a, agency.client.id), (b, other_agency.client.id)):
        with use_agency(agency_id):
            minutes = db.session.scalar(select(func.sum(TimeEntry.billable_minutes)))
            seen = db.session.execute(text("SELECT client_id, minutes FROM time_entry_days"))
            assert seen.all() == [(client_id, minutes)]
            start = datetime(2026, 10, 1, tzinfo=UTC)
            used = totals.billable_minutes(start, datetime(2026, 11, 1, tzinfo=UTC))
            assert used == {client_id: minutes}
            db.session.rollback()


def test_a_period_that_starts_off_utc_midnight_counts_its_edge_hours(app, agency, owner):
    """In Berlin, October runs from 22:00 UTC on 30 September to 23:00 UTC on 31 October:
    the hours at both ends are not whole UTC days. The two before midnight are read from
    the entries; of 31 October the whole day is taken, less its last hour."""
    a, c = agency.agency.id, agency.client.id
    with use_agency(a):
        db.session.get(Agency, a).timezone = "Europe/Berlin"
        db.session.get(Contract, agency.contract.id).rounding_minutes = 1
        db.session.commit()
    work(a, c, datetime(2026, 9, 30, 21, 30, tzinfo=UTC), 20)  # 23:30 on 30 September
    work(a, c, datetime(2026, 9, 30, 22, 30, tzinfo=UTC), 20)  # 00:30 on 1 October
    work(a, c, datetime(2026, 10, 15, 9, 0, tzinfo=UTC), 60)
    work(a, c, datetime(2026, 10, 31, 22, 30, tzinfo=UTC), 25)  # 23:30 on 31 October
    work(a, c, datetime(2026, 10, 31, 23, 10, tzinfo=UTC), 20)  # 00:10 on 1 November
    with use_agency(a):
        october = (datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC))
        assert totals.billable_minutes(*october) == {c: 105}
        # within a day: the entries alone
        assert totals.billable_minutes(
            datetime(2026, 10, 15, 8, tzinfo=UTC), datetime(2026, 10, 15, 12, tzinfo=UTC)
        ) == {c: 60}
        invoicing.run(on=date(2026, 11, 2))
        invoice = db.session.scalar(
            select(Invoice).where(Invoice.client_id == c, Invoice.period_start == date(2026, 10, 1))
        )
        assert invoice.used_minutes == 105


def test_the_run_reads_the_kept_days(app, agency, owner):
    """What the triggers keep is what the run bills: a day's total changed behind their
    back (by the owner, as a repair would) is what the invoice shows."""
    a, c = agency.agency.id, agency.client.id
    with use_agency(a):
        db.session.get(Contract, agency.contract.id).rounding_minutes = 1
        db.session.commit()
    work(a, c, datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 30)
    with owner.begin() as conn:
        conn.execute(text("UPDATE time_entry_days SET minutes = minutes + 60"))
    with use_agency(a):
        invoicing.run(on=date(2026, 11, 2))
        used = db.session.scalar(select(func.sum(Invoice.used_minutes)))
    assert used == 90


def test_the_migration_fills_the_days_of_every_agency_when_row_security_fences_it(
    app, agency, other_agency, owner
):
    """The entries kept before the migration fill the days, agency by agency, even for a
    migration role that row-level security fences (here the app's own role)."""
    work(agency.agency.id, agency.client.id, datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 40)
    work(other_agency.agency.id, other_agency.client.id, datetime(2026, 10, 6, tzinfo=UTC), 25)
    with owner.begin() as conn:
        conn.execute(text("DELETE FROM time_entry_days"))
    spec = importlib.util.spec_from_file_location("entry_days_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    fenced = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with fenced.begin() as conn:
            conn.exec_driver_sql(migration.BACKFILL)
    finally:
        fenced.dispose()
    kept, summed = kept_and_summed(owner)
    assert kept == summed
    assert {row.agency_id for row in kept} == {agency.agency.id, other_agency.agency.id}


def test_every_span_sums_what_its_entries_sum(app, agency):
    """Spans that start and end at UTC midnight, an hour or two either side of it, most
    of a day away from it, and within one day: the kept days and the entries at the
    edges give what summing every entry gives."""
    a, c = agency.agency.id, agency.client.id
    first = datetime(2026, 10, 3, tzinfo=UTC)
    with use_agency(a):
        db.session.execute(
            insert(TimeEntry),
            [_entry(a, c, first + timedelta(minutes=37 * n), 1 + n % 7) for n in range(230)],
        )
        db.session.commit()
        offsets = [timedelta(hours=h) for h in (0, 1, 3, 11, 12, 13, 20, 23)]
        for start in (first + timedelta(days=1) + o for o in offsets):
            for end in (start + timedelta(hours=h) for h in (2, 13, 24, 30, 47, 60, 72)):
                summed = db.session.scalar(
                    select(func.coalesce(func.sum(TimeEntry.billable_minutes), 0)).where(
                        TimeEntry.started_at >= start, TimeEntry.started_at < end
                    )
                )
                assert totals.billable_minutes(start, end).get(c, 0) == summed, (start, end)
