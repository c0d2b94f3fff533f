"""Unused hours rolling over, extra hours that need the client's approval, and the hours
overview in a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from agency.domains.billing import invoicing, ledger
from agency.domains.billing.models import Invoice, OverageApproval
from agency.domains.billing.rollover import Carry, PeriodUsage, roll
from agency.domains.calls import history
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract, Plan
from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import record_time
from agency.domains.notify.models import OutboundEmail
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import client_on_contract
from tests.conftest import PASSWORD, csrf_from, post_form, rows, sign_in

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def month(n: int) -> tuple[date, date]:
    """The n-th month of 2026, start and end."""
    start = date(2026, n, 1)
    end = date(2026 + n // 12, n % 12 + 1, 1)
    return start, end


def usage(n: int, used: int, included: int = 600) -> PeriodUsage:
    start, end = month(n)
    return PeriodUsage(start, end, included, used)


# --- the rule, as a pure function ---------------------------------------------------------


def test_without_rollover_unused_hours_are_lost_and_overage_is_beyond_included():
    jan, feb = roll([usage(1, 100), usage(2, 700)], keep=0)
    assert jan.carried_out == () and feb.carried_in == ()
    assert feb.overage_minutes == 100 and feb.rollover_used_minutes == 0


def test_unused_hours_carry_for_the_set_number_of_periods_then_expire():
    jan, feb, mar, apr = roll([usage(1, 0), usage(2, 600), usage(3, 600), usage(4, 600)], keep=2)
    assert jan.carried_out == (Carry(date(2026, 1, 1), 600, date(2026, 4, 1)),)
    assert feb.rollover_minutes == 600 and feb.expired_minutes == 0
    assert mar.rollover_minutes == 600 and mar.expired_minutes == 600
    assert apr.carried_in == () and apr.available_minutes == 600


def test_beyond_the_included_minutes_the_oldest_carry_is_used_first():
    jan, feb, mar = roll([usage(1, 400), usage(2, 500), usage(3, 850)], keep=2)
    assert [c.minutes for c in mar.carried_in] == [200, 100]
    assert mar.rollover_used_minutes == 250 and mar.overage_minutes == 0
    # January's 200 are gone first; 50 of February's 100 are left.
    assert mar.left == (Carry(date(2026, 2, 1), 50, date(2026, 5, 1)),)
    assert mar.expired_minutes == 0
    assert mar.carried_out == (Carry(date(2026, 2, 1), 50, date(2026, 5, 1)),)


def test_overage_is_what_is_beyond_included_and_carry_and_expired_carry_does_not_count():
    balances = roll([usage(1, 300), usage(2, 600), usage(3, 1000)], keep=1)
    assert balances[1].expired_minutes == 300
    assert balances[2].carried_in == () and balances[2].overage_minutes == 400


def test_rolling_in_steps_from_a_stored_carry_gives_the_same_balances():
    sequence = [usage(1, 100), usage(2, 900), usage(3, 50), usage(4, 1300), usage(5, 0)]
    whole = roll(sequence, keep=3)
    stepped = []
    carry = ()
    for one in sequence:
        [balance] = roll([one], keep=3, carry=[Carry.from_json(c.to_json()) for c in carry])
        stepped.append(balance)
        carry = balance.carried_out
    assert stepped == whole == roll(sequence, keep=3)
    assert [b.overage_minutes for b in whole] == [0, 0, 0, 0, 0]
    # April's 700 beyond its own: January's last 200 first, then 500 of March's 550.
    assert whole[3].rollover_used_minutes == 700
    assert whole[3].left == (Carry(date(2026, 3, 1), 50, date(2026, 7, 1)),)


# --- through the ledger, the invoices and the API -------------------------------------------


def _api(client, user):
    token = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, json=None):
        return client.open(url, method=method, json=json, headers=headers)

    return call


@pytest.fixture
def frozen():
    yield clock.freeze
    clock.freeze(None)


def _terms(agency, **terms):
    with use_agency(agency.agency.id):
        contract = db.session.get(Contract, agency.contract.id)
        contract.rounding_minutes = 1
        for key, value in terms.items():
            setattr(contract, key, value)
        db.session.commit()


def _work(agency, start: datetime, minutes: int, client_id=None):
    with use_agency(agency.agency.id):
        record_time(client_id or agency.client.id, start, start + timedelta(minutes=minutes))
        db.session.commit()


def _run(agency, on: date) -> list[int]:
    with use_agency(agency.agency.id):
        return invoicing.run(on=on)


def _invoice(agency, start: date) -> Invoice:
    with use_agency(agency.agency.id):
        found = db.session.scalar(select(Invoice).where(Invoice.period_start == start))
        found.hours_lines = [
            (line.kind, line.minutes, line.amount_minor)
            for line in found.lines
            if line.kind in ("included", "overage")
        ]
        return found


def test_hours_include_the_carry_and_invoices_bill_overage_beyond_it(
    client, agency, other_agency, frozen
):
    _terms(agency, rollover_periods=2)
    api = _api(client, agency.manager)
    url = f"/api/v1/clients/{agency.client.id}/hours"
    _work(agency, datetime(2026, 10, 5, 9, tzinfo=UTC), 300)  # October: 300 of 600 unused
    _work(agency, datetime(2026, 11, 3, 9, tzinfo=UTC), 800)

    frozen(datetime(2026, 11, 20, 12, tzinfo=UTC))
    before_invoice = api("GET", url).json  # October is closed but not invoiced yet
    assert before_invoice["rollover_minutes"] == 300
    assert before_invoice["available_minutes"] == 900
    assert before_invoice["remaining_minutes"] == 100 and before_invoice["percent_used"] == 88
    assert before_invoice["rollover"] == [
        {"earned_in": "2026-10-01", "minutes": 100, "expires_on": "2027-01-01"}
    ]
    ran = api("POST", "/api/v1/invoices/run", {"on": "2026-11-01"})
    assert ran.status_code == 200, ran.get_data(as_text=True)
    [october_id] = [invoice["id"] for invoice in ran.json]
    assert api("GET", url).json == before_invoice  # the invoice changes no figure
    october = _invoice(agency, date(2026, 10, 1))
    assert (october.overage_minutes, october.rollover_minutes) == (0, 0)
    assert october.carry_out == [
        {"earned_in": "2026-10-01", "minutes": 300, "expires_on": "2027-01-01"}
    ]

    # Through the API too: the carry it hands on, its days as dates.
    carried = [{"earned_in": "2026-10-01", "minutes": 300, "expires_on": "2027-01-01"}]
    assert api("GET", f"/api/v1/invoices/{october_id}").json["carry_out"] == carried
    listed = api("GET", "/api/v1/invoices/")
    assert listed.status_code == 200 and [i["carry_out"] for i in listed.json] == [carried]

    [november_id] = _run(agency, date(2026, 12, 1))
    november = _invoice(agency, date(2026, 11, 1))
    assert (november.overage_minutes, november.rollover_minutes) == (0, 200)
    assert [kind for kind, *_ in november.hours_lines] == ["included"]

    _work(agency, datetime(2026, 12, 10, 9, tzinfo=UTC), 750)
    _run(agency, date(2027, 1, 1))
    december = _invoice(agency, date(2026, 12, 1))
    december_id = december.id
    # 600 included + October's last 100 (expiring at the end of December); 50 beyond.
    assert (december.overage_minutes, december.rollover_minutes) == (50, 100)
    assert december.carry_out == []
    assert december.hours_lines[1] == ("overage", 50, 3333)

    page = api("GET", f"/api/v1/invoices/{december_id}").json
    assert (page["rollover_minutes"], page["carry_out"]) == (100, [])
    http = client.application.test_client()
    sign_in(http, agency.manager)
    shown = http.get(f"/console/invoices/{december_id}").get_data(as_text=True)
    assert "1.67 hours carried over from earlier periods were used" in shown

    # A re-run bills nothing again and changes nothing already billed.
    totals = [(i.id, i.total_minor, i.carry_out) for i in rows(Invoice, agency.agency.id)]
    assert _run(agency, date(2027, 1, 1)) == [] and _run(agency, date(2026, 12, 1)) == []
    again = [(i.id, i.total_minor, i.carry_out) for i in rows(Invoice, agency.agency.id)]
    assert again == totals and {october_id, november_id} <= {i for i, *_ in totals}
    assert rows(Invoice, other_agency.agency.id) == []


def test_carry_on_record_is_not_recomputed_when_the_terms_change(client, agency, frozen):
    _terms(agency, rollover_periods=1)
    _work(agency, datetime(2026, 10, 5, 9, tzinfo=UTC), 100)
    _run(agency, date(2026, 11, 1))
    _terms(agency, rollover_periods=0, included_minutes=300)
    frozen(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with use_agency(agency.agency.id):
        summary = ledger.hours(db.session.get(Client, agency.client.id))
    assert (summary["included_minutes"], summary["rollover_minutes"]) == (300, 500)
    assert summary["rollover"][0]["expires_on"] == date(2026, 12, 1)


def test_alerts_count_against_the_available_hours(agency, frozen):
    from agency.domains.billing.alerts import send_due

    _terms(agency, rollover_periods=1)
    _work(agency, datetime(2026, 10, 5, 9, tzinfo=UTC), 0 + 1)  # October: 599 unused
    _work(agency, datetime(2026, 11, 3, 9, tzinfo=UTC), 700)  # 700 of 1199: 58 %
    frozen(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with use_agency(agency.agency.id):
        assert send_due() == 0
    _work(agency, datetime(2026, 11, 4, 9, tzinfo=UTC), 300)  # 1000 of 1199: 83 %
    with use_agency(agency.agency.id):
        assert send_due() == 1
        [email] = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.purpose == "hours_alert")
        ).all()[:1]
        assert "1000 of 1199 available minutes" in email.body_text


# --- extra hours that need approval ------------------------------------------------------


@pytest.fixture
def used_up(agency, frozen):
    """Alpha's contract needs approval of extra hours; its 600 minutes are used up."""
    _terms(agency, overage_needs_approval=True)
    _work(agency, datetime(2026, 11, 3, 9, tzinfo=UTC), 600)
    frozen(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "email", "title": "Reply to Mr Costa"}
        )
        item.assignee_id, item.status = agency.profile.id, "assigned"
        db.session.commit()
        return item.id


