"""A client's people: the client's full user invites colleagues to the portal with full
or limited access; limited access opens messages, calls, mail and the calendar, never
billing, the contract, the instructions or the portal's people; on every surface."""

import pytest
from sqlalchemy import select

from agency.domains.accounts.models import Invitation, User
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in
from tests.test_invitations import _link

pytestmark = pytest.mark.sqlite

CLOSED_TO_LIMITED = (
    "/portal/invoices",
    "/portal/calls/rules",
    "/portal/onboarding",
    "/portal/team",
    "/portal/vault",
    "/portal/sites",
)
OPEN_TO_LIMITED = ("/portal/", "/portal/calls/", "/portal/mail/", "/portal/calendar")


def _person(agency_id, email):
    with use_agency(agency_id):
        return db.session.scalar(select(User).where(User.email == email))


def _colleague(app, agency, mail, drain, access="limited", email="lena@client.example"):
    """The client's full user invites a colleague from the portal; she accepts."""
    http = app.test_client()
    sign_in(http, agency.client_user)
    sent = post_form(
        http,
        "/portal/team/invitations",
        {"name": "Lena Client", "email": email, "client_access": access},
        page="/portal/team",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    drain()
    link = _link(mail.wait_for(email), "/invitations/")
    newcomer = app.test_client()
    accepted = post_form(newcomer, link, {"name": "Lena Client", "password": "a-good-password"})
    assert accepted.headers["Location"].endswith("/portal/")
    return http, newcomer


def test_a_limited_colleague_sees_the_days_work_and_nothing_of_billing(app, agency, mail, drain):
    owner, lena = _colleague(app, agency, mail, drain)
    person = _person(agency.agency.id, "lena@client.example")
    assert (person.role, person.client_id, person.client_access) == (
        "client", agency.client.id, "limited"
    )  # fmt: skip
    for path in OPEN_TO_LIMITED:
        assert lena.get(path).status_code == 200, path
    for path in CLOSED_TO_LIMITED:
        page = lena.get(path)
        assert page.status_code == 403, path
        assert "limited to messages, calls, mail and the calendar" in page.get_data(as_text=True)
    home = lena.get("/portal/").get_data(as_text=True)
    assert 'id="hours"' not in home and "/portal/invoices" not in home
    assert 'id="mail-rules"' not in lena.get("/portal/mail/").get_data(as_text=True)
    refused = post_form(
        lena, "/portal/team/invitations", {"name": "X", "email": "x@y.example"}, page="/portal/"
    )
    assert refused.status_code == 403
    full_home = owner.get("/portal/").get_data(as_text=True)
    assert 'id="hours"' in full_home and "/portal/invoices" in full_home

    # The full user gives her full access: billing opens.
    team = owner.get("/portal/team").get_data(as_text=True)
    assert "Lena Client" in team and "Limited: messages, calls, mail and calendar" in team
    post_form(
        owner, f"/portal/team/{person.id}/access", {"client_access": "full"}, page="/portal/team"
    )
    assert lena.get("/portal/invoices").status_code == 200


def test_nobody_changes_her_own_access_and_bad_values_change_nothing(app, agency, mail, drain):
    owner, _lena = _colleague(app, agency, mail, drain)
    person = _person(agency.agency.id, "lena@client.example")
    bad = post_form(
        owner, f"/portal/team/{person.id}/access", {"client_access": "admin"}, page="/portal/team"
    )
    assert bad.status_code == 422
    own = post_form(
        owner,
        f"/portal/team/{agency.client_user.id}/access",
        {"client_access": "limited"},
        page="/portal/team",
    )
    assert own.status_code == 409
    assert "cannot change your own access" in own.get_data(as_text=True)
    assert _person(agency.agency.id, agency.client_user.email).client_access == "full"
    assert _person(agency.agency.id, "lena@client.example").client_access == "limited"


def test_a_client_invites_only_to_her_own_portal(app, agency, other_agency, mail, drain):
    http = app.test_client()
    sign_in(http, agency.client_user)
    sent = post_form(
        http,
        "/portal/team/invitations",
        {"name": "Max", "email": "max@client.example", "client_access": "full",
         "role": "manager", "client_id": str(other_agency.client.id)},
        page="/portal/team",
    )  # fmt: skip
    assert sent.status_code == 302
    with use_agency(agency.agency.id):
        [invitation] = db.session.scalars(select(Invitation)).all()
        assert (invitation.role, invitation.client_id) == ("client", agency.client.id)
    # Another agency's person of the same role never sees nor changes ours.
    with use_agency(other_agency.agency.id):
        assert db.session.scalars(select(Invitation)).all() == []
    stranger = app.test_client()
    sign_in(stranger, other_agency.client_user)
    answer = post_form(
        stranger,
        f"/portal/team/{agency.client_user.id}/access",
        {"client_access": "limited"},
        page="/portal/team",
    )
    assert answer.status_code == 404
    assert _person(agency.agency.id, agency.client_user.email).client_access == "full"


def test_the_api_gives_full_users_their_people_and_refuses_limited_ones_billing(
    app, client, agency, mail, drain
):
    _colleague(app, agency, mail, drain)

    def token(email):
        issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        return {"Authorization": f"Bearer {issued.json['token']}"}

    full = token(agency.client_user.email)
    limited = client.post(
        "/api/v1/auth/token", json={"email": "lena@client.example", "password": "a-good-password"}
    ).json["token"]
    limited = {"Authorization": f"Bearer {limited}"}
    approvals = f"/api/v1/clients/{agency.client.id}/overage-approvals"
    assert client.get(approvals, headers=full).status_code == 200
    refused = client.get(approvals, headers=limited)
    assert refused.status_code == 403 and "full access" in refused.json["error"]["message"]

    people = client.get("/api/v1/users/", headers=full).json
    assert {p["email"]: p["client_access"] for p in people} == {
        agency.client_user.email: "full", "lena@client.example": "limited"
    }  # fmt: skip
    assert client.get("/api/v1/users/", headers=limited).status_code == 403
    for closed in ("vault", "sites"):
        path = f"/api/v1/clients/{agency.client.id}/{closed}"
        assert client.get(path, headers=full).status_code == 200
        assert client.get(path, headers=limited).status_code == 403, path
    lena = next(p for p in people if p["email"] == "lena@client.example")
    changed = client.patch(
        f"/api/v1/users/{lena['id']}/access", json={"client_access": "full"}, headers=full
    )
    assert changed.status_code == 200 and changed.json["client_access"] == "full"
    bad = client.patch(
        f"/api/v1/users/{lena['id']}/access", json={"client_access": "x"}, headers=full
    )
    assert bad.status_code == 422
    invited = client.post(
        "/api/v1/invitations/",
        json={
            "name": "Ana",
            "email": "ana@client.example",
            "role": "owner",
            "client_access": "limited",
        },
        headers=full,
    )
    assert invited.status_code == 201, invited.json
    assert (invited.json["role"], invited.json["client_id"], invited.json["client_access"]) == (
        "client", agency.client.id, "limited"
    )  # fmt: skip
    manager = token(agency.manager.email)
    assert (
        client.patch(
            f"/api/v1/users/{lena['id']}/access", json={"client_access": "limited"}, headers=manager
        ).json["client_access"]
        == "limited"
    )
