"""Clients' own mailboxes, read over IMAP: new messages go through the same inbound
path as the hook, so a message is kept once and triaged the same way."""

import imaplib
import socket
import ssl

from flask import current_app
from flask_babel import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.mail import inbound
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import ClientMailbox
from agency.domains.mail.schemas import MailboxSchema
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for
from tenants import require_agency_id

BATCH = 50
IMAP_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError)


def mailbox_of(client: Client) -> ClientMailbox | None:
    return db.session.scalar(select(ClientMailbox).where(ClientMailbox.client_id == client.id))


def _open(mailbox: ClientMailbox) -> IMAPClient:
    connection = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, timeout=15)
    connection.login(mailbox.username, mailbox.password)
    return connection


def connect(client: Client, data: dict) -> ClientMailbox:
    """Save the client's mailbox once a login to it works; reading starts with new mail."""
    values = values_for(MailboxSchema(), data)
    mailbox = mailbox_of(client) or ClientMailbox(client_id=client.id)
    if values["password"] is None:
        if mailbox.password is None:
            raise ValidationError.on("password", _("Enter the mailbox's password."))
        del values["password"]  # the saved one stays
    for key, value in values.items():
        setattr(mailbox, key, value)
    try:
        status = _try(mailbox)
    except IMAP_ERRORS as exc:
        raise ValidationError.on(
            "host", _("Could not sign in to that mailbox: %(error)s", error=str(exc)[:200])
        ) from exc
    mailbox.uid_validity = status.get(b"UIDVALIDITY")
    mailbox.last_uid = max(int(status.get(b"UIDNEXT", 1)) - 1, 0)
    mailbox.last_error = None
    db.session.add(mailbox)
    db.session.commit()
    return mailbox


def _try(mailbox: ClientMailbox) -> dict:
    """Sign in and open the folder read-only; its status (UIDVALIDITY, UIDNEXT)."""
    connection = _open(mailbox)
    try:
        return connection.select_folder(mailbox.folder, readonly=True)
    finally:
        connection.logout()


def check(mailbox: ClientMailbox) -> ClientMailbox:
    """Try the saved login now; the outcome is the mailbox's last error (None: it works)."""
    try:
        _try(mailbox)
        mailbox.last_error = None
    except IMAP_ERRORS as exc:
        mailbox.last_error = str(exc)[:500] or type(exc).__name__
    db.session.commit()
    return mailbox


def disconnect(client: Client) -> None:
    mailbox = mailbox_of(client)
    if mailbox is not None:
        db.session.delete(mailbox)
        db.session.commit()


def enqueue_due() -> int:
    """A poll job for each connected mailbox of the current agency."""

    ids = db.session.scalars(select(ClientMailbox.id)).all()
    for mailbox_id in ids:
        enqueue_after_commit(
            "workers.jobs.poll_mailbox", require_agency_id(), mailbox_id, queue="mail"
        )
    db.session.commit()
    return len(ids)


def poll(mailbox_id: int) -> int:
    """Read what arrived since the last poll; returns how many new messages were kept."""
    mailbox = db.session.get(ClientMailbox, mailbox_id)
    if mailbox is None:
        return 0
    try:
        raws, validity = _fetch_new(mailbox)
    except IMAP_ERRORS as exc:
        mailbox.last_error = str(exc)[:500]
        mailbox.last_polled_at = clock.now()
        db.session.commit()
        raise
    return _keep(mailbox, raws, validity)


def _fetch_new(mailbox: ClientMailbox) -> tuple[list[tuple[int, bytes]], int | None]:
    connection = _open(mailbox)
    try:
        status = connection.select_folder(mailbox.folder, readonly=True)
        validity = status.get(b"UIDVALIDITY")
        since = mailbox.last_uid if validity == mailbox.uid_validity else 0
        uids = sorted(u for u in connection.search(["UID", f"{since + 1}:*"]) if u > since)
        fetched = connection.fetch(uids[:BATCH], ["RFC822"]) if uids else {}
        return [(uid, fetched[uid][b"RFC822"]) for uid in uids[:BATCH]], validity
    finally:
        connection.logout()


def _keep(mailbox: ClientMailbox, raws: list[tuple[int, bytes]], validity) -> int:
    mailbox_id, client_id = mailbox.id, mailbox.client_id
    limit = current_app.config["MAIL_INBOUND_MAX_BYTES"]
    kept = 0
    for uid, raw in raws:
        rules = mail_settings.rules_for(db.session.get(Client, client_id))
        if len(raw) <= limit:
            try:
                _id, _triage, created = inbound.accept(raw, rules)
                kept += int(created)
            except ValidationError as exc:  # a message we cannot read is skipped, once
                db.session.rollback()
                current_app.logger.warning("mailbox %s: uid %s skipped: %s", mailbox_id, uid, exc)
        mailbox = db.session.get(ClientMailbox, mailbox_id)
        mailbox.uid_validity, mailbox.last_uid = validity, uid
        db.session.commit()
    mailbox = db.session.get(ClientMailbox, mailbox_id)
    mailbox.last_polled_at, mailbox.last_error = clock.now(), None
    db.session.commit()
    return kept