def _desk_start(http, item_id):
    token = csrf_from(http.get("/desk/").get_data(as_text=True))
    return http.post(
        f"/desk/items/{item_id}/start", data={"csrf_token": token}, follow_redirects=True
    )


def _manual(api, agency, minutes=30, billable=True):
    return api(
        "POST",
        "/api/v1/time-entries/",
        {
            "client_id": agency.client.id,
            "started_at": "2026-11-20T10:00:00+00:00",
            "minutes": minutes,
            "billable": billable,
            "reason": "Phoned the bank",
        },
    )


def test_work_is_refused_once_hours_are_used_up_without_approval(client, agency, used_up):
    api = _api(client, agency.manager)
    refused = _manual(api, agency)
    assert refused.status_code == 409
    assert "approval" in refused.json["error"]["message"]
    assert _manual(api, agency, billable=False).status_code == 201  # the agency's own time
    hours = api("GET", f"/api/v1/clients/{agency.client.id}/hours").json
    assert hours["overage_blocked"] is True and hours["overage_approval"] is None

    desk = client.application.test_client()
    sign_in(desk, agency.secretary)
    before = desk.get(f"/desk/items/{used_up}").get_data(as_text=True)
    assert 'class="hours-refusal"' in before
    page = _desk_start(desk, used_up).get_data(as_text=True)
    assert "extra hours need the client&#39;s approval" in page
    with use_agency(agency.agency.id):
        from agency.domains.work.models import WorkItem

        assert db.session.get(WorkItem, used_up).timer_started_at is None

    http = client.application.test_client()
    sign_in(http, agency.manager)
    form = post_form(
        http,
        f"/console/hours/{agency.client.id}",
        {"started_at": "2026-11-20 10:00", "minutes": "30", "billable": "y", "reason": "call"},
    )
    assert form.status_code == 409 and "approval" in form.get_data(as_text=True)
    assert "needs approval" in http.get("/console/hours").get_data(as_text=True)


