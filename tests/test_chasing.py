"""Payments to chase: an invoice the client issued is chased in their name on the
schedule they chose (the first so many days after it falls due, then every so many days,
up to a limit), from their template or a default text, each chase once even when two
jobs run at the same moment, and no more once it is paid or disputed."""

import threading
from datetime import UTC, datetime

import pytest

from agency.domains.clients.models import Client
from agency.domains.mail import writing
from agency.domains.mail.models import Draft
from agency.domains.paperwork import chasing
from agency.domains.paperwork.models import Chase, Receivable
from agency.domains.schedules.tick import run_for_agency
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows

NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
INVOICE = {
    "customer_name": "Casa Verde Lda", "customer_email": "accounts@casaverde.example",
    "number": "2027/014", "amount": "250", "currency": "EUR", "issued_on": "2027-02-08",
    "due_on": "2027-03-10", "first_after_days": 3, "every_days": 7, "chase_limit": 3,
}  # fmt: skip


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)


def chases(agency_id: int) -> list[tuple]:
    return sorted((c.number, c.due_on.isoformat()) for c in rows(Chase, agency_id))


def test_an_invoice_is_chased_on_schedule_once_each_time_and_stops_when_paid(client, lisbon):
    call = api_as(client, lisbon.secretary)
    made = call("POST", f"/api/v1/clients/{lisbon.client.id}/receivables", INVOICE)
    assert made.status_code == 201, made.json
    assert (made.json["amount_minor"], made.json["next_chase_on"]) == (25000, "2027-03-13")
    agency_id = lisbon.agency.id
    run_for_agency(agency_id, at(12, 12))
    run_for_agency(agency_id, at(13, 8, 59))  # before nine on the client's clock
    assert chases(agency_id) == []
    run_for_agency(agency_id, at(13, 9))
    run_for_agency(agency_id, at(13, 9, 1))  # the tick again: nothing twice
    assert chases(agency_id) == [(1, "2027-03-13")]
    [draft] = rows(Draft, agency_id)  # in the client's name, in their mail history
    assert draft.to_address == "accounts@casaverde.example"
    assert draft.subject == "Payment reminder: invoice 2027/014"
    assert "Dear Casa Verde Lda," in draft.body and "€250.00" in draft.body
    assert "Office of Alpha Client" in draft.body
    run_for_agency(agency_id, at(20, 9))
    assert chases(agency_id) == [(1, "2027-03-13"), (2, "2027-03-20")]
    paid = call("POST", f"/api/v1/clients/{lisbon.client.id}/receivables/{made.json['id']}/paid",
                {"on": "2027-03-21"})  # fmt: skip
    assert paid.status_code == 422  # not a day that has come (it is 20 March)
    paid = api_as(client, lisbon.client_user)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/receivables/{made.json['id']}/paid", {}
    )
    assert (paid.json["status"], paid.json["next_chase_on"]) == ("paid", None)
    run_for_agency(agency_id, at(27, 9))
    assert len(chases(agency_id)) == 2 and len(rows(Draft, agency_id)) == 2


@pytest.mark.postgres
def test_two_jobs_at_the_same_moment_send_each_chase_once(app, client, lisbon):
    api_as(client, lisbon.secretary)("POST", f"/api/v1/clients/{lisbon.client.id}/receivables",
                                     INVOICE)  # fmt: skip
    gate, sent = threading.Barrier(2), []

    def job():
        with app.app_context(), use_agency(lisbon.agency.id):
            gate.wait()
            sent.append(chasing.chase_due(at(13, 9)))
            db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 1]
    assert chases(lisbon.agency.id) == [(1, "2027-03-13")]
    assert len(rows(Draft, lisbon.agency.id)) == 1


