"""Drafts, from composing to sending once: approved by the client first when their
contract asks, never sent to an address that bounced.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.clients.models import Client, Contact
from agency.domains.mail import attachments
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.access import client_for
from agency.domains.mail.models import (
    BouncedAddress,
    Dictation,
    Draft,
    DraftAttachment,
    DraftStatus,
    InboundEmail,
    MailTemplate,
)
from agency.domains.mail.schemas import (
    ApproveSchema,
    DraftSchema,
    DraftUpdateSchema,
    RejectSchema,
)
from agency.domains.mail.writing import fill, office_name, signature_of
from agency.domains.notify.services import queue_email
from agency.domains.work.models import WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for


def approval_required(client: Client) -> bool:
    contract = client.active_contract
    return bool(contract and contract.approval_required)


def _contact_name(client: Client, address: str) -> str | None:
    return db.session.scalar(
        select(Contact.name).where(Contact.client_id == client.id, Contact.email == address)
    )


def compose(client: Client, reply_to: InboundEmail | None, template: MailTemplate | None) -> dict:
    """The composer's starting point: to, subject and body with the signature."""
    to_address = reply_to.from_address if reply_to else ""
    contact = (reply_to.from_name if reply_to else None) or _contact_name(client, to_address)
    subject = ""
    if reply_to is not None:
        subject = reply_to.subject
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
    body = ""
    if template is not None:
        # A reply keeps the conversation's "Re:" subject, whatever the template says.
        if reply_to is None:
            subject = fill(template.subject, client, contact) or subject
        body = fill(template.body, client, contact)
    return {
        "to_address": to_address,
        "subject": subject[:300],
        "body": f"{body}\n\n-- \n{signature_of(client)}",
    }


def linked(model, record_id, client: Client, field: str):
    if record_id is None:
        return None
    found = db.session.get(model, record_id)
    if found is None or found.client_id != client.id:
        raise ValidationError.on(field, _("Choose one of this client's records."))
    return found


def _files(values: dict) -> list[tuple[str, str, bytes]]:
    """(name, type, bytes) of the attachments given as base64 JSON."""
    files = []
    for given in values.pop("attachments", None) or []:
        name = attachments.clean_filename(given["filename"])
        kind = attachments.clean_content_type(given.get("content_type"), name)
        files.append((name, kind, given["content_base64"]))
    return files


def _attach(draft: Draft, values: dict, uploads) -> None:
    files = [*_files(values), *(uploads or [])]
    files += attachments.forwarded(draft, values.pop("forward_attachment_ids", None) or [])
    attachments.remove(draft, values.pop("remove_attachment_ids", None) or [])
    if files:
        attachments.add(draft, files)


def create_draft(data: dict, user, uploads=None) -> Draft:
    """A draft for a client; with submit it is sent, or waits for the client's approval.
    ``uploads`` are files from a form, as (name, type, bytes)."""

    values = values_for(DraftSchema(), data)
    submit = values.pop("submit")
    files = _files(values)
    forward_ids = values.pop("forward_attachment_ids")
    client = client_for(user, values["client_id"])
    refuse_bounced(values["to_address"])
    linked(InboundEmail, values["reply_to_email_id"], client, "reply_to_email_id")
    linked(WorkItem, values["work_item_id"], client, "work_item_id")
    linked(Dictation, values["dictation_id"], client, "dictation_id")
    draft = Draft(**values, status=DraftStatus.draft.value, created_by_id=user.id)
    db.session.add(draft)
    _attach(draft, {"forward_attachment_ids": forward_ids}, [*files, *(uploads or [])])
    db.session.flush()
    note_on_item(draft.work_item_id, "draft_written", user.id, draft_id=draft.id)
    if submit:
        return submit_draft(draft, user)
    db.session.commit()
    return draft


def update_draft(draft: Draft, data: dict, user, uploads=None) -> Draft:
    if draft.status not in (DraftStatus.draft, DraftStatus.pending_approval, DraftStatus.rejected):
        raise Conflict(_("This draft is %(status)s; it cannot be changed.", status=draft.status))
    values = values_for(DraftUpdateSchema(), data, partial=True)
    _attach(draft, values, uploads)
    for key, value in values.items():
        setattr(draft, key, value)
    if draft.status == DraftStatus.rejected:
        draft.status = DraftStatus.draft.value
    db.session.commit()
    return draft


