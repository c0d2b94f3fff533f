"""Signing in: throttling, CSRF, two-factor, suspension, session cookies."""

import pyotp
import pytest
from argon2 import extract_parameters, profiles

from agency.domains.accounts.models import User
from agency.domains.accounts.passwords import hash_password, verify_password
from agency.kernel.database import db
from tenants import directory, lifecycle, use_agency
from tests.conftest import PASSWORD, csrf_from, post_form, sign_in
from tests.servers import unreachable_redis

pytestmark = pytest.mark.sqlite


def test_each_role_lands_on_its_own_surface(app, agency):
    for user, home in [
        (agency.owner, "/console/"),
        (agency.secretary, "/desk/"),
        (agency.client_user, "/portal/"),
    ]:
        http = app.test_client()
        response = sign_in(http, user)
        assert response.headers["Location"].endswith(home)
        assert http.get(home).status_code == 200


def test_a_wrong_password_is_refused(client, agency):
    response = post_form(client, "/login", {"email": agency.owner.email, "password": "wrong-one"})
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_ten_failures_for_an_account_answer_429(app, agency):
    for attempt in range(10):
        http = app.test_client()
        response = post_form(
            http,
            "/login",
            {"email": agency.owner.email, "password": f"wrong-{attempt}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"},
        )
        assert response.status_code == 401
    blocked = post_form(
        app.test_client(),
        "/login",
        {"email": agency.owner.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert blocked.status_code == 429


def test_ten_failures_from_an_office_lock_the_account_tried_not_its_colleagues(app, agency):
    office = {"REMOTE_ADDR": "10.9.9.9"}
    for attempt in range(10):
        post_form(
            app.test_client(),
            "/login",
            {"email": agency.secretary.email, "password": f"wrong-{attempt}"},
            environ_base=office,
        )
    tried = post_form(
        app.test_client(),
        "/login",
        {"email": agency.secretary.email, "password": PASSWORD},
        environ_base=office,
    )
    assert tried.status_code == 429
    colleague = post_form(
        app.test_client(),
        "/login",
        {"email": agency.owner.email, "password": PASSWORD},
        environ_base=office,
    )
    assert colleague.status_code == 302


def test_an_address_is_stopped_at_its_own_higher_limit(app, client, agency):
    app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] = "12 per 15 minutes"
    for attempt in range(12):
        post_form(client, "/login", {"email": f"nobody{attempt}@x.example", "password": "x"})
    blocked = post_form(client, "/login", {"email": agency.owner.email, "password": PASSWORD})
    assert blocked.status_code == 429
    elsewhere = post_form(
        app.test_client(),
        "/login",
        {"email": agency.owner.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.2.2"},
    )
    assert elsewhere.status_code == 302


def test_with_redis_away_signing_in_works_and_is_still_throttled(app, agency):
    """The login throttle's counts live in Redis; while it is away, in this process."""
    with unreachable_redis() as away:
        app.config["REDIS_URL"] = (
            f"redis://127.0.0.1:{away.connection_pool.connection_kwargs['port']}/0"
        )
        app.extensions.pop("login_throttle", None)
        try:
            assert sign_in(app.test_client(), agency.owner).status_code == 302
            token = app.test_client().post(
                "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
            )
            assert token.status_code == 201 and token.json["token"]
            for attempt in range(10):
                wrong = app.test_client().post(
                    "/api/v1/auth/token",
                    json={"email": agency.manager.email, "password": f"wrong-{attempt}"},
                )
                assert wrong.status_code == 401
            again = app.test_client().post(
                "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
            )
            assert again.status_code == 429
        finally:
            app.extensions.pop("login_throttle", None)


def test_a_form_without_its_csrf_token_is_rejected(client, agency):
    response = client.post("/login", data={"email": agency.owner.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, agency):
    response = sign_in(client, agency.owner)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_two_factor_asks_for_a_code_after_the_password(client, agency):
    sign_in(client, agency.owner)
    post_form(client, "/account/totp", {}, page="/account")
    with use_agency(agency.agency.id):
        secret = db.session.get(User, agency.owner.id).totp_secret
    wrong = post_form(client, "/account/totp/confirm", {"code": "000000"}, page="/account")
    assert wrong.status_code == 302
    post_form(client, "/account/totp/confirm", {"code": pyotp.TOTP(secret).now()}, page="/account")
    db.session.expire_all()
    with use_agency(agency.agency.id):
        assert db.session.get(User, agency.owner.id).totp_enabled
    post_form(client, "/logout", {}, page="/account")

    response = post_form(client, "/login", {"email": agency.owner.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/console/").status_code == 302
    bad = post_form(client, "/login/code", {"code": "123456"})
    assert bad.status_code == 401
    good = post_form(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert good.headers["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200


def test_the_totp_secret_is_encrypted_at_rest(client, agency):
    from sqlalchemy import text

    sign_in(client, agency.owner)
    post_form(client, "/account/totp", {}, page="/account")
    with use_agency(agency.agency.id):
        secret = db.session.get(User, agency.owner.id).totp_secret
        stored = db.session.execute(
            text("SELECT totp_secret FROM users WHERE id = :id"), {"id": agency.owner.id}
        ).scalar()
    assert secret and stored and secret not in stored


def test_a_suspended_agencys_users_read_with_a_banner_and_cannot_change(app, client, agency):
    sign_in(client, agency.owner)
    lifecycle.suspend(directory.agency(agency.agency.id), "Unpaid invoice")
    page = client.get("/console/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Alpha is suspended" in text
    assert "Unpaid invoice" in text
    refused = post_form(client, "/console/invoices", {"on": ""}, page="/console/invoices")
    assert refused.status_code == 403
    assert "Nothing can be changed while Alpha is suspended" in refused.get_data(as_text=True)


def test_platform_admin_suspends_and_resumes_an_agency(app, client, agency):
    from agency.domains.accounts.signin import create_platform_admin

    create_platform_admin("ops@platform.example", "Ops", "platform-password")
    response = post_form(
        client,
        "/platform/login",
        {"email": "ops@platform.example", "password": "platform-password"},
    )
    assert response.headers["Location"].endswith("/platform/")
    home = client.get("/platform/").get_data(as_text=True)
    assert "Alpha" in home
    token = csrf_from(home)
    client.post(
        f"/platform/agencies/{agency.agency.id}/suspend",
        data={"csrf_token": token, "reason": "Chargeback"},
    )
    db.session.expire_all()
    suspended = directory.agency(agency.agency.id)
    assert suspended.is_suspended and suspended.suspended_reason == "Chargeback"
    client.post(f"/platform/agencies/{agency.agency.id}/resume", data={"csrf_token": token})
    db.session.expire_all()
    assert not directory.agency(agency.agency.id).is_suspended


def test_cli_creates_a_platform_admin_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["platform", "create-admin", "--email", "root@platform.example", "--name", "Root"],
        input="platform-password\nplatform-password\n",
    )
    assert result.exit_code == 0, result.output
    response = post_form(
        client,
        "/platform/login",
        {"email": "root@platform.example", "password": "platform-password"},
    )
    assert response.headers["Location"].endswith("/platform/")
    short = app.test_cli_runner().invoke(
        args=["platform", "create-admin", "--email", "x@platform.example", "--name", "X"],
        input="short\nshort\n",
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output


def test_passwords_hash_with_the_production_parameters_outside_testing(app, agency, client):
    """Tests hash cheaply; production hashes with argon2's recommended parameters, and a
    password hashed either way signs in either way."""
    cheap = hash_password("a-password-for-tests")
    assert extract_parameters(cheap).memory_cost == profiles.CHEAPEST.memory_cost

    app.config["TESTING"] = False
    production = hash_password(PASSWORD)
    parameters = extract_parameters(production)
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        expected.time_cost,
        expected.memory_cost,
        expected.parallelism,
    )
    assert verify_password(cheap, "a-password-for-tests")
    app.config["TESTING"] = True

    with use_agency(agency.agency.id):
        db.session.get(User, agency.owner.id).password_hash = production
        db.session.commit()
    sign_in(client, agency.owner)