def test_a_template_writes_the_chase_and_a_dispute_stops_it(client, lisbon):
    with use_agency(lisbon.agency.id):
        template = writing.create_template(
            {"kind": "email", "name": "Late payment", "client_id": lisbon.client.id,
             "subject": "Invoice {invoice_number}",
             "body": "Hello {contact_name}, {invoice_number} ({amount}) was due {due_on}."}
        ).id  # fmt: skip
    db.session.remove()
    call = api_as(client, lisbon.secretary)
    base = f"/api/v1/clients/{lisbon.client.id}/receivables"
    made = call("POST", base, {**INVOICE, "template_id": template}).json
    run_for_agency(lisbon.agency.id, at(13, 9))
    [draft] = rows(Draft, lisbon.agency.id)
    assert draft.subject == "Invoice 2027/014"
    assert draft.body == "Hello Casa Verde Lda, 2027/014 (€250.00) was due March 10, 2027."
    reasonless = call("POST", f"{base}/{made['id']}/disputed", {"reason": ""})
    assert reasonless.status_code == 422
    disputed = call("POST", f"{base}/{made['id']}/disputed", {"reason": "Wrong quantity"})
    assert disputed.json["status"] == "disputed"
    assert call("POST", f"{base}/{made['id']}/paid", {}).status_code == 409
    run_for_agency(lisbon.agency.id, at(20, 9))
    assert len(rows(Draft, lisbon.agency.id)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"customer_email": "not-an-address"}, "customer_email"),
        ({"due_on": "2027-02-01"}, "due_on"),
        ({"template_id": 999999}, "template_id"),
        ({"every_days": 0}, "every_days"),
        ({"number": ""}, "number"),
    ],
)
def test_an_invoice_that_does_not_hold_together_is_refused(client, lisbon, change, field):
    answer = api_as(client, lisbon.secretary)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/receivables", {**INVOICE, **change}
    )
    assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert rows(Receivable, lisbon.agency.id) == []


def test_the_desk_adds_an_invoice_to_chase_and_the_portal_marks_it_paid(
    client, app, lisbon, login_as
):
    from tests.conftest import post_form, sign_in

    http = login_as(lisbon.secretary)
    page = f"/desk/paperwork/{lisbon.client.id}/chasing"
    form = {k: str(v) for k, v in INVOICE.items()}
    wrong = post_form(http, page, {**form, "amount": "2,50.0"}, page=page)
    assert wrong.status_code == 422 and rows(Receivable, lisbon.agency.id) == []
    added = post_form(http, page, form, page=page)
    assert added.status_code == 302, added.get_data(as_text=True)
    shown = http.get(page).get_data(as_text=True)
    assert "Casa Verde Lda" in shown and "Mar 13, 2027" in shown  # the next reminder's day
    [receivable] = rows(Receivable, lisbon.agency.id)
    receivable_id = receivable.id

    portal = app.test_client()
    sign_in(portal, lisbon.client_user)
    assert "Casa Verde Lda" in portal.get("/portal/chasing").get_data(as_text=True)
    paid = post_form(portal, f"/portal/chasing/{receivable_id}/paid", {}, page="/portal/chasing")
    assert paid.status_code == 302
    [receivable] = rows(Receivable, lisbon.agency.id)
    assert (receivable.status, receivable.paid_on.isoformat()) == ("paid", "2027-03-01")


def test_the_client_chooses_the_schedule_and_the_next_reminder_follows_it(client, lisbon, login_as):
    from tests.conftest import post_form

    made = api_as(client, lisbon.secretary)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/receivables", INVOICE
    ).json
    run_for_agency(lisbon.agency.id, at(13, 9))
    http = login_as(lisbon.client_user)
    url = f"/portal/chasing/{made['id']}/schedule"
    bad = post_form(http, url, {"every_days": "0"}, page="/portal/chasing")
    assert bad.status_code == 302
    [kept] = rows(Receivable, lisbon.agency.id)
    assert kept.every_days == 7  # refused: nothing changed
    saved = post_form(http, url, {"first_after_days": "3", "every_days": "14", "chase_limit": "2"},
                      page="/portal/chasing")  # fmt: skip
    assert saved.status_code == 302
    shown = api_as(client, lisbon.client_user)(
        "GET", f"/api/v1/clients/{lisbon.client.id}/receivables/{made['id']}"
    ).json
    assert (shown["every_days"], shown["next_chase_on"]) == (14, "2027-03-27")
    run_for_agency(lisbon.agency.id, at(20, 9))
    assert chases(lisbon.agency.id) == [(1, "2027-03-13")]
    run_for_agency(lisbon.agency.id, at(27, 9))
    run_for_agency(lisbon.agency.id, at(31, 9))
    assert chases(lisbon.agency.id) == [(1, "2027-03-13"), (2, "2027-03-27")]  # at most two
