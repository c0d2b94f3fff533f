"""The client's contacts as suppliers and press: a contact's log gathers every call,
message, email, meeting, note and piece of work with them; work about a contact is due
when the desk says; a journalist who calls brings the client's press instructions onto
the screen pop; bad input changes nothing."""

from datetime import UTC, datetime

import pytest

from agency.domains.calls import history
from agency.domains.calls.models import Message
from agency.domains.clients.models import Client, ContactNote
from agency.domains.mail import drafting
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import post_form, rows
from tests.test_mail import deliver, message

NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SUPPLIER = {"name": "Rui Duarte", "company": "Papelaria Central", "kind": "supplier",
            "email": "rui@papelaria.example", "phone": "+351912000111",
            "orders": "Paper and toner", "account_number": "C-2231"}  # fmt: skip


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def add_contact(client, team, values) -> int:
    made = api_as(client, team.manager)(
        "POST", f"/api/v1/clients/{team.client.id}/contacts", values
    )
    assert made.status_code == 201, made.json
    return made.json["id"]


def test_a_suppliers_log_gathers_everything_done_with_them(client, lisbon, inbox, login_as):
    contact_id = add_contact(client, lisbon, SUPPLIER)
    key, address = inbox
    deliver(client, key, message(address, subject="Your toner order",
                                 sender="Rui Duarte <rui@papelaria.example>"))  # fmt: skip
    with use_agency(lisbon.agency.id):
        client_record = db.session.get(Client, lisbon.client.id)
        history.record_call(
            {
                "call_sid": "CA-rui",
                "client_id": lisbon.client.id,
                "from_number": "+351912000111",
                "to_number": "+351210000123",
                "action": "ring_secretaries",
                "rule": "secretaries",
            }
        )
        db.session.add(
            Message(
                client_id=lisbon.client.id,
                caller_name="Rui",
                number="+351912000111",
                reason="The toner is late",
            )
        )
        db.session.commit()
        drafting.send_for_client(client_record, "rui@papelaria.example", "Order 118", "Thanks")
    db.session.remove()  # fmt: skip
    meeting = api_as(client, lisbon.manager)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/events",
        {"kind": "meeting", "title": "Supply review", "starts_at": "2027-03-03T10:00:00",
         "ends_at": "2027-03-03T11:00:00",
         "attendees": [{"email": "rui@papelaria.example", "name": "Rui"}]},
    )  # fmt: skip
    assert meeting.status_code == 201

    http = login_as(lisbon.secretary)
    page = f"/desk/contacts/{lisbon.client.id}/{contact_id}"
    shown = http.get(page).get_data(as_text=True)
    assert "Paper and toner" in shown and "C-2231" in shown
    empty = post_form(http, f"{page}/notes", {"text": " "}, page=page)
    assert empty.status_code == 422 and rows(ContactNote, lisbon.agency.id) == []
    assert post_form(http, f"{page}/notes", {"text": "Prefers calls"}, page=page).status_code == 302
    before = len(rows(WorkItem, lisbon.agency.id))
    late = post_form(http, f"{page}/work", {"title": "Ask Rui about the toner", "kind": "supplier",
                                            "due": "tomorrow"}, page=page)  # fmt: skip
    assert late.status_code == 422 and "YYYY-MM-DD HH:MM" in late.get_data(as_text=True)
    assert len(rows(WorkItem, lisbon.agency.id)) == before
    work = post_form(http, f"{page}/work", {"title": "Ask Rui about the toner", "kind": "supplier",
                                            "due": "2027-03-01 15:00"}, page=page)  # fmt: skip
    assert work.status_code == 302, work.get_data(as_text=True)
    items = rows(WorkItem, lisbon.agency.id)
    assert len(items) == before + 1
    [task] = [i for i in items if i.title == "Ask Rui about the toner"]
    assert (task.contact_id, task.kind) == (contact_id, "supplier")
    assert task.sla_due_at == datetime(2027, 3, 1, 15, tzinfo=UTC)  # 15:00 in Lisbon (WET)

    log = api_as(client, lisbon.secretary)(
        "GET", f"/api/v1/clients/{lisbon.client.id}/contacts/{contact_id}/log"
    ).json
    kinds = {entry["kind"] for entry in log}
    assert kinds == {"call", "message", "email_in", "email_out", "meeting", "note", "work"}
    texts = {entry["text"] for entry in log}
    assert {"Your toner order", "Order 118", "Supply review", "Prefers calls",
            "The toner is late", "Ask Rui about the toner"} <= texts  # fmt: skip
    refused = api_as(client, lisbon.client_user)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/contacts/{contact_id}/notes", {"text": "x"}
    )
    assert refused.status_code == 403


def test_a_journalist_calling_brings_the_press_instructions_onto_the_screen_pop(
    client, lisbon, login_as
):
    add_contact(client, lisbon, {"name": "Joana Reis", "kind": "press", "phone": "+351933000222",
                                 "outlet": "Jornal de Negócios", "beat": "health"})  # fmt: skip
    with use_agency(lisbon.agency.id):
        db.session.get(
            Client, lisbon.client.id
        ).press_instructions = "Never comment on the merger; refer to Dr. Silva."
        db.session.commit()
        history.record_call(
            {
                "call_sid": "CA-press",
                "client_id": lisbon.client.id,
                "from_number": "+351933000222",
                "to_number": "+351210000123",
                "action": "ring_secretaries",
                "rule": "secretaries",
            }
        )
    db.session.remove()  # fmt: skip
    pops = login_as(lisbon.secretary).get("/desk/calls/pops").get_data(as_text=True)
    assert "Caller: Joana Reis" in pops and "Jornal de Negócios" in pops
    assert "Never comment on the merger; refer to Dr. Silva." in pops


def test_work_about_another_clients_contact_is_refused(client, lisbon, other_agency):
    theirs = add_contact(client, other_agency, {"name": "Bravo Person", "kind": "press"})
    answer = api_as(client, lisbon.manager)(
        "POST", "/api/v1/work-items/",
        {"client_id": lisbon.client.id, "contact_id": theirs, "kind": "press", "title": "x"},
    )  # fmt: skip
    assert answer.status_code == 422 and "contact_id" in answer.json["error"]["fields"]
    assert rows(WorkItem, lisbon.agency.id) == []