def test_the_client_approves_in_the_portal_and_work_goes_on_up_to_the_cap(
    client, agency, used_up, drain
):
    portal = client.application.test_client()
    sign_in(portal, agency.client_user)
    home = portal.get("/portal/").get_data(as_text=True)
    assert "Approve extra hours this period" in home and "no more work is done" in home
    bad = post_form(portal, "/portal/hours/extra", {"cap_hours": "lots"}, page="/portal/")
    assert bad.status_code == 302
    assert rows(OverageApproval, agency.agency.id) == []
    ok = post_form(portal, "/portal/hours/extra", {"cap_hours": "1"}, page="/portal/")
    assert ok.status_code == 302
    [approval] = rows(OverageApproval, agency.agency.id)
    assert (approval.cap_minutes, approval.period_start) == (60, date(2026, 11, 1))
    assert approval.approved_by_id == agency.client_user.id
    with use_agency(agency.agency.id):
        told = db.session.scalars(
            select(OutboundEmail.to_address).where(OutboundEmail.purpose == "overage_approval")
        ).all()
    assert agency.manager.email in told and agency.client_user.email not in told

    api = _api(client, agency.manager)
    assert _manual(api, agency, minutes=45).status_code == 201
    assert _manual(api, agency, minutes=15).status_code == 201  # 60 of the 60 approved
    capped = _manual(api, agency, minutes=5)
    assert capped.status_code == 409 and "used up" in capped.json["error"]["message"]
    page = portal.get("/portal/").get_data(as_text=True)
    assert "up to 1.00 hours (1.00 used)" in page

    # The client raises the cap through the API; the first approval stays on record.
    mine = _api(client, agency.client_user)
    raised = mine(
        "POST", f"/api/v1/clients/{agency.client.id}/overage-approvals", {"cap_minutes": None}
    )
    assert raised.status_code == 201 and raised.json["cap_minutes"] is None
    assert _manual(api, agency, minutes=5).status_code == 201
    listed = api("GET", f"/api/v1/clients/{agency.client.id}/overage-approvals").json
    assert [a["cap_minutes"] for a in listed] == [None, 60]


