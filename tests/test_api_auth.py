"""Bearer tokens for the API: issued hashed, listed, revoked; cookies never authenticate it."""

import hashlib

from sqlalchemy import select

from agency.domains.accounts.models import ApiToken, User
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in


def _token(client, user) -> str:
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return response.json["token"]


def test_a_token_authenticates_the_api_and_is_stored_hashed(client, agency):
    token = _token(client, agency.owner)
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["email"] == agency.owner.email
    with use_agency(agency.agency.id):
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_wrong_password_gets_no_token(client, agency):
    response = client.post(
        "/api/v1/auth/token", json={"email": agency.owner.email, "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_login"
    assert response.json["error"]["message"] == "Wrong email or password."


def test_missing_or_bad_tokens_are_401(client, agency):
    assert client.get("/api/v1/users/me").status_code == 401
    bad = client.get("/api/v1/users/me", headers={"Authorization": "Bearer sec_1_forged"})
    assert bad.status_code == 401
    assert bad.json["error"]["message"] == "Sign in first."


def test_a_session_cookie_does_not_authenticate_the_api(client, agency):
    sign_in(client, agency.owner)
    assert client.get("/api/v1/users/me").status_code == 401


def test_a_revoked_token_stops_working(client, agency):
    token = _token(client, agency.owner)
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/auth/tokens", headers=headers).json
    revoked = client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_tokens_are_created_and_revoked_in_the_settings_page(client, agency):
    sign_in(client, agency.manager)
    post_form(client, "/account/tokens", {"name": "Zapier"}, page="/account")
    page = client.get("/account").get_data(as_text=True)
    assert "Zapier" in page and 'id="new-token"' in page
    assert 'id="new-token"' not in client.get("/account").get_data(as_text=True)


def test_managers_only_endpoints_refuse_secretaries(client, agency):
    token = _token(client, agency.secretary)
    response = client.get("/api/v1/users/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_an_invitation_through_the_api_is_emailed(client, agency, mail, drain):
    token = _token(client, agency.owner)
    response = client.post(
        "/api/v1/invitations/",
        json={"email": "piet@alpha.example", "name": "Piet", "role": "manager"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    drain()
    assert "/invitations/" in mail.wait_for("piet@alpha.example").get_payload()


def test_the_openapi_document_lists_the_api(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Secretariat API"
    for path in ("/api/v1/auth/token", "/api/v1/agencies", "/api/v1/users/me"):
        assert path in spec["paths"], path
    body = spec["paths"]["/api/v1/agencies"]["post"]["requestBody"]
    assert "application/json" in body["content"]


def test_the_openapi_document_describes_the_work_queue(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    item = "/api/v1/work-items/{item_id}"
    assert set(paths["/api/v1/work-items/"]) >= {"get", "post"}
    assert set(paths[item]) >= {"get", "patch"}
    for action in ("claim", "start", "pause", "wait", "handback", "escalate", "complete"):
        assert "post" in paths[f"{item}/{action}"], action
    for action in ("assign", "cancel"):
        assert "application/json" in paths[f"{item}/{action}"]["post"]["requestBody"]["content"]
    assert "post" in paths["/api/v1/desk/next"]
    assert set(paths["/api/v1/desk/shift"]) >= {"get", "put"}
    assert "put" in paths["/api/v1/secretaries/{secretary_id}/shift"]
    assert set(paths["/api/v1/recurring-rules/"]) >= {"get", "post"}


def test_a_bearer_of_another_agency_beside_a_session_cookie_speaks_for_the_bearer(
    app, agency, other_agency
):
    """The cookie's user (another agency, German) neither breaks nor colours the answer."""
    bare, with_cookie = app.test_client(), app.test_client()
    token = _token(bare, other_agency.owner)
    with use_agency(agency.agency.id):
        db.session.get(User, agency.owner.id).locale = "de"
        db.session.commit()
    sign_in(with_cookie, agency.owner)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "pt"}
    me = with_cookie.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.json["email"] == other_agency.owner.email
    missing = with_cookie.get("/api/v1/clients/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json == bare.get("/api/v1/clients/999999", headers=headers).json