def submit_draft(draft: Draft, user) -> Draft:
    """Send the draft, or put it before the client when the contract asks for approval."""
    if draft.status not in (DraftStatus.draft, DraftStatus.rejected):
        raise Conflict(_("This draft is %(status)s; it cannot be sent.", status=draft.status))
    if approval_required(draft.client):
        draft.status = DraftStatus.pending_approval.value
        draft.review_note = None
        note_on_item(draft.work_item_id, "draft_awaits_approval", user.id, draft_id=draft.id)
        db.session.commit()
        return draft
    return _send(draft, user)


def approve_draft(draft: Draft, data: dict, user) -> Draft:
    """The client approves (perhaps with an edit); the draft is sent."""
    values = values_for(ApproveSchema(), data)
    if draft.status != DraftStatus.pending_approval:
        raise Conflict(_("This draft is not waiting for approval."))
    if values.get("body"):
        draft.body = values["body"]
    draft.status = DraftStatus.approved.value
    draft.decided_at = clock.now()
    note_on_item(draft.work_item_id, "draft_approved", user.id, draft_id=draft.id)
    return _send(draft, user)


def reject_draft(draft: Draft, data: dict, user) -> Draft:
    values = values_for(RejectSchema(), data)
    if draft.status != DraftStatus.pending_approval:
        raise Conflict(_("This draft is not waiting for approval."))
    draft.status = DraftStatus.rejected.value
    draft.review_note = values["note"]
    draft.decided_at = clock.now()
    note_on_item(
        draft.work_item_id, "draft_rejected", user.id, draft_id=draft.id, note=values["note"]
    )
    db.session.commit()
    return draft


def send_draft(draft: Draft, user) -> Draft:
    """Send an approved draft, or submit a new one (the API's 'send')."""
    if draft.status == DraftStatus.approved:
        return _send(draft, user)
    return submit_draft(draft, user)


def _send(draft: Draft, user) -> Draft:
    """Queue the email in the client's name, threaded; the row lock makes it once."""

    db.session.flush()
    locked = db.session.get(Draft, draft.id, with_for_update=True, populate_existing=True)
    if locked.status == DraftStatus.sent:
        raise Conflict(_("This draft was already sent."))
    client = locked.client
    rules = mail_settings.rules_for(client)
    headers = {
        "From-Name": office_name(client),
        "Reply-To": mail_settings.alias_address(rules),
    }
    original = locked.reply_to_email
    if original is not None:
        headers["In-Reply-To"] = original.message_id
        headers["References"] = " ".join(
            part for part in ((original.references or ""), original.message_id) if part
        ).strip()
    refuse_bounced(locked.to_address)
    email = queue_email(locked.to_address, locked.subject, locked.body, "mail_reply", headers)
    attachments.queue_with(locked, email.id)
    locked.outbound_email_id = email.id
    locked.status = DraftStatus.sent.value
    locked.sent_at = clock.now()
    note_on_item(locked.work_item_id, "email_sent", user.id if user else None, draft_id=draft.id)
    db.session.commit()
    return locked


def send_for_client(client, to_address: str, subject: str, body: str, files=(), user=None) -> Draft:
    """An email in the client's name that needs no approval (what the client's own rules
    arranged, such as a meeting invitation): kept in the client's mail history as a sent
    draft, with ``files`` ((name, content type, bytes)) attached; committed."""
    draft = Draft(
        client_id=client.id,
        to_address=to_address,
        subject=subject[:300],
        body=body,
        status=DraftStatus.approved.value,
        created_by_id=user.id if user else None,
    )
    db.session.add(draft)
    db.session.flush()
    for name, content_type, data in files:
        db.session.add(
            DraftAttachment(
                draft_id=draft.id,
                filename=name,
                content_type=content_type,
                size_bytes=len(data),
                data=data,
            )
        )
    db.session.flush()
    return _send(draft, user)


def bounced(address: str) -> BouncedAddress | None:
    return db.session.scalar(
        select(BouncedAddress).where(BouncedAddress.address == (address or "").lower())
    )


def refuse_bounced(address: str) -> None:
    found = bounced(address)
    if found is not None:
        raise ValidationError.on(
            "to_address",
            _(
                "Mail to this address bounced (%(status)s); check it with the client.",
                status=found.status,
            ),
        )


def note_on_item(item_id: int | None, action: str, actor_user_id: int | None, **detail) -> None:
    if item_id is None:
        return

    record(item_id, action, actor_user_id, **detail)


def draft_or_404(draft_id: int) -> Draft:
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        raise NotFound()
    return draft
