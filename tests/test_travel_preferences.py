"""The travel part of the instruction sheet: the client keeps their preferences, passport
and loyalty numbers (encrypted at rest, never shown back); their own secretary and the
managers read them with a reason, each reading audited for the client to see; nobody
else reads them, and bad input changes nothing."""

from sqlalchemy import text

from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.staff.models import Secretary
from agency.domains.travel.models import TravelPreferences, TravelReveal
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import PASSWORD, post_form, rows, sign_in, snapshot

PASSPORT = {"name": "RITA SILVA", "number": "CB123456", "nationality": "Portuguese",
            "expires_on": "2031-05-01"}  # fmt: skip


def test_the_client_keeps_a_passport_that_is_encrypted_and_never_shown_back(client, agency):
    mine = api_as(client, agency.client_user)
    path = f"/api/v1/clients/{agency.client.id}/travel-preferences"
    miles = [{"programme": "Miles&Go", "number": "TP998877"}]
    saved = mine("PUT", path, {"seat": "aisle", "cabin": "business", "airlines": ["TAP"],
                               "passport": PASSPORT, "loyalty": miles})  # fmt: skip
    assert saved.status_code == 200, saved.json
    assert saved.json["has_passport"] and saved.json["loyalty_programmes"] == 1
    assert "CB123456" not in saved.get_data(as_text=True)
    assert "TP998877" not in saved.get_data(as_text=True)
    with use_agency(agency.agency.id):
        stored = db.session.execute(text("SELECT passport, loyalty FROM travel_preferences")).one()
    db.session.remove()
    assert "CB123456" not in stored[0] and "TP998877" not in stored[1]  # encrypted at rest
    page = api_as(client, agency.secretary)("GET", path)
    assert page.json["seat"] == "aisle" and "CB123456" not in page.get_data(as_text=True)
    refused = mine("POST", f"{path}/reveal", {"what": "passport", "reason": "mine"})
    assert refused.status_code == 403 and rows(TravelReveal, agency.agency.id) == []

    for bad, field in (
        ({"passport": {**PASSPORT, "expires_on": "2020-01-01"}}, "passport"),
        ({"passport": {**PASSPORT, "number": "CB-12/34"}}, "passport"),
        ({"passport": {"name": "Rita"}}, "passport"),
        ({"seat": "middle"}, "seat"),
        ({"loyalty": [{"programme": "X"}]}, "loyalty"),
    ):
        answer = mine("PUT", path, bad)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], bad
    [kept] = rows(TravelPreferences, agency.agency.id)
    assert kept.seat == "aisle" and "CB123456" in kept.passport


def test_the_clients_secretary_reads_the_passport_with_a_reason_and_the_client_sees_it(
    client, app, agency, login_as
):
    api_as(client, agency.client_user)(
        "PUT", f"/api/v1/clients/{agency.client.id}/travel-preferences", {"passport": PASSPORT}
    )
    http = login_as(agency.secretary)
    page = f"/desk/travel/{agency.client.id}/preferences"
    shown = http.get(page)
    assert shown.status_code == 200 and "CB123456" not in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    reasonless = post_form(http, f"{page}/reveal", {"what": "passport", "reason": " "}, page=page)
    assert reasonless.status_code == 422 and "CB123456" not in reasonless.get_data(as_text=True)
    assert rows(TravelReveal, agency.agency.id) == []
    revealed = post_form(http, f"{page}/reveal",
                         {"what": "passport", "reason": "Booking the flight to Munich"},
                         page=page)  # fmt: skip
    html = revealed.get_data(as_text=True)
    assert revealed.status_code == 200 and "CB123456" in html and 'id="revealed"' in html
    [audit] = rows(TravelReveal, agency.agency.id)
    assert (audit.what, audit.reason, audit.user_id) == (
        "passport", "Booking the flight to Munich", agency.secretary.id,
    )  # fmt: skip
    assert audit.address == "127.0.0.1"
    assert "CB123456" not in http.get(page).get_data(as_text=True)  # shown once only

    portal = app.test_client()
    sign_in(portal, agency.client_user)
    listed = portal.get("/portal/trips/preferences").get_data(as_text=True)
    assert "Booking the flight to Munich" in listed and "CB123456" not in listed
    reveals = api_as(client, agency.manager)(
        "GET", f"/api/v1/clients/{agency.client.id}/travel-preferences/reveals"
    ).json
    assert [r["reason"] for r in reveals] == ["Booking the flight to Munich"]


def test_a_secretary_who_does_not_serve_the_client_cannot_read_it(client, agency):
    with use_agency(agency.agency.id):
        user = User(email="other@alpha.example", name="Other Secretary", role=Role.secretary,
                    password_hash=hash_password(PASSWORD))  # fmt: skip
        db.session.add(user)
        db.session.flush()
        db.session.add(Secretary(user_id=user.id, name="Other Secretary", email=user.email))
        db.session.commit()
        other = snapshot(user)
    db.session.remove()
    answer = api_as(client, other)(
        "POST", f"/api/v1/clients/{agency.client.id}/travel-preferences/reveal",
        {"what": "passport", "reason": "curious"},
    )  # fmt: skip
    assert answer.status_code in (403, 404)
    assert rows(TravelReveal, agency.agency.id) == []
    manager = api_as(client, agency.manager)(
        "POST", f"/api/v1/clients/{agency.client.id}/travel-preferences/reveal",
        {"what": "loyalty", "reason": "Adding the miles to the booking"},
    )  # fmt: skip
    assert manager.status_code == 200 and manager.json == {"what": "loyalty", "value": None}
    assert manager.headers["Cache-Control"] == "no-store"
    assert len(rows(TravelReveal, agency.agency.id)) == 1


def test_the_client_fills_in_their_preferences_in_the_portal(client, agency, login_as):
    http = login_as(agency.client_user)
    page = "/portal/trips/preferences"
    form = {"seat": "window", "cabin": "", "airlines": "TAP, Lufthansa", "hotel_chains": "",
            "notes": "Vegetarian meals", "loyalty": "Miles&Go, TP998877\nMiles&More, 9920",
            "passport_name": "RITA SILVA", "passport_number": "cb 123456",
            "passport_nationality": "Portuguese", "passport_expires_on": "2031-05-01"}  # fmt: skip
    expired = post_form(http, page, {**form, "passport_expires_on": "2020-01-01"}, page=page)
    assert expired.status_code == 422 and "This passport has expired." in expired.get_data(
        as_text=True
    )
    assert rows(TravelPreferences, agency.agency.id) == []
    saved = post_form(http, page, form, page=page)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    [kept] = rows(TravelPreferences, agency.agency.id)
    assert (kept.seat, kept.cabin, kept.airlines) == ("window", None, ["TAP", "Lufthansa"])
    assert '"number": "CB123456"' in kept.passport and "Miles&More" in kept.loyalty
    shown = http.get(page).get_data(as_text=True)
    assert "CB123456" not in shown and "TP998877" not in shown
    assert "Loyalty programmes kept: 2." in shown
    # Saving again without typing them keeps the secrets.
    blank = {k: "" for k in form if k.startswith(("passport", "loyalty"))}
    again = post_form(http, page, {**form, **blank, "seat": "aisle"}, page=page)
    assert again.status_code == 302
    [kept] = rows(TravelPreferences, agency.agency.id)
    assert kept.seat == "aisle" and "CB123456" in kept.passport
