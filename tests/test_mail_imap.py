"""Clients' own mailboxes, read over IMAP from a real IMAP server (pymap) on loopback."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select, text

from agency.extensions import db
from agency.mail.imap import enqueue_due
from agency.mail.models import ClientMailbox, InboundEmail
from agency.work.models import WorkItem
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
