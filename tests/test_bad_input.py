"""Hostile or malformed input gets a clear 4xx, never a 500, and changes nothing."""

import logging

from sqlalchemy import func, select

from agency.domains.accounts.models import Invitation, User
from agency.domains.billing.models import Expense
from agency.domains.contracts.models import Contract, Plan
from agency.domains.mail.models import ClientMailbox, MailTemplate
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in
from tests.servers import unreachable_redis


def _token(client, user):
    return client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).json[
        "token"
    ]


def test_ids_beyond_the_database_range_are_404(client, agency):
    headers = {"Authorization": f"Bearer {_token(client, agency.owner)}"}
    assert client.get("/api/v1/users/99999999999999999999", headers=headers).status_code == 404
    response = client.post(
        "/api/v1/invitations/",
        json={"email": "a@alpha.example", "name": "A", "role": "client", "client_id": 1e20},
        headers=headers,
    )
    assert response.status_code == 422
    assert "client_id" in response.json["error"]["fields"]


def test_malformed_bearer_tokens_are_401(client, agency):
    for token in ("sec_²_" + "x" * 43, "sec_99999999999999999999_" + "x" * 43, "sec_1_short", ""):
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_a_non_numeric_client_in_the_invite_form_is_a_clear_error(client, agency):
    sign_in(client, agency.owner)
    response = post_form(
        client,
        "/console/team/invitations",
        {"name": "C", "email": "c@alpha.example", "role": "client", "client_id": "abc"},
        page="/console/team",
    )
    assert response.status_code == 422
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(Invitation)).all() == []


def test_emails_are_compared_without_case(client, agency):
    sign_in(client, agency.owner)
    response = post_form(
        client,
        "/console/team/invitations",
        {"name": "S", "email": agency.secretary.email.upper(), "role": "secretary"},
        page="/console/team",
    )
    assert response.status_code == 409
    http = client.application.test_client()
    sign_in(http, type("U", (), {"email": agency.secretary.email.upper()})())


def test_signed_tokens_never_reach_the_logs(app, client, agency, mail, drain, caplog):
    post_form(client, "/password/forgot", {"email": agency.owner.email})
    drain()
    link = mail.wait_for(agency.owner.email).get_payload()
    token = link.split("/password/reset/")[1].split()[0]
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        client.get(f"/password/reset/{token}")
    assert caplog.records
    assert token not in caplog.text


def test_the_export_leaves_out_email_bodies(client, agency, mail, drain):
    post_form(client, "/password/forgot", {"email": agency.owner.email})
    sign_in(client, agency.manager)
    archive = client.get("/console/export").json
    assert archive["tables"]["outbound_emails"]
    assert all("body_text" not in row for row in archive["tables"]["outbound_emails"])


def test_the_public_agency_page_shows_the_agency(client, agency):
    page = client.get("/a/alpha/")
    assert page.status_code == 200 and "<h1>Alpha</h1>" in page.get_data(as_text=True)
    assert client.get("/a/nobody/").status_code == 404


def test_an_unreachable_queue_does_not_undo_a_committed_invitation(
    app, client, agency, monkeypatch
):
    sign_in(client, agency.owner)
    with unreachable_redis() as away:
        monkeypatch.setitem(app.extensions, "redis", away)
        response = post_form(
            client,
            "/console/team/invitations",
            {"name": "Q", "email": "q@alpha.example", "role": "manager"},
            page="/console/team",
        )
    assert response.status_code == 302
    with use_agency(agency.agency.id):
        assert [i.email for i in db.session.scalars(select(Invitation))] == ["q@alpha.example"]
        assert db.session.scalar(select(User).where(User.email == "q@alpha.example")) is None


def test_extra_hours_caps_that_are_not_hours_are_refused_and_save_nothing(client, agency):
    from agency.domains.billing.models import OverageApproval
    from agency.domains.contracts.models import Contract

    with use_agency(agency.agency.id):
        db.session.get(Contract, agency.contract.id).overage_needs_approval = True
        db.session.commit()
    sign_in(client, agency.client_user)
    for cap in ("1e999999", "nan", "inf", "-1", "0", "twelve", "10001"):
        response = post_form(client, "/portal/hours/extra", {"cap_hours": cap}, page="/portal/")
        assert response.status_code == 302, cap
    headers = {"Authorization": f"Bearer {_token(client, agency.client_user)}"}
    url = f"/api/v1/clients/{agency.client.id}/overage-approvals"
    for body in ({"cap_minutes": 1e20}, {"cap_minutes": -5}, {"cap_minutes": True}, {"x": 1}):
        assert client.post(url, json=body, headers=headers).status_code == 422, body
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(OverageApproval)).all() == []


def test_malformed_calendar_feed_addresses_are_404(client, agency, caplog):
    secret = "x" * 43
    for token in (
        f"²-{secret}",
        f"0-{secret}",
        f"99999999999999999999-{secret}",
        f"{agency.agency.id}-{secret}",
        f"{agency.agency.id}-{secret}x",
        "%00",
        "a" * 5000,
    ):
        response = client.get(f"/feeds/{token}.ics")
        assert response.status_code == 404, token
    with caplog.at_level(logging.INFO):
        client.get(f"/feeds/{agency.agency.id}-{secret}.ics")
    assert secret not in caplog.text


def _nothing_new(agency_id, models) -> dict:
    with use_agency(agency_id):
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def test_text_and_numbers_the_database_cannot_hold_are_refused_with_the_field(client, agency):
    """A NUL in any text, an integer past the integer columns' range, a mail server that is
    no server name: 422 naming the field, whichever schema reads it, and nothing saved."""
    headers = {"Authorization": f"Bearer {_token(client, agency.owner)}"}
    client_id = agency.client.id
    terms = {"included_minutes": 600, "hourly_rate_minor": 3000, "currency": "EUR"}
    cases = [
        (
            "/api/v1/work-items/",
            {"client_id": client_id, "kind": "task", "title": "A\x00B"},
            "title",
        ),
        (
            "/api/v1/work-items/",
            {"client_id": client_id, "kind": "task", "title": "Call", "body": "notes\x00"},
            "body",
        ),
        (
            "/api/v1/expenses/",
            {
                "client_id": client_id,
                "description": "Courier\x00",
                "amount_minor": 1250,
                "currency": "EUR",
                "incurred_on": "2026-10-12",
            },
            "description",
        ),
        (
            "/api/v1/templates/",
            {"kind": "email", "name": "Thanks", "body": "Dear {contact_name},\x00"},
            "body",
        ),
        (
            "/api/v1/plans/",
            {**terms, "name": "Big", "overage_rate_minor": 2**40},
            "overage_rate_minor",
        ),
        (
            "/api/v1/contracts/",
            {
                **terms,
                "client_id": client_id,
                "plan_name": "Big",
                "starts_on": "2026-12-01",
                "overage_rate_minor": 2**31,
            },
            "overage_rate_minor",
        ),
    ]
    models = [WorkItem, Expense, MailTemplate, Plan, Contract]
    before = _nothing_new(agency.agency.id, models)
    for url, body, field in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (url, response.get_data(as_text=True))
        assert field in response.json["error"]["fields"], (url, response.json)
    for host in ("imap..example.com", "imap example.com", "-imap.example.com", "imap.exa\x00mple"):
        response = client.put(
            f"/api/v1/clients/{client_id}/mailbox",
            json={"host": host, "username": "desk", "password": "secret-password"},
            headers=headers,
        )
        assert response.status_code == 422 and "host" in response.json["error"]["fields"], host
    assert _nothing_new(agency.agency.id, models) == before
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(func.count()).select_from(ClientMailbox)) == 0
