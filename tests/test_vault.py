"""A client's vault: logins kept with their passwords encrypted at rest, never in a page,
a list or an answer; a password read with a reason by the client's own secretary or a
manager, audited for the client to see; nobody else reads one; a burst of readings
alerts the managers; bad input changes nothing."""

import logging

from sqlalchemy import text

from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.notify.models import OutboundEmail
from agency.domains.staff.models import Secretary
from agency.domains.vault.models import VaultEntry, VaultReveal
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import PASSWORD, post_form, rows, sign_in, snapshot

SITE = {"label": "Clinic website (WordPress)", "url": "https://clinic.example/wp-admin",
        "username": "office", "secret": "xK9#pL2-wq", "notes": "Application password"}  # fmt: skip


def test_a_password_is_kept_encrypted_and_read_once_with_a_reason(client, app, agency, login_as):
    http = login_as(agency.secretary)
    page = f"/desk/vault/{agency.client.id}"
    wrong = post_form(http, page, {**SITE, "url": "ftp://clinic.example"}, page=page)
    assert wrong.status_code == 422 and rows(VaultEntry, agency.agency.id) == []
    added = post_form(http, page, SITE, page=page)
    assert added.status_code == 302, added.get_data(as_text=True)
    with use_agency(agency.agency.id):
        stored = db.session.execute(text("SELECT secret FROM vault_entries")).scalar_one()
    db.session.remove()
    assert "xK9#pL2-wq" not in stored  # encrypted at rest
    shown = http.get(page)
    assert "xK9#pL2-wq" not in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    listed = api_as(client, agency.secretary)("GET", f"/api/v1/clients/{agency.client.id}/vault")
    assert listed.json[0]["has_secret"] is True and "xK9#pL2-wq" not in listed.get_data(
        as_text=True
    )
    [entry] = rows(VaultEntry, agency.agency.id)
    reveal = f"{page}/{entry.id}/reveal"
    reasonless = post_form(http, reveal, {"reason": " "}, page=page)
    assert reasonless.status_code == 422 and "xK9#pL2-wq" not in reasonless.get_data(as_text=True)
    [refused] = rows(VaultReveal, agency.agency.id)  # refused, and audited
    assert (refused.outcome, refused.user_id) == ("refused", agency.secretary.id)
    read = post_form(http, reveal, {"reason": "Posting the weekly offer"}, page=page)
    assert read.status_code == 200 and "xK9#pL2-wq" in read.get_data(as_text=True)
    [_refused, audit] = sorted(rows(VaultReveal, agency.agency.id), key=lambda r: r.id)
    assert (audit.label, audit.reason, audit.user_id, audit.address, audit.outcome) == (
        "Clinic website (WordPress)", "Posting the weekly offer", agency.secretary.id,
        "127.0.0.1", "shown",
    )  # fmt: skip
    assert "xK9#pL2-wq" not in http.get(page).get_data(as_text=True)  # once only

    portal = app.test_client()
    sign_in(portal, agency.client_user)
    mine = portal.get("/portal/vault").get_data(as_text=True)
    assert "Posting the weekly offer" in mine and "xK9#pL2-wq" not in mine
    replaced = post_form(portal, f"/portal/vault/{entry.id}/secret", {"secret": "n3w-Pass!"},
                         page="/portal/vault")  # fmt: skip
    assert replaced.status_code == 302
    [entry] = rows(VaultEntry, agency.agency.id)
    assert entry.secret == "n3w-Pass!"


def test_nobody_else_reads_a_password(client, agency, caplog):
    call = api_as(client, agency.manager)
    made = call("POST", f"/api/v1/clients/{agency.client.id}/vault", SITE).json
    assert "secret" not in made
    path = f"/api/v1/clients/{agency.client.id}/vault/{made['id']}/reveal"
    mine = api_as(client, agency.client_user)("POST", path, {"reason": "mine"})
    assert mine.status_code == 403 and "secret" not in mine.json
    [refused] = rows(VaultReveal, agency.agency.id)  # refused, and audited for the client
    assert (refused.outcome, refused.reason, refused.user_id) == (
        "refused", "mine", agency.client_user.id,
    )  # fmt: skip
    with use_agency(agency.agency.id):
        user = User(email="other@alpha.example", name="Other Secretary", role=Role.secretary,
                    password_hash=hash_password(PASSWORD))  # fmt: skip
        db.session.add(user)
        db.session.flush()
        db.session.add(Secretary(user_id=user.id, name="Other Secretary", email=user.email))
        db.session.commit()
        other = snapshot(user)
    db.session.remove()
    caplog.set_level(logging.WARNING, logger="agency.domains.vault.entries")
    assert api_as(client, other)("POST", path, {"reason": "curious"}).status_code == 404
    assert len(rows(VaultReveal, agency.agency.id)) == 1  # not theirs to see: a log line
    said = [r.getMessage() for r in caplog.records if "vault reading refused" in r.getMessage()]
    assert any(f"user {other.id} asked for entry {made['id']}" in line for line in said)
    assert not any("xK9#pL2-wq" in line for line in said)
    bad = call("POST", f"/api/v1/clients/{agency.client.id}/vault", {**SITE, "label": " "})
    assert bad.status_code == 422
    assert len(rows(VaultEntry, agency.agency.id)) == 1