def test_an_answered_call_is_never_refused_but_is_flagged(agency, used_up):
    with use_agency(agency.agency.id):
        history.record_call(
            {
                "call_sid": "CA77",
                "client_id": agency.client.id,
                "from_number": "+442079460999",
                "to_number": "+442079460000",
                "action": "ring_secretaries",
                "rule": "secretaries",
            }
        )
        history.call_answered("CA77", "secretary", 240)
        history.call_ended("CA77", "completed", 240)
        entry = db.session.scalar(select(TimeEntry).where(TimeEntry.source == "call"))
        assert entry.billable_minutes == 4 and entry.unapproved_overage is True


def test_approval_input_and_who_may_approve(client, agency, other_agency, used_up):
    url = f"/api/v1/clients/{agency.client.id}/overage-approvals"
    mine = _api(client, agency.client_user)
    assert mine("POST", url, {"cap_minutes": 0}).status_code == 422
    assert mine("POST", url, {"cap_minutes": "x"}).status_code == 422
    assert mine("POST", url, {"period_start": "2020-01-01"}).status_code == 422
    assert mine("POST", url, ["no"]).status_code == 400
    assert _api(client, agency.secretary)("POST", url, {}).status_code == 403
    theirs = _api(client, other_agency.client_user)
    assert theirs("POST", url, {}).status_code == 404
    assert theirs("GET", url).status_code == 404
    assert _api(client, other_agency.manager)("GET", url).status_code == 404
    assert rows(OverageApproval, agency.agency.id) == []
    with use_agency(other_agency.agency.id):
        assert db.session.scalars(select(OverageApproval)).all() == []
    bravo = f"/api/v1/clients/{other_agency.client.id}/overage-approvals"
    assert theirs("POST", bravo, {}).status_code == 409  # Bravo's contract asks for none


