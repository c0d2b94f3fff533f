"""Invitations and password resets, delivered to a real SMTP server."""

import re

from sqlalchemy import select

from agency.domains.accounts.models import ApiToken, Invitation, Role, User
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in
from tests.mailbox import body


def _link(message, path: str) -> str:
    match = re.search(r"http://localhost(/\S+)", body(message))
    assert match and path in match.group(1), body(message)
    return match.group(1)


def _invite(client, agency, **fields):
    sign_in(client, agency.owner)
    data = {"name": "Sanne Bakker", "email": "sanne@alpha.example", "role": "secretary", **fields}
    return post_form(client, "/console/team/invitations", data, page="/console/team")


def test_an_invited_secretary_accepts_and_lands_on_the_desk(app, client, agency, mail, drain):
    response = _invite(client, agency)
    assert response.status_code == 302
    assert mail.messages == []  # sent by the queue, not the request
    assert drain() >= 1
    message = mail.wait_for("sanne@alpha.example")
    assert "Alpha" in message["Subject"]
    link = _link(message, "/invitations/")

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert "sanne@alpha.example" in page.get_data(as_text=True)
    accepted = post_form(newcomer, link, {"name": "Sanne Bakker", "password": "a-good-password"})
    assert accepted.headers["Location"].endswith("/desk/")
    assert "Sanne Bakker" in newcomer.get("/desk/").get_data(as_text=True)
    with use_agency(agency.agency.id):
        user = db.session.scalar(select(User).where(User.email == "sanne@alpha.example"))
        assert user.role == Role.secretary
        profile = db.session.scalar(select(Secretary).where(Secretary.user_id == user.id))
        assert profile is not None

    again = post_form(
        app.test_client(), link, {"name": "X", "password": "a-good-password"}, page="/login"
    )
    assert again.status_code == 400


def test_a_client_invitation_needs_a_client(client, agency):
    response = _invite(client, agency, role="client", client_id="")
    assert response.status_code == 422
    assert "Choose the client this person signs in for." in response.get_data(as_text=True)
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(Invitation)).all() == []


def test_an_existing_users_email_cannot_be_invited(client, agency):
    response = _invite(client, agency, email=agency.secretary.email)
    assert response.status_code == 409
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(Invitation)).all() == []


def test_secretaries_cannot_invite(app, agency):
    http = app.test_client()
    sign_in(http, agency.secretary)
    assert http.get("/console/team").status_code == 403


def test_an_expired_invitation_is_refused(app, client, agency, mail, drain):
    app.config["INVITATION_MAX_AGE_SECONDS"] = 0
    _invite(client, agency)
    drain()
    link = _link(mail.wait_for("sanne@alpha.example"), "/invitations/")
    import time

    time.sleep(1.1)
    page = app.test_client().get(link)
    assert page.status_code == 400
    assert "expired" in page.get_data(as_text=True)


def test_password_reset_by_email(app, client, agency, mail, drain):
    response = post_form(client, "/password/forgot", {"email": agency.secretary.email})
    assert "Check your email" in response.get_data(as_text=True)
    drain()
    link = _link(mail.wait_for(agency.secretary.email), "/password/reset/")
    done = post_form(client, link, {"password": "a-brand-new-password"})
    assert done.headers["Location"].endswith("/login")
    sign_in(app.test_client(), agency.secretary, password="a-brand-new-password")
    reused = app.test_client().get(link)
    assert reused.status_code == 400


def test_a_reset_password_ends_the_other_sessions_and_revokes_the_api_tokens(
    app, client, agency, mail, drain
):
    desk = app.test_client()
    sign_in(desk, agency.secretary)
    assert desk.get("/desk/").status_code == 200
    token = (
        app.test_client()
        .post("/api/v1/auth/token", json={"email": agency.secretary.email, "password": PASSWORD})
        .json["token"]
    )
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/users/me", headers=bearer).status_code == 200

    post_form(client, "/password/forgot", {"email": agency.secretary.email})
    drain()
    link = _link(mail.wait_for(agency.secretary.email), "/password/reset/")
    post_form(client, link, {"password": "a-brand-new-password"})

    assert desk.get("/desk/").status_code == 302  # signed out: back to the login page
    assert app.test_client().get("/api/v1/users/me", headers=bearer).status_code == 401
    with use_agency(agency.agency.id):
        assert all(t.revoked_at for t in db.session.scalars(select(ApiToken)))
    fresh = app.test_client()
    sign_in(fresh, agency.secretary, password="a-brand-new-password")
    assert fresh.get("/desk/").status_code == 200


def test_password_reset_for_an_unknown_email_sends_nothing(client, agency, mail, drain):
    response = post_form(client, "/password/forgot", {"email": "ghost@nowhere.example"})
    assert response.status_code == 200
    assert drain() == 0
    assert mail.messages == []
