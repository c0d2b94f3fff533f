"""Which periods a run invoices: every closed one not invoiced yet (missed runs are
caught up, the last twelve at most), and the final, shorter period of a contract that
ended; never periods before the contract was recorded."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from agency.domains.billing import invoicing
from agency.domains.billing.models import Invoice
from agency.domains.contracts.models import Contract
from agency.kernel import clock
from agency.kernel.database import db
from tenants import directory, lifecycle, use_agency
from tests.billing_seed import work


def _periods(agency) -> list[tuple]:
    with use_agency(agency.agency.id):
        found = db.session.scalars(select(Invoice).order_by(Invoice.period_start)).all()
        return [(i.period_start, i.period_end, i.used_minutes) for i in found]


def _terms(agency, **changes):
    with use_agency(agency.agency.id):
        contract = db.session.get(Contract, agency.contract.id)
        for name, value in changes.items():
            setattr(contract, name, value)
        db.session.commit()


def test_a_first_run_bills_the_last_closed_period_not_the_contracts_past(agency):
    """The contract starts in January but was recorded just now: only October."""
    with use_agency(agency.agency.id):
        assert len(invoicing.run(on=date(2026, 11, 5))) == 1
    assert [start for start, _end, _used in _periods(agency)] == [date(2026, 10, 1)]


def test_missed_runs_are_caught_up_oldest_first_with_the_carry_between(agency):
    a, c = agency.agency.id, agency.client.id
    _terms(agency, rounding_minutes=1, rollover_periods=2)
    with use_agency(a):
        invoicing.run(on=date(2026, 10, 1))  # September: nothing used, 600 minutes carried
    work(a, c, datetime(2026, 10, 5, 9, tzinfo=UTC), 700)
    work(a, c, datetime(2026, 11, 5, 9, tzinfo=UTC), 800)
    work(a, c, datetime(2026, 12, 5, 9, tzinfo=UTC), 100)
    with use_agency(a):  # the runs of November, December and January never happened
        made = invoicing.run(on=date(2027, 1, 5))
        bills = [db.session.get(Invoice, invoice_id) for invoice_id in made]
        assert [b.period_start for b in bills] == [
            date(2026, 10, 1),
            date(2026, 11, 1),
            date(2026, 12, 1),
        ]
        # October uses 100 of September's 600; November uses 200 of what is left.
        assert [(b.rollover_minutes, b.overage_minutes) for b in bills] == [
            (100, 0),
            (200, 0),
            (0, 0),
        ]
        assert invoicing.run(on=date(2027, 1, 5)) == []


def test_a_suspended_agencys_periods_are_invoiced_once_it_is_resumed(agency):
    from agency.domains.billing.services import run_for_agency

    with use_agency(agency.agency.id):
        invoicing.run(on=date(2026, 9, 1))  # August
    agency_row = directory.agency(agency.agency.id)
    lifecycle.suspend(agency_row, "unpaid")
    assert run_for_agency(agency.agency.id, datetime(2026, 11, 1, 0, 15, tzinfo=UTC)) == {
        "alerts": 0,
        "invoices": 0,
    }
    lifecycle.resume(directory.agency(agency.agency.id))
    assert run_for_agency(agency.agency.id, datetime(2026, 11, 20, 9, tzinfo=UTC))["invoices"] == 2
    assert [start for start, _e, _u in _periods(agency)] == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    ]


def test_a_catch_up_looks_back_twelve_periods_at_most(agency):
    with use_agency(agency.agency.id):
        invoicing.run(on=date(2026, 2, 1))  # January 2026
        made = invoicing.run(on=date(2027, 6, 1))
    assert len(made) == 12
    starts = [start for start, _end, _used in _periods(agency)]
    # From the run's day, the twelve periods before the current one: June 2026 to May 2027.
    assert starts[0] == date(2026, 1, 1) and starts[1] == date(2026, 6, 1)
    assert starts[-1] == date(2027, 5, 1)


def test_an_ended_contracts_final_period_is_invoiced_up_to_its_last_day(agency):
    a, c = agency.agency.id, agency.client.id
    _terms(agency, rounding_minutes=1)
    with use_agency(a):
        invoicing.run(on=date(2026, 10, 1))  # September
    work(a, c, datetime(2026, 10, 6, 9, tzinfo=UTC), 90)
    work(a, c, datetime(2026, 10, 15, 9, tzinfo=UTC), 45)  # after its last day: not billed
    _terms(agency, ends_on=date(2026, 10, 14), status="ended")
    with use_agency(a):
        assert invoicing.run(on=date(2026, 10, 14)) == []  # its last day is not over yet
        [final_id] = invoicing.run(on=date(2026, 10, 15))
        final = db.session.get(Invoice, final_id)
        assert (final.period_start, final.period_end) == (date(2026, 10, 1), date(2026, 10, 15))
        assert final.ends_at == datetime(2026, 10, 14, 23, 0, tzinfo=UTC)  # Lisbon midnight
        # 14 of October's 31 days: 600 × 14 / 31 = 270.97… -> 271 minutes included.
        assert (final.included_minutes, final.used_minutes) == (271, 90)
        assert [(line.kind, line.minutes) for line in final.lines] == [("included", 271)]
        assert final.lines[0].amount_minor == 13550  # 271 min at 30.00/h
        assert invoicing.run(on=date(2026, 12, 5)) == []


def test_ending_a_contract_without_an_end_date_ends_it_today(agency):
    from agency.domains.contracts.services import update_contract

    clock.freeze(datetime(2026, 11, 18, 10, tzinfo=UTC))
    try:
        with use_agency(agency.agency.id):
            contract = db.session.get(Contract, agency.contract.id)
            update_contract(contract, {"status": "ended"})
            assert contract.ends_on == date(2026, 11, 18)
            invoicing.run(on=date(2026, 11, 1))
            [final_id] = invoicing.run(on=date(2026, 11, 19))
            final = db.session.get(Invoice, final_id)
            assert (final.period_start, final.period_end) == (
                date(2026, 11, 1),
                date(2026, 11, 19),
            )
    finally:
        clock.freeze(None)