# --- terms in the console, the API and the signup page -------------------------------------


def test_rollover_and_approval_terms_are_edited_in_the_console_and_the_api(
    client, login_as, agency
):
    http = login_as(agency.manager)
    plan = {
        "name": "Rolling",
        "included_hours": "10",
        "hourly_rate": "30",
        "overage_rate": "40",
        "currency": "EUR",
        "rounding_minutes": "6",
        "minimum_minutes": "0",
        "rollover_periods": "3",
        "overage_needs_approval": "y",
    }
    assert post_form(http, "/console/plans", {**plan, "rollover_periods": "-1"}).status_code == 422
    assert post_form(http, "/console/plans", {**plan, "rollover_periods": "x"}).status_code == 422
    assert post_form(http, "/console/plans", plan).status_code == 302
    [saved] = rows(Plan, agency.agency.id)
    assert (saved.rollover_periods, saved.overage_needs_approval) == (3, True)
    api = _api(client, agency.manager)
    url = f"/api/v1/contracts/{agency.contract.id}"
    changed = api("PATCH", url, {"rollover_periods": 2, "overage_needs_approval": True})
    assert changed.status_code == 200, changed.json
    assert changed.json["rollover_periods"] == 2 and changed.json["overage_needs_approval"]
    assert api("PATCH", url, {"rollover_periods": 13}).status_code == 422
    form = http.get(f"/console/contracts/{agency.contract.id}").get_data(as_text=True)
    assert 'name="rollover_periods"' in form and 'value="2"' in form


# --- the hours overview in a fixed number of queries ---------------------------------------


def _statements(agency) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if "set_config" not in statement:  # PostgreSQL's row-level security setting
            seen.append(statement)

    with use_agency(agency.agency.id):
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            ledger.hours_by_client(datetime(2026, 11, 20, 12, tzinfo=UTC))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_hours_overview_takes_the_same_few_queries_however_many_clients(agency):
    def grow(n):
        with use_agency(agency.agency.id):
            for i in range(3):
                client_id = client_on_contract(
                    f"Client {n}{i}",
                    billing_day=1 + i * 9,
                    rollover_periods=i,
                    overage_needs_approval=bool(i),
                )
                record_time(
                    client_id,
                    datetime(2026, 11, 15, 9, tzinfo=UTC),
                    datetime(2026, 11, 15, 10, tzinfo=UTC),
                )
            db.session.commit()
        _run(agency, date(2026, 11, 15))

    grow(1)
    small = _statements(agency)
    grow(2)
    grow(3)
    assert _statements(agency) == small
    assert small <= 6
    with use_agency(agency.agency.id):
        overview = ledger.hours_by_client(datetime(2026, 11, 20, 12, tzinfo=UTC))
        assert len(overview) == 10
        for one, summary in overview:
            alone = ledger.hours(one, datetime(2026, 11, 20, 12, tzinfo=UTC))
            assert {k: v for k, v in alone.items() if k != "by_secretary"} == summary


def test_approvals_and_rollover_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    approvals = spec["paths"]["/api/v1/clients/{client_id}/overage-approvals"]
    assert {"get", "post"} <= set(approvals)
    hours = spec["components"]["schemas"]["Hours"]["properties"]
    assert {"rollover", "rollover_minutes", "available_minutes", "overage_blocked"} <= set(hours)
