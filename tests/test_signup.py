"""An agency signs itself up, from the web and the API."""

from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.kernel.database import db
from tenants import directory, use_agency
from tests.conftest import post_form

SIGNUP = {
    "name": "Lumen Office Services",
    "slug": "lumen",
    "timezone": "Europe/Amsterdam",
    "locale": "nl",
    "currency": "EUR",
    "owner_name": "Lotte de Vries",
    "owner_email": "lotte@lumen.example",
    "owner_password": "a-long-password-1",
}


def _agency_count():
    return len(directory.agency_ids())


def test_signup_creates_the_agency_and_lands_the_owner_in_the_console(client):
    response = post_form(client, "/signup", SIGNUP)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/")
    console = client.get("/console/")
    assert "Lumen Office Services" in console.get_data(as_text=True)
    agency = directory.agency_at("lumen")
    assert (agency.timezone, agency.locale, agency.currency) == ("Europe/Amsterdam", "nl", "EUR")
    with use_agency(agency.id):
        owner = db.session.scalar(select(User))
        assert owner.role == Role.owner
        assert owner.password_hash.startswith("$argon2id$")


def test_signup_with_bad_fields_shows_them_and_writes_nothing(client):
    bad = {**SIGNUP, "slug": "No Spaces!", "timezone": "Mars/Olympus", "owner_password": "short"}
    response = post_form(client, "/signup", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown time zone: Mars/Olympus." in page
    assert "Use at least 10 characters." in page
    assert "lowercase letters" in page
    assert _agency_count() == 0


def test_a_taken_slug_is_refused(client, agency):
    response = post_form(client, "/signup", {**SIGNUP, "slug": "alpha"})
    assert response.status_code == 409
    assert "That address is taken." in response.get_data(as_text=True)
    assert _agency_count() == 1


def test_api_signup_returns_201_with_the_agency_and_owner(client):
    body = {k: SIGNUP[k] for k in ("name", "slug", "owner_name", "owner_email", "owner_password")}
    response = client.post("/api/v1/agencies", json=body)
    assert response.status_code == 201, response.json
    assert response.json["agency"]["slug"] == "lumen"
    assert response.json["owner"]["email"] == "lotte@lumen.example"
    assert "owner_password" not in response.json["owner"]
    assert _agency_count() == 1


def test_api_validation_error_is_structured_and_writes_nothing(client):
    response = client.post(
        "/api/v1/agencies",
        json={"name": "X", "slug": "x y", "owner_email": "nope", "owner_password": "1"},
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) >= {"slug", "owner_email", "owner_password", "owner_name", "name"}
    assert error["fields"]["owner_name"] == ["This field is required."]
    assert _agency_count() == 0


def test_api_malformed_json_is_a_clear_400(client):
    response = client.post(
        "/api/v1/agencies", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["message"] == "The body is not a JSON object."
    assert _agency_count() == 0
