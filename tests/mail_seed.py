"""Agency A's mail records for the cross-tenant walk, and the check they were left alone."""

from types import SimpleNamespace

from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.contracts.models import Contract
from agency.domains.mail import dictations, drafting, inbound, letters, settle, writing
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import (
    ClientMailbox,
    Dictation,
    Draft,
    DraftAttachment,
    InboundEmail,
    Letter,
    MailSettings,
    MailTemplate,
)
from agency.kernel.database import db

RAW = (
    "From: Alpha Partner <partner@alpha.example>\r\nTo: {to}\r\nSubject: Alpha hello\r\n"
    "Message-ID: <alpha-1@alpha.example>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
    "Content-Type: text/plain\r\n\r\nAlpha body\r\n--b\r\n"
    'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="alpha.pdf"\r\n'
    "\r\nAlpha file\r\n--b--\r\n"
)


def seed_mail(alpha) -> SimpleNamespace:
    """Run as agency A: one of each mail record, waiting for a decision where it can."""
    from agency.domains.clients.models import Client

    client = db.session.get(Client, alpha.client.id)
    address = mail_settings.alias_address(mail_settings.rules_for(client))
    email_id, _triage, _new = inbound.accept(RAW.format(to=address).encode())
    settle.read_all()  # what the reading job does
    email = db.session.get(InboundEmail, email_id)
    db.session.get(Contract, alpha.contract.id).approval_required = True
    secretary = db.session.get(User, alpha.secretary.id)
    draft = drafting.create_draft(
        {
            "client_id": client.id,
            "to_address": "partner@alpha.example",
            "subject": "Alpha reply",
            "body": "Alpha text",
            "reply_to_email_id": email.id,
            "forward_attachment_ids": [email.attachments[0].id],
            "submit": True,
        },
        secretary,
    )
    dictation = dictations.create_dictation(
        {"client_id": client.id, "text": "Alpha dictation"}, secretary
    )
    mail_settings.save_settings({"send_per_minute": 7})
    db.session.add(
        ClientMailbox(
            client_id=client.id,
            host="imap.alpha.example",
            port=993,
            username="alpha",
            password="alpha-mailbox-secret",
            folder="INBOX",
        )
    )
    db.session.commit()
    template = writing.create_template({"kind": "letter", "name": "Alpha", "body": "Alpha"})
    letter = letters.create_letter(
        {
            "client_id": client.id,
            "recipient_name": "Alpha Recipient",
            "recipient_address": "Alpha Street",
            "subject": "Alpha letter",
            "body": "Alpha letter body",
        },
        secretary,
    )
    return SimpleNamespace(
        email_id=email.id,
        attachment_id=email.attachments[0].id,
        draft_id=draft.id,
        draft_attachment_id=draft.attachments[0].id,
        dictation_id=dictation.id,
        letter_id=letter.id,
        template_id=template.id,
    )


def assert_mail_untouched(mail) -> None:
    assert db.session.get(Draft, mail.draft_id).status == "pending_approval"
    letter = db.session.get(Letter, mail.letter_id)
    assert (letter.status, letter.expense_id) == ("pending_approval", None)
    assert db.session.get(MailTemplate, mail.template_id).archived_at is None
    dictation = db.session.get(Dictation, mail.dictation_id)
    assert dictation is not None and dictation.transcription is None
    assert db.session.get(DraftAttachment, mail.draft_attachment_id).filename == "alpha.pdf"
    assert db.session.scalar(select(MailSettings.send_per_minute)) == 7
    mailbox = db.session.scalar(select(ClientMailbox))
    assert (mailbox.host, mailbox.last_error) == ("imap.alpha.example", None)
    assert db.session.get(InboundEmail, mail.email_id).subject == "Alpha hello"
