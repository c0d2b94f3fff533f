"""Agency A's mail records for the cross-tenant walk, and the check they were left alone."""

from types import SimpleNamespace

from agency.accounts.models import User
from agency.contracts.models import Contract
from agency.extensions import db
from agency.mail import inbound, letters, services
from agency.mail import settings as mail_settings
from agency.mail.models import Dictation, Draft, InboundEmail, Letter, MailTemplate

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
    from agency.clients.models import Client

    client = db.session.get(Client, alpha.client.id)
    address = mail_settings.alias_address(mail_settings.rules_for(client))
    email, _new = inbound.receive(RAW.format(to=address).encode())
    db.session.get(Contract, alpha.contract.id).approval_required = True
    secretary = db.session.get(User, alpha.secretary.id)
    draft = services.create_draft(
        {
            "client_id": client.id,
            "to_address": "partner@alpha.example",
            "subject": "Alpha reply",
            "body": "Alpha text",
            "reply_to_email_id": email.id,
            "submit": True,
        },
        secretary,
    )
    dictation = services.create_dictation(
        {"client_id": client.id, "text": "Alpha dictation"}, secretary
    )
    template = services.create_template({"kind": "letter", "name": "Alpha", "body": "Alpha"})
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
        dictation_id=dictation.id,
        letter_id=letter.id,
        template_id=template.id,
    )


def assert_mail_untouched(mail) -> None:
    assert db.session.get(Draft, mail.draft_id).status == "pending_approval"
    letter = db.session.get(Letter, mail.letter_id)
    assert (letter.status, letter.expense_id) == ("pending_approval", None)
    assert db.session.get(MailTemplate, mail.template_id).archived_at is None
    assert db.session.get(Dictation, mail.dictation_id) is not None
    assert db.session.get(InboundEmail, mail.email_id).subject == "Alpha hello"
