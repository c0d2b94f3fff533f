"""Billing in the console and the portal; hours alerts by email."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from agency.domains.billing.alerts import send_due
from agency.domains.billing.models import BillingAccount, HoursAlert, Invoice
from agency.domains.hours.services import record_time
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows, sign_in, snapshot


def work(agency, start: datetime, minutes: int):
    with use_agency(agency.agency.id):
        record_time(agency.client.id, start, start + timedelta(minutes=minutes))
        db.session.commit()


def test_billing_settings_keep_the_key_encrypted_and_refuse_a_bad_rate(
    app, login_as, agency, other_agency
):
    http = login_as(agency.manager)
    bad = post_form(http, "/console/billing", {"tax_percent": "twenty"})
    assert bad.status_code == 422
    assert rows(BillingAccount, agency.agency.id) == []
    wrong_key = post_form(
        http, "/console/billing", {"tax_percent": "23", "stripe_secret_key": "pk_live_x"}
    )
    assert wrong_key.status_code == 422 and "sk_" in wrong_key.get_data(as_text=True)
    ok = post_form(
        http,
        "/console/billing",
        {"tax_percent": "23.5", "stripe_secret_key": "sk_test_secret_value"},
    )
    assert ok.status_code == 302
    [account] = rows(BillingAccount, agency.agency.id)
    assert account.tax_basis_points == 2350 and account.stripe_secret_key == "sk_test_secret_value"
    stored = db.session.execute(db.text("SELECT stripe_secret_key FROM billing_accounts"))
    assert "sk_test_secret_value" not in str(stored.all())
    page = http.get("/console/billing").get_data(as_text=True)
    assert "sk_test_secret_value" not in page
    assert rows(BillingAccount, other_agency.agency.id) == []


def test_the_console_adds_time_by_hand_and_shows_hours_per_client_and_secretary(
    app, login_as, agency, other_agency
):
    clock.freeze(datetime(2026, 11, 10, 12, tzinfo=UTC))
    try:
        http = login_as(agency.manager)
        url = f"/console/hours/{agency.client.id}"
        missing = post_form(http, url, {"started_at": "2026-11-03 09:00", "minutes": "30"})
        assert missing.status_code == 422
        bad = post_form(http, url, {"started_at": "3 Nov", "minutes": "30", "reason": "phone call"})
        assert bad.status_code == 422
        made = post_form(
            http,
            url,
            {
                "started_at": "2026-11-03 09:00",
                "minutes": "90",
                "billable": "y",
                "reason": "phone call",
            },
        )
        assert made.status_code == 302
        work(agency, datetime(2026, 11, 4, 9, tzinfo=UTC), 30)
        page = http.get("/console/hours").get_data(as_text=True)
        assert "Alpha Client" in page and "2.00" in page
        assert "Bravo" not in page
        ledger = http.get(url).get_data(as_text=True)
        assert "phone call" not in ledger  # the reason is in the audit, not the list
        assert ledger.count('name="reason"') >= 2
    finally:
        clock.freeze(None)


def test_period_close_review_and_issue_from_the_console_then_the_portal_shows_it(
    app, client, agency, other_agency, drain
):
    work(agency, datetime(2026, 10, 6, 9, tzinfo=UTC), 120)
    sign_in(client, agency.manager)
    bad = post_form(client, "/console/invoices", {"on": "yesterday"})
    assert bad.status_code == 422 and rows(Invoice, agency.agency.id) == []
    assert post_form(client, "/console/invoices", {"on": "2026-11-02"}).status_code == 302
    [invoice] = [snapshot(i) for i in rows(Invoice, agency.agency.id)]
    page = client.get(f"/console/invoices/{invoice.id}").get_data(as_text=True)
    assert "€300.00" in page and "Reviewed: issue this invoice" in page
    assert client.get(f"/console/invoices/{invoice.id}/pdf").data.startswith(b"%PDF")

    portal = app.test_client()
    sign_in(portal, agency.client_user)
    assert portal.get(f"/portal/invoices/{invoice.id}").status_code == 404  # a draft
    issue_page = f"/console/invoices/{invoice.id}"
    issued = post_form(client, f"/console/invoices/{invoice.id}/issue", {}, page=issue_page)
    assert issued.status_code == 302
    drain()
    listing = portal.get("/portal/invoices").get_data(as_text=True)
    assert invoice.number in listing
    detail = portal.get(f"/portal/invoices/{invoice.id}").get_data(as_text=True)
    assert "€300.00" in detail and "120" in detail  # the line and the entry behind it
    assert portal.get(f"/portal/invoices/{invoice.id}/pdf").data.startswith(b"%PDF")

    bravo = app.test_client()
    sign_in(bravo, other_agency.client_user)
    assert bravo.get(f"/portal/invoices/{invoice.id}").status_code == 404
    assert invoice.number not in bravo.get("/portal/invoices").get_data(as_text=True)


def test_the_portal_shows_hours_used_against_included(app, client, agency):
    clock.freeze(datetime(2026, 11, 10, 12, tzinfo=UTC))
    try:
        work(agency, datetime(2026, 11, 2, 9, tzinfo=UTC), 150)
        sign_in(client, agency.client_user)
        page = client.get("/portal/").get_data(as_text=True)
        assert "2.50 of 10.00 hours used (25%)" in page
    finally:
        clock.freeze(None)


def test_hours_alerts_go_once_per_period_at_80_and_100_percent(
    app, agency, other_agency, mail, drain
):
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    work(agency, datetime(2026, 11, 2, 9, tzinfo=UTC), 486)  # 81 % of 600
    with use_agency(agency.agency.id):
        assert send_due(now) == 1
        assert send_due(now) == 0
    drain()
    recipients = sorted(m["To"] for m in mail.messages)
    assert recipients == ["client@alpha.example", "manager@alpha.example", "owner@alpha.example"]
    assert all("80%" in m["Subject"] for m in mail.messages)
    work(agency, datetime(2026, 11, 3, 9, tzinfo=UTC), 120)
    with use_agency(agency.agency.id):
        assert send_due(now) == 1
        assert send_due(now) == 0
        thresholds = db.session.scalars(select(HoursAlert.threshold)).all()
    assert sorted(thresholds) == [80, 100]
    assert rows(HoursAlert, other_agency.agency.id) == []


def test_the_time_that_crosses_a_threshold_tells_at_once_and_a_jump_tells_once(
    app, agency, mail, drain
):
    """No billing run: the entry's own job tells them. From 70 % to 110 % in one entry,
    one email, of 100 %; the 80 % is never told later."""
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=UTC))
    try:
        work(agency, datetime(2026, 11, 2, 9, tzinfo=UTC), 420)  # 70 % of 600
        drain()
        assert mail.messages == []
        work(agency, datetime(2026, 11, 3, 9, tzinfo=UTC), 240)  # 110 %
        drain()
        subjects = {m["Subject"] for m in mail.messages}
        assert subjects == {"Alpha Client has used 100% of the included hours"}
        assert len(mail.messages) == 3  # the client and the two managers
        with use_agency(agency.agency.id):
            assert send_due() == 0  # the billing run finds nothing left to tell
            thresholds = db.session.scalars(select(HoursAlert.threshold)).all()
        assert sorted(thresholds) == [80, 100]
    finally:
        clock.freeze(None)
