"""Clients' own mailboxes, read over IMAP from a real IMAP server (pymap) on loopback."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select, text

from agency.domains.mail.imap import enqueue_due
from agency.domains.mail.models import ClientMailbox, InboundEmail
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form


@pytest.fixture(scope="module")
def imap_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "pymap"), "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--no-tls", "dict"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the IMAP server did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _append(port, raw: bytes) -> None:
    with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=5) as imap:
        imap.login("demouser", "demopass")
        imap.append("INBOX", raw)


def _form(port, password="demopass"):
    return {
        "host": "127.0.0.1",
        "port": str(port),
        "username": "demouser",
        "password": password,
        "folder": "INBOX",
    }


def _count(model, agency_id):
    with use_agency(agency_id):
        return len(db.session.scalars(select(model)).all())


def test_a_connected_mailbox_is_read_once(imap_server, agency, other_agency, login_as, drain):
    _append(
        imap_server, b"From: old@x.example\r\nSubject: old\r\nMessage-ID: <old@x>\r\n\r\nold\r\n"
    )
    http = login_as(agency.client_user)
    response = post_form(http, "/portal/mail/mailbox", _form(imap_server), "/portal/mail/")
    assert response.status_code == 302
    with use_agency(agency.agency.id):
        stored = db.session.execute(text("SELECT password FROM client_mailboxes")).scalar()
        assert stored and "demopass" not in stored
    _append(
        imap_server,
        b"From: Pat <pat@buyer.example>\r\nTo: client@alpha.example\r\nSubject: New order\r\n"
        b"Message-ID: <imap-1@buyer.example>\r\n\r\nPlease call me.\r\n",
    )
    for _round in range(2):
        with use_agency(agency.agency.id):
            assert enqueue_due() == 1
        drain()
    with use_agency(agency.agency.id):
        [email] = db.session.scalars(select(InboundEmail)).all()
        assert email.subject == "New order" and email.triage == "reply"
        [item] = db.session.scalars(select(WorkItem)).all()
        assert item.kind == "email"
        assert db.session.scalar(select(ClientMailbox.last_error)) is None
    assert _count(InboundEmail, other_agency.agency.id) == 0


def test_a_mailbox_that_refuses_the_login_is_not_saved(imap_server, agency, login_as):
    http = login_as(agency.client_user)
    response = post_form(http, "/portal/mail/mailbox", _form(imap_server, "wrong"), "/portal/mail/")
    assert response.status_code == 422
    assert "Could not sign in" in response.get_data(as_text=True)
    assert _count(ClientMailbox, agency.agency.id) == 0


def test_bad_mailbox_input_is_refused(agency, login_as):
    http = login_as(agency.client_user)
    form = {**_form(1), "port": "70000"}
    response = post_form(http, "/portal/mail/mailbox", form, "/portal/mail/")
    assert response.status_code == 422
    assert _count(ClientMailbox, agency.agency.id) == 0


def _api(agency_id, user_id):
    from agency.domains.accounts import api_tokens
    from agency.domains.accounts.models import User

    with use_agency(agency_id):
        _t, token = api_tokens.issue_api_token(db.session.get(User, user_id), "mailbox")
    return {"Authorization": f"Bearer {token}"}


def _body(port, password="demopass"):
    return {
        "host": "127.0.0.1",
        "port": port,
        "use_ssl": False,
        "username": "demouser",
        "password": password,
        "folder": "INBOX",
    }


def test_api_connects_reads_and_disconnects_a_mailbox(
    imap_server, app, agency, other_agency, drain
):
    http = app.test_client()
    auth = _api(agency.agency.id, agency.owner.id)
    url = f"/api/v1/clients/{agency.client.id}/mailbox"
    assert http.get(url, headers=auth).status_code == 404
    refused = http.put(url, json=_body(imap_server, "wrong"), headers=auth)
    assert refused.status_code == 422 and "host" in refused.get_json()["error"]["fields"]
    assert _count(ClientMailbox, agency.agency.id) == 0

    saved = http.put(url, json=_body(imap_server), headers=auth)
    assert saved.status_code == 200, saved.get_json()
    shown = http.get(url, headers=auth).get_json()
    assert shown["username"] == "demouser" and shown["use_ssl"] is False
    assert "password" not in shown and "demopass" not in http.get(url, headers=auth).text

    # Changing the folder without the password keeps the saved one.
    kept = http.put(url, json={**_body(imap_server), "password": None}, headers=auth)
    assert kept.status_code == 200, kept.get_json()
    checked = http.post(f"{url}/check", headers=auth)
    assert checked.status_code == 200 and checked.get_json()["last_error"] is None

    _append(
        imap_server,
        b"From: Api <api@buyer.example>\r\nTo: client@alpha.example\r\nSubject: Via API\r\n"
        b"Message-ID: <imap-api-1@buyer.example>\r\n\r\nHello.\r\n",
    )
    with use_agency(agency.agency.id):
        assert enqueue_due() == 1
    drain()
    with use_agency(agency.agency.id):
        subjects = db.session.scalars(select(InboundEmail.subject)).all()
        assert "Via API" in subjects

    other = _api(other_agency.agency.id, other_agency.owner.id)
    assert http.get(url, headers=other).status_code == 404
    assert http.delete(url, headers=other).status_code == 404
    assert _count(ClientMailbox, agency.agency.id) == 1

    assert http.delete(url, headers=auth).status_code == 204
    assert _count(ClientMailbox, agency.agency.id) == 0
    assert http.post(f"{url}/check", headers=auth).status_code == 404


def test_api_mailbox_check_reports_a_changed_password(imap_server, app, agency):
    http = app.test_client()
    auth = _api(agency.agency.id, agency.client_user.id)  # the client's own
    url = f"/api/v1/clients/{agency.client.id}/mailbox"
    assert http.put(url, json=_body(imap_server), headers=auth).status_code == 200
    with use_agency(agency.agency.id):
        db.session.scalar(select(ClientMailbox)).password = "no-longer-right"
        db.session.commit()
    checked = http.post(f"{url}/check", headers=auth).get_json()
    assert checked["last_error"]


@pytest.mark.parametrize(
    "change",
    [
        {"port": 70000},
        {"host": ""},
        {"username": ""},
        {"password": None},
        {"port": "imap"},
        {"folder": "x" * 201},
    ],
)
def test_api_bad_mailbox_input_is_refused(change, app, agency):
    http = app.test_client()
    auth = _api(agency.agency.id, agency.owner.id)
    url = f"/api/v1/clients/{agency.client.id}/mailbox"
    response = http.put(url, json={**_body(1), **change}, headers=auth)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]
    assert _count(ClientMailbox, agency.agency.id) == 0


def test_a_secretary_cannot_connect_a_clients_mailbox(app, agency):
    http = app.test_client()
    auth = _api(agency.agency.id, agency.secretary.id)
    url = f"/api/v1/clients/{agency.client.id}/mailbox"
    assert http.put(url, json=_body(1), headers=auth).status_code == 403
