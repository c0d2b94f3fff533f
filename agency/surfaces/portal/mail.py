"""The client's mail in the portal: drafts and letters to approve, dictation, the rules
that decide what is urgent, received mail and the letter archive."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency.domains.mail import dictations, drafting, imap, letters, services
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.access import draft_file_for, record_for
from agency.domains.mail.models import Draft, DraftStatus, InboundEmail, Letter, LetterStatus
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.files import attachment_response, pdf_response
from agency.surfaces.web.forms import ConfirmForm

bp = Blueprint("portal_mail", __name__, url_prefix="/portal/mail")


def _page(status: int = 200, errors: dict | None = None, dictation_text: str = ""):
    client = own_client()
    rules = mail_settings.rules_for(client)
    db.session.commit()  # the alias, made the first time
    pending = db.session.scalars(
        select(Draft)
        .where(Draft.client_id == client.id, Draft.status == DraftStatus.pending_approval)
        .order_by(Draft.id)
    ).all()
    pending_letters = db.session.scalars(
        select(Letter)
        .where(Letter.client_id == client.id, Letter.status == LetterStatus.pending_approval)
        .order_by(Letter.id)
    ).all()
    received = db.session.scalars(
        select(InboundEmail)
        .where(InboundEmail.client_id == client.id)
        .order_by(InboundEmail.received_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "mail/portal.html",
        client=client,
        rules=rules,
        alias=mail_settings.alias_address(rules),
        drafts=pending,
        pending_letters=pending_letters,
        received=received,
        letters=db.session.scalars(
            select(Letter).where(Letter.client_id == client.id).order_by(Letter.id.desc())
        ).all(),
        mailbox=imap.mailbox_of(client),
        errors=errors or {},
        dictation_text=dictation_text,
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/")
@roles_required("client")
def home():
    return _page()


@bp.post("/dictations")
@roles_required("client")
def dictate():
    client = own_client()
    text = request.form.get("text", "")
    if not ConfirmForm().validate_on_submit():
        return _page(400, {"text": [_("The form expired. Try again.")]}, text)
    try:
        dictations.create_dictation(
            {"client_id": client.id, "text": text},
            current_user,
            request.files.get("audio"),
            current_app.config["DICTATION_AUDIO_MAX_BYTES"],
        )
    except ValidationError as exc:
        db.session.rollback()
        return _page(exc.status_code, exc.fields or {"text": [exc.message]}, text)
    flash(_("Your dictation is with your secretary."), "success")
    return redirect(url_for("portal_mail.home"))


DECISIONS = {
    ("draft", "approve"): lambda r, form, user: drafting.approve_draft(r, form, user),
    ("draft", "reject"): lambda r, form, user: drafting.reject_draft(r, form, user),
    ("letter", "approve"): lambda r, form, user: letters.approve_letter(r, form, user),
    ("letter", "reject"): lambda r, form, user: letters.reject_letter(r, form, user),
}


def _decide(model, kind: str, record_id: int, decision: str):
    record = record_for(current_user, model, record_id)
    if ConfirmForm().validate_on_submit():
        form = {k: v for k, v in request.form.items() if k in ("body", "note") and v.strip()}
        try:
            DECISIONS[(kind, decision)](record, form, current_user)
            flash(_("Approved.") if decision == "approve" else _("Sent back."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(sum(exc.fields.values(), [])) or exc.message, "error")
    return redirect(url_for("portal_mail.home"))


@bp.post("/drafts/<int:draft_id>/<any(approve, reject):decision>")
@roles_required("client")
def decide_draft(draft_id, decision):
    return _decide(Draft, "draft", draft_id, decision)


@bp.get("/draft-attachments/<int:draft_attachment_id>")
@roles_required("client")
def draft_attachment(draft_attachment_id):
    return attachment_response(draft_file_for(current_user, draft_attachment_id))


@bp.post("/letters/<int:letter_id>/<any(approve, reject):decision>")
@roles_required("client")
def decide_letter(letter_id, decision):
    return _decide(Letter, "letter", letter_id, decision)


@bp.get("/letters/<int:letter_id>/pdf")
@roles_required("client")
def letter_pdf(letter_id):
    return pdf_response(record_for(current_user, Letter, letter_id))


@bp.post("/rules")
@roles_required("client")
@full_client_access
def rules():
    client = own_client()
    if ConfirmForm().validate_on_submit():
        keywords = [
            w for w in request.form.get("urgent_keywords", "").replace("\n", ",").split(",")
        ]
        try:
            services.update_rules(
                client,
                {
                    "urgent_keywords": [w.strip() for w in keywords if w.strip()],
                    "forward_vip": request.form.get("forward_vip") == "on",
                    "signature": request.form.get("signature", ""),
                },
            )
            flash(_("Your mail rules are saved."), "success")
        except ValidationError as exc:
            db.session.rollback()
            return _page(exc.status_code, exc.fields)
    return redirect(url_for("portal_mail.home"))


@bp.post("/mailbox")
@roles_required("client")
@full_client_access
def connect_mailbox():
    """Connect the client's own mailbox (IMAP); the login is tried before it is saved."""
    client = own_client()
    if not ConfirmForm().validate_on_submit():
        return _page(400, {"host": [_("The form expired. Try again.")]})
    data = {k: request.form.get(k, "") for k in ("host", "port", "username", "password", "folder")}
    data["use_ssl"] = request.form.get("use_ssl") == "on"
    data["port"] = data["port"] or 993
    data["folder"] = data["folder"] or "INBOX"
    data["password"] = data["password"] or None  # left empty: keep the saved one
    try:
        imap.connect(client, data)
    except ValidationError as exc:
        db.session.rollback()
        return _page(exc.status_code, exc.fields or {"host": [exc.message]})
    flash(_("Your mailbox is connected; new mail is read every few minutes."), "success")
    return redirect(url_for("portal_mail.home"))


@bp.post("/mailbox/remove")
@roles_required("client")
@full_client_access
def remove_mailbox():
    if ConfirmForm().validate_on_submit():
        imap.disconnect(own_client())
        flash(_("Your mailbox is disconnected."), "success")
    return redirect(url_for("portal_mail.home"))
