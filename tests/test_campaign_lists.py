"""A client's saved lists: a name for an audience, counted as it stands, chosen for a
campaign instead of writing the audience out; bad input and another client's list are
refused and change nothing; on the desk too."""

from datetime import timedelta

from agency.domains.clients.models import Client
from agency.domains.promotions.models import Campaign, Segment
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import post_form, rows, sign_in
from tests.test_campaigns import _approved, _consent, _contacts, _start


def _tagged(client, agency):
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    manager = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}/contacts"
    for email, tags in (("ana@customers.example", ["vip"]), ("carla@partners.example", ["vip"])):
        assert manager("PATCH", f"{base}/{contacts[email]}", {"tags": tags}).status_code == 200


def test_a_saved_list_is_the_campaigns_audience(client, app, agency, mail, drain):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    _tagged(client, agency)
    office = api_as(client, agency.secretary)
    lists = f"/api/v1/clients/{agency.client.id}/lists"
    made = office(
        "POST", lists, {"name": " VIP  customers ", "tags": ["VIP"], "kinds": ["customer"]}
    )
    assert made.status_code == 201, made.json
    assert (made.json["name"], made.json["tags"], made.json["count"]) == (
        "VIP customers",
        ["vip"],
        1,
    )

    for bad, status in (
        ({"name": "vip customers"}, 409),  # the same name, in other letters
        ({"name": "   "}, 422),
        ({"name": "Odd", "kinds": ["alien"]}, 422),
        ({"name": "Odd", "quiet_for_days": 0}, 422),
        ({"tags": ["x"]}, 422),
    ):
        refused = office("POST", lists, bad)
        assert refused.status_code == status, (bad, refused.json)
        assert refused.json["error"]["message"]
    assert len(rows(Segment, agency.agency.id)) == 1
    assert api_as(client, agency.client_user)("POST", lists, {"name": "Mine"}).status_code == 403

    widened = office("PUT", f"{lists}/{made.json['id']}", {"name": "VIP", "tags": ["vip"]})
    assert (widened.json["name"], widened.json["count"]) == ("VIP", 2)
    # Another client's list is refused for this client's campaign, and nothing is kept.
    with use_agency(agency.agency.id):
        other = Client(name="Other Client", timezone="UTC", agency_id=agency.agency.id)
        db.session.add(other)
        db.session.flush()
        theirs = Segment(client_id=other.id, name="Theirs", criteria={}, agency_id=other.agency_id)
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    db.session.remove()
    assert office("PUT", f"{lists}/{theirs_id}", {"name": "Taken"}).status_code == 404
    wrong = office("POST", f"/api/v1/clients/{agency.client.id}/campaigns", {
        "subject": "S", "body": "B", "list_id": theirs_id,
        "send_at": (clock.now() + timedelta(hours=1)).isoformat()})  # fmt: skip
    assert wrong.status_code == 422 and "list_id" in wrong.json["error"]["fields"]
    assert rows(Campaign, agency.agency.id) == []

    _approved(client, agency, list_id=made.json["id"], tags=["nobody-has-this"])
    _start(app, agency)
    drain()
    got = sorted(m["X-Envelope-To"] for m in mail.messages)
    assert got == ["ana@customers.example", "carla@partners.example"]
    assert office("DELETE", f"{lists}/{made.json['id']}").status_code == 204
    assert office("GET", lists).json == []
    [campaign] = rows(Campaign, agency.agency.id)
    assert campaign.audience["tags"] == ["vip"]  # the campaign keeps its audience


def test_saved_lists_on_the_desk(client, app, agency):
    _tagged(client, agency)
    desk = app.test_client()
    sign_in(desk, agency.secretary)
    page = f"/desk/campaigns/{agency.client.id}"
    empty = post_form(desk, f"{page}/lists", {"name": ""}, page=page)
    assert empty.status_code == 422 and rows(Segment, agency.agency.id) == []
    saved = post_form(desk, f"{page}/lists", {"name": "VIP", "tags": "vip"}, page=page)
    assert saved.status_code == 302
    shown = desk.get(page).get_data(as_text=True)
    [list_id] = [s.id for s in rows(Segment, agency.agency.id)]
    assert f'data-list="{list_id}"' in shown and "VIP" in shown
    offer = {"subject": "Hello {first_name}", "body": "Our offer", "send_at": "2099-01-05T09:00"}
    made = post_form(desk, page, {**offer, "list_id": str(list_id)})
    assert made.status_code == 302
    [campaign] = rows(Campaign, agency.agency.id)
    assert campaign.audience["tags"] == ["vip"]
    gone = post_form(desk, f"{page}/lists/{list_id}/delete", {}, page=page)
    assert gone.status_code == 302 and rows(Segment, agency.agency.id) == []
