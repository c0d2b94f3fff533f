"""Email, drafts, dictation, letters and templates over the API."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from agency.domains.mail import dictations, drafting, imap, letters, writing
from agency.domains.mail import settings as agency_mail_settings
from agency.domains.mail.access import client_for, record_for, visible
from agency.domains.mail.models import Dictation, Draft, InboundEmail, Letter, MailTemplate
from agency.domains.mail.schemas import (
    ApproveSchema,
    DictationSchema,
    DraftSchema,
    DraftUpdateSchema,
    InboundEmailDetailSchema,
    InboundEmailSchema,
    LetterSchema,
    MailboxSchema,
    MailedSchema,
    MailSettingsSchema,
    RejectSchema,
    TemplateSchema,
    TranscriptionSchema,
)
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed, NotFound
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required
from agency.surfaces.web.files import attachment_response, pdf_response

emails_bp = Blueprint(
    "api_emails", __name__, url_prefix="/api/v1/emails", description="Inbound email"
)
drafts_bp = Blueprint("api_drafts", __name__, url_prefix="/api/v1/drafts", description="Drafts")
dictations_bp = Blueprint(
    "api_dictations", __name__, url_prefix="/api/v1/dictations", description="Dictation"
)
letters_bp = Blueprint("api_letters", __name__, url_prefix="/api/v1/letters", description="Letters")
templates_bp = Blueprint(
    "api_templates", __name__, url_prefix="/api/v1/templates", description="Mail templates"
)
mailboxes_bp = Blueprint(
    "api_mailboxes",
    __name__,
    url_prefix="/api/v1/clients",
    description="Clients' own mailboxes, read over IMAP",
)
mail_settings_bp = Blueprint(
    "api_mail_settings", __name__, url_prefix="/api/v1/mail-settings", description="Mail settings"
)
blueprints = (
    emails_bp,
    drafts_bp,
    dictations_bp,
    letters_bp,
    templates_bp,
    mailboxes_bp,
    mail_settings_bp,
)


def _listed(model, order, *filters):
    statement = select(model).where(visible(api_user(), model), *filters)
    client_id = request.args.get("client_id", type=int)
    if client_id:
        statement = statement.where(model.client_id == client_id)
    status = request.args.get("status") or request.args.get("triage")
    if status and hasattr(model, "status"):
        statement = statement.where(model.status == status)
    return db.session.scalars(statement.order_by(order).limit(500)).all()


@emails_bp.get("/")
@emails_bp.response(200, InboundEmailSchema(many=True))
@token_required()
def list_emails():
    """Received email, newest first; ?client_id= and ?triage= (ignored, urgent, reply)."""
    triage = request.args.get("triage")
    filters = [InboundEmail.triage == triage] if triage else []
    return _listed(InboundEmail, InboundEmail.received_at.desc(), *filters)


@emails_bp.get("/<int:email_id>")
@emails_bp.response(200, InboundEmailDetailSchema)
@token_required()
def get_email(email_id):
    """One email with its text, sanitised HTML and attachments."""
    return record_for(api_user(), InboundEmail, email_id)


@drafts_bp.get("/")
@drafts_bp.response(200, DraftSchema(many=True))
@token_required()
def list_drafts():
    """Drafts, newest first; ?client_id= and ?status=."""
    return _listed(Draft, Draft.id.desc())


@drafts_bp.post("/")
@json_body(drafts_bp, DraftSchema)
@drafts_bp.response(201, DraftSchema)
@token_required()
def create_draft():
    """Write a draft; with "submit": true it is sent, or waits for the client's approval.

    Files go in "attachments" as base64 JSON (filename, content_type, content_base64);
    "forward_attachment_ids" sends on files of email the client received. A file over
    MAIL_ATTACHMENT_MAX_BYTES, or files over MAIL_ATTACHMENTS_MAX_BYTES together, are a
    413; more than MAIL_ATTACHMENTS_MAX_COUNT files a 422. Nothing is written then."""
    return drafting.create_draft(json_payload(), api_user()), 201


@drafts_bp.get("/<int:draft_id>")
@drafts_bp.response(200, DraftSchema)
@token_required()
def get_draft(draft_id):
    return record_for(api_user(), Draft, draft_id)


@drafts_bp.patch("/<int:draft_id>")
@json_body(drafts_bp, DraftUpdateSchema)
@drafts_bp.response(200, DraftSchema)
@token_required()
def update_draft(draft_id):
    """Change a draft not yet sent; "attachments" adds files (base64 JSON, limits as on
    create), "remove_attachment_ids" drops some of the draft's own."""
    user = api_user()
    return drafting.update_draft(record_for(user, Draft, draft_id), json_payload(), user)