def test_a_burst_of_readings_alerts_the_managers_once(client, agency):
    call = api_as(client, agency.manager)
    made = call("POST", f"/api/v1/clients/{agency.client.id}/vault", SITE).json
    path = f"/api/v1/clients/{agency.client.id}/vault/{made['id']}/reveal"
    for n in range(6):
        answer = call("POST", path, {"reason": f"check {n}"})
        assert answer.status_code == 200 and answer.json["secret"] == "xK9#pL2-wq"
        assert answer.headers["Cache-Control"] == "no-store"
    alerts = [e for e in rows(OutboundEmail, agency.agency.id) if e.purpose == "vault_burst"]
    assert sorted(e.to_address for e in alerts) == ["manager@alpha.example", "owner@alpha.example"]
    assert "read 5 secrets in ten minutes" in alerts[0].subject
    audit = api_as(client, agency.client_user)(
        "GET", f"/api/v1/clients/{agency.client.id}/vault-reveals"
    ).json
    assert len(audit) == 6 and audit[0]["reason"] == "check 5"


def test_the_client_and_their_secretary_are_told_once_before_a_login_expires(client, agency):
    from datetime import UTC, datetime

    from agency.domains.schedules.tick import run_for_agency
    from agency.kernel import clock

    clock.freeze(datetime(2027, 3, 1, 12, tzinfo=UTC))
    try:
        call = api_as(client, agency.manager)
        base = f"/api/v1/clients/{agency.client.id}/vault"
        call("POST", base, {**SITE, "expires_on": "2027-03-11"})
        call("POST", base, {**SITE, "label": "Supplier portal", "expires_on": "2027-05-01"})
        run_for_agency(agency.agency.id, datetime(2027, 3, 1, 12, 1, tzinfo=UTC))
        run_for_agency(agency.agency.id, datetime(2027, 3, 1, 12, 2, tzinfo=UTC))
    finally:
        clock.freeze(None)
    told = [e for e in rows(OutboundEmail, agency.agency.id) if e.purpose == "vault_expiry"]
    assert sorted(e.to_address for e in told) == ["client@alpha.example", "secretary@alpha.example"]
    assert told[0].subject == "Clinic website (WordPress) expires on 2027-03-11"
    assert all("xK9#pL2-wq" not in e.body_text for e in told)  # never the secret


def test_the_agency_may_let_clients_read_back_their_own_passwords(client, app, agency):
    call = api_as(client, agency.manager)
    made = call("POST", f"/api/v1/clients/{agency.client.id}/vault", SITE).json
    portal = app.test_client()
    sign_in(portal, agency.client_user)
    reveal = f"/portal/vault/{made['id']}/reveal"
    refused = post_form(portal, reveal, {"reason": "I forgot it"}, page="/portal/vault")
    assert refused.status_code == 403 and "xK9#pL2-wq" not in refused.get_data(as_text=True)
    assert "Show the password" not in portal.get("/portal/vault").get_data(as_text=True)
    secretary = api_as(client, agency.secretary)
    assert secretary("PUT", "/api/v1/vault-policy/", {"clients_read_back": True}).status_code == 403
    assert call("GET", "/api/v1/vault-policy/").json == {"clients_read_back": False}

    desk = app.test_client()
    sign_in(desk, agency.manager)
    saved = post_form(desk, "/desk/vault/policy", {"clients_read_back": "y"}, page="/desk/vault/")
    assert saved.status_code == 302
    assert call("GET", "/api/v1/vault-policy/").json == {"clients_read_back": True}
    assert "Show the password" in portal.get("/portal/vault").get_data(as_text=True)
    read = post_form(portal, reveal, {"reason": "I forgot it"}, page="/portal/vault")
    assert read.status_code == 200 and "xK9#pL2-wq" in read.get_data(as_text=True)
    audit = sorted(rows(VaultReveal, agency.agency.id), key=lambda r: r.id)
    assert [(r.outcome, r.user_id) for r in audit] == [
        ("refused", agency.client_user.id), ("shown", agency.client_user.id),
    ]  # fmt: skip
    assert call("PUT", "/api/v1/vault-policy/", {"clients_read_back": "maybe"}).status_code == 422
    assert call("PUT", "/api/v1/vault-policy/", {"clients_read_back": False}).json == {
        "clients_read_back": False
    }
