"""The client's instructions are one sheet: the urgent words of the call rules also make
an email urgent, VIP numbers and VIP contacts are one VIP list for calls and mail, and
blocking a caller calls off their open call-back items."""

import pytest

from agency.domains.calls import services
from agency.domains.clients.models import Client
from agency.domains.clients.services import create_contact
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows
from tests.test_mail import deliver, message

pytestmark = pytest.mark.sqlite


@pytest.fixture
def api(client, agency):
    return api_as(client, agency.manager)


def test_an_urgent_word_of_the_call_rules_makes_an_email_urgent(client, agency, inbox, api):
    key, address = inbox
    saved = api(
        "PATCH", f"/api/v1/clients/{agency.client.id}/call-rules", {"urgent_keywords": ["flood"]}
    )
    assert saved.status_code == 200, saved.json
    calm = deliver(client, key, message(address, subject="A quote", message_id="<a@x.example>"))
    assert calm.triage == "reply"
    urgent = deliver(
        client, key, message(address, subject="FLOOD in the cellar", message_id="<b@x.example>")
    )
    assert urgent.triage == "urgent"
    priorities = sorted(item.priority for item in rows(WorkItem, agency.agency.id))
    assert priorities == ["normal", "urgent"]


def test_a_vip_number_makes_its_contact_a_vip_by_email_and_on_the_rules_page(
    client, agency, inbox, api, login_as
):
    key, address = inbox
    with use_agency(agency.agency.id):
        owner = db.session.get(Client, agency.client.id)
        create_contact(
            owner, {"name": "Pat Buyer", "email": "pat@buyer.example", "phone": "+442079460001"}
        )
        create_contact(
            owner, {"name": "Quinn Other", "email": "quinn@other.example", "phone": "+442079460002"}
        )
    assert deliver(client, key, message(address)).triage == "reply"
    api(
        "PATCH",
        f"/api/v1/clients/{agency.client.id}/call-rules",
        {"vip_numbers": ["+442079460001"]},
    )
    second = message(address, subject="Another", message_id="<m2@buyer.example>")
    assert deliver(client, key, second).triage == "urgent"
    with use_agency(agency.agency.id):
        assert [c.name for c in services.vip_contacts(agency.client.id)] == ["Pat Buyer"]
    page = login_as(agency.manager).get(f"/console/calls/clients/{agency.client.id}")
    vip_list = page.get_data(as_text=True).split('id="vip-list"')[1].split("</article>")[0]
    assert "Pat Buyer" in vip_list and "pat@buyer.example" in vip_list
    assert "Quinn" not in vip_list


def test_blocking_a_caller_calls_off_their_open_callback_items(api, agency, drain):
    for number in ("+442079460123", "+351912000111"):
        made = api(
            "POST",
            "/api/v1/messages/",
            {
                "client_id": agency.client.id,
                "reason": "Call me",
                "number": number,
                "callback_wanted": True,
            },
        )
        assert made.status_code == 201, made.json
    drain()
    rules = f"/api/v1/clients/{agency.client.id}/call-rules"
    blocked = api("PATCH", rules, {"block_numbers": ["+4420794601*"]})
    assert blocked.status_code == 200, blocked.json
    items = {item.body.split("\n")[0]: item for item in rows(WorkItem, agency.agency.id)}
    assert items["+442079460123"].status == "cancelled"
    assert items["+351912000111"].status != "cancelled"
    [event] = [e for e in rows(WorkEvent, agency.agency.id) if e.action == "cancel"]
    assert event.item_id == items["+442079460123"].id
    assert "blocked" in str(event.detail)