@drafts_bp.get("/<int:draft_id>/attachments/<int:draft_attachment_id>")
@drafts_bp.response(200, description="The file's bytes, as an attachment download")
@token_required()
def draft_attachment(draft_id, draft_attachment_id):
    draft = record_for(api_user(), Draft, draft_id)
    return attachment_response(_draft_file(draft, draft_attachment_id))


def _draft_file(draft, attachment_id):
    found = next((a for a in draft.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound()
    return found


def _approver(draft_or_letter):
    """Approval is the client's (or a manager's for them), never the secretary's."""

    user = api_user()
    if not (user.is_manager or user.client_id == draft_or_letter.client_id):
        raise NotAllowed(_("Only the client approves their mail."))
    return user


@drafts_bp.post("/<int:draft_id>/approve")
@json_body(drafts_bp, ApproveSchema)
@drafts_bp.response(200, DraftSchema)
@token_required()
def approve_draft(draft_id):
    """Approve a draft waiting for approval (optionally with an edited body); it is sent."""
    draft = record_for(api_user(), Draft, draft_id)
    data = json_payload() if request.data else {}
    return drafting.approve_draft(draft, data, _approver(draft))


@drafts_bp.post("/<int:draft_id>/reject")
@json_body(drafts_bp, RejectSchema)
@drafts_bp.response(200, DraftSchema)
@token_required()
def reject_draft(draft_id):
    """Send a draft back to the secretary with a note."""
    draft = record_for(api_user(), Draft, draft_id)
    return drafting.reject_draft(draft, json_payload(), _approver(draft))


@drafts_bp.post("/<int:draft_id>/send")
@drafts_bp.response(200, DraftSchema)
@token_required()
def send_draft(draft_id):
    """Send the draft, or put it before the client if the contract needs approval; 409 if
    it was already sent."""
    user = api_user()
    return drafting.send_draft(record_for(user, Draft, draft_id), user)


@dictations_bp.get("/")
@dictations_bp.response(200, DictationSchema(many=True))
@token_required()
def list_dictations():
    return _listed(Dictation, Dictation.id.desc())


@dictations_bp.post("/")
@json_body(dictations_bp, DictationSchema)
@dictations_bp.response(201, DictationSchema)
@token_required()
def create_dictation():
    """Typed dictation; it becomes a dictation item for the client's secretary."""
    return dictations.create_dictation(json_payload(), api_user()), 201


@dictations_bp.get("/<int:dictation_id>")
@dictations_bp.response(200, DictationSchema)
@token_required()
def get_dictation(dictation_id):
    return record_for(api_user(), Dictation, dictation_id)


@dictations_bp.post("/<int:dictation_id>/transcription")
@json_body(dictations_bp, TranscriptionSchema)
@dictations_bp.response(200, DictationSchema)
@token_required()
def transcribe(dictation_id):
    """Attach the typed text of an audio dictation (a later one replaces it); 409 for a
    typed dictation. The work item's timeline records it."""
    user = api_user()
    return dictations.transcribe(record_for(user, Dictation, dictation_id), json_payload(), user)


@letters_bp.get("/")
@letters_bp.response(200, LetterSchema(many=True))
@token_required()
def list_letters():
    """The letter archive; ?client_id= and ?status=."""
    return _listed(Letter, Letter.id.desc())


@letters_bp.post("/")
@json_body(letters_bp, LetterSchema)
@letters_bp.response(201, LetterSchema)
@token_required()
def create_letter():
    return letters.create_letter(json_payload(), api_user()), 201


@letters_bp.get("/<int:letter_id>")
@letters_bp.response(200, LetterSchema)
@token_required()
def get_letter(letter_id):
    return record_for(api_user(), Letter, letter_id)


@letters_bp.get("/<int:letter_id>/pdf")
@letters_bp.response(200, description="The letter as application/pdf")
@token_required()
def letter_pdf(letter_id):
    return pdf_response(record_for(api_user(), Letter, letter_id))


@letters_bp.post("/<int:letter_id>/approve")
@json_body(letters_bp, ApproveSchema)
@letters_bp.response(200, LetterSchema)
@token_required()
def approve_letter(letter_id):
    letter = record_for(api_user(), Letter, letter_id)
    data = json_payload() if request.data else {}
    return letters.approve_letter(letter, data, _approver(letter))


@letters_bp.post("/<int:letter_id>/reject")
@json_body(letters_bp, RejectSchema)
@letters_bp.response(200, LetterSchema)
@token_required()
def reject_letter(letter_id):
    letter = record_for(api_user(), Letter, letter_id)
    return letters.reject_letter(letter, json_payload(), _approver(letter))


@letters_bp.post("/<int:letter_id>/mailed")
@json_body(letters_bp, MailedSchema)
@letters_bp.response(200, LetterSchema)
@token_required()
def mark_mailed(letter_id):
    """Mark the letter mailed; the postage becomes a billable expense on the contract."""
    user = api_user()
    return letters.mark_mailed(record_for(user, Letter, letter_id), json_payload(), user)


@templates_bp.get("/")
@templates_bp.response(200, TemplateSchema(many=True))
@token_required()
def list_templates():
    """Canned responses (kind=email) and letter templates (kind=letter); ?client_id= adds
    that client's own."""
    kinds = [request.args["kind"]] if request.args.get("kind") else ["email", "letter"]
    client_id = request.args.get("client_id", type=int)
    return [t for kind in kinds for t in writing.templates_for(kind, client_id)]


@templates_bp.post("/")
@json_body(templates_bp, TemplateSchema)
@templates_bp.response(201, TemplateSchema)
@token_required(managers=True)
def create_template():
    return writing.create_template(json_payload()), 201


@templates_bp.get("/<int:template_id>")
@templates_bp.response(200, TemplateSchema)
@token_required()
def get_template(template_id):
    return db.get_or_404(MailTemplate, template_id)


@templates_bp.patch("/<int:template_id>")
@json_body(templates_bp, TemplateSchema)
@templates_bp.response(200, TemplateSchema)
@token_required(managers=True)
def update_template(template_id):
    return writing.update_template(db.get_or_404(MailTemplate, template_id), json_payload())


def _mailbox_client(client_id):
    """A client whose mailbox the API user may manage: a manager's, or the client's own."""

    user = api_user()
    client = client_for(user, client_id)
    if not (user.is_manager or (user.full_client and user.client_id == client.id)):
        raise NotAllowed(_("Only the client or a manager connects the client's mailbox."))
    return client


def _mailbox_or_404(client):
    mailbox = imap.mailbox_of(client)
    if mailbox is None:
        raise NotFound()
    return mailbox


@mailboxes_bp.get("/<int:client_id>/mailbox")
@mailboxes_bp.response(200, MailboxSchema)
@token_required()
def get_mailbox(client_id):
    """The client's connected mailbox (the password is never returned); 404 if none."""
    return _mailbox_or_404(_mailbox_client(client_id))


@mailboxes_bp.put("/<int:client_id>/mailbox")
@json_body(mailboxes_bp, MailboxSchema)
@mailboxes_bp.response(200, MailboxSchema)
@token_required()
def put_mailbox(client_id):
    """Connect or change the client's mailbox. The login is tried first: a refused login
    or an unreachable server is a 422 and nothing is saved. Leave the password out to
    keep the saved one. Reading starts with mail that arrives afterwards."""
    return imap.connect(_mailbox_client(client_id), json_payload())


@mailboxes_bp.delete("/<int:client_id>/mailbox")
@mailboxes_bp.response(204)
@token_required()
def delete_mailbox(client_id):
    """Disconnect the client's mailbox; mail already read stays."""
    imap.disconnect(_mailbox_client(client_id))
    return "", 204


@mailboxes_bp.post("/<int:client_id>/mailbox/check")
@mailboxes_bp.response(200, MailboxSchema)
@token_required()
def check_mailbox(client_id):
    """Try the saved login now; "last_error" is null when it works, else why not."""
    return imap.check(_mailbox_or_404(_mailbox_client(client_id)))


@mail_settings_bp.get("/")
@mail_settings_bp.response(200, MailSettingsSchema)
@token_required(managers=True)
def get_mail_settings():
    """The agency's send rate (emails in clients' names per minute) and how long a
    finished conversation reopens."""
    settings = agency_mail_settings.agency_settings()
    db.session.commit()
    return settings


@mail_settings_bp.put("/")
@json_body(mail_settings_bp, MailSettingsSchema)
@mail_settings_bp.response(200, MailSettingsSchema)
@token_required(managers=True)
def put_mail_settings():
    """Set the send rate (mail over it waits for a later minute, none is dropped) and,
    when given, the days a finished conversation reopens."""
    return agency_mail_settings.save_settings(json_payload())
