"""The desk's mail: the reply composer (canned responses, signature), drafts from
dictation, letters, and the files that came with them."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency.domains.mail import attachments, dictations, drafting, letters, services, writing
from agency.domains.mail.access import client_for, draft_file_for, record_for, visible
from agency.domains.mail.models import (
    Dictation,
    Draft,
    EmailAttachment,
    InboundEmail,
    Letter,
)
from agency.domains.work.access import item_for
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.files import attachment_response, pdf_response
from agency.surfaces.web.forms import ConfirmForm

bp = Blueprint("desk_mail", __name__, url_prefix="/desk/mail")


def _composer(item, kind: str, values: dict, errors: dict | None = None, status: int = 200):
    email, dictation = services.for_item(item)
    drafts = db.session.scalars(
        select(Draft).where(Draft.work_item_id == item.id).order_by(Draft.id)
    ).all()
    item_letters = db.session.scalars(
        select(Letter).where(Letter.work_item_id == item.id).order_by(Letter.id)
    ).all()
    return render_template(
        "mail/desk_compose.html",
        item=item,
        kind=kind,
        client=item.client,
        email=email,
        dictation=dictation,
        drafts=drafts,
        letters=item_letters,
        templates=writing.templates_for(kind, item.client_id),
        values=values,
        errors=errors or {},
        approval=drafting.approval_required(item.client),
        confirm_form=ConfirmForm(),
    ), status


def _template_choice(item, kind):
    template_id = request.args.get("template_id", type=int)
    if not template_id:
        return None
    try:
        return writing.template_for(item.client, template_id, kind)
    except ValidationError as exc:
        flash(exc.message, "error")
        return None


@bp.get("/items/<int:item_id>/compose")
@roles_required("secretary")
def compose(item_id):
    item = item_for(current_user, item_id)
    email, _dictation = services.for_item(item)
    values = drafting.compose(item.client, email, _template_choice(item, "email"))
    return _composer(item, "email", values)


@bp.post("/items/<int:item_id>/drafts")
@roles_required("secretary")
def create_draft(item_id):
    item = item_for(current_user, item_id)
    email, dictation = services.for_item(item)
    values = {k: request.form.get(k, "") for k in ("to_address", "subject", "body")}
    if not ConfirmForm().validate_on_submit():
        return _composer(item, "email", values, {"form": [_("The form expired.")]}, 400)
    data = {
        **values,
        "client_id": item.client_id,
        "work_item_id": item.id,
        "reply_to_email_id": email.id if email else None,
        "dictation_id": dictation.id if dictation else None,
        "forward_attachment_ids": request.form.getlist("forward_attachment_ids"),
        "submit": request.form.get("submit") == "send",
    }
    try:
        uploads = [attachments.read_upload(f) for f in request.files.getlist("attachments")]
        draft = drafting.create_draft(data, current_user, [u for u in uploads if u])
    except ValidationError as exc:
        db.session.rollback()
        return _composer(
            item, "email", values, exc.fields or {"form": [exc.message]}, exc.status_code
        )
    messages = {
        "sent": _("The email is on its way."),
        "pending_approval": _("The draft waits for the client's approval."),
    }
    flash(messages.get(draft.status, _("The draft is saved.")), "success")
    return redirect(url_for("desk_mail.compose", item_id=item.id))


@bp.post("/drafts/<int:draft_id>/send")
@roles_required("secretary")
def send_draft(draft_id):
    draft = record_for(current_user, Draft, draft_id)
    back = (
        url_for("desk_mail.compose", item_id=draft.work_item_id)
        if draft.work_item_id
        else url_for("desk.home")
    )
    if ConfirmForm().validate_on_submit():
        try:
            drafting.send_draft(draft, current_user)
            flash(_("Done."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(back)


@bp.get("/items/<int:item_id>/letter")
@roles_required("secretary")
def letter_form(item_id):
    item = item_for(current_user, item_id)
    template = _template_choice(item, "letter")
    values = {"recipient_name": "", "recipient_address": "", "subject": "", "body": ""}
    if template is not None:
        values.update(subject=writing.fill(template.subject, item.client), template_id=template.id)
    return _composer(item, "letter", values)


@bp.post("/items/<int:item_id>/letters")
@roles_required("secretary")
def create_letter(item_id):
    item = item_for(current_user, item_id)
    _email, dictation = services.for_item(item)
    fields = ("recipient_name", "recipient_address", "subject", "body", "template_id")
    values = {k: request.form.get(k, "") for k in fields}
    if not ConfirmForm().validate_on_submit():
        return _composer(item, "letter", values, {"form": [_("The form expired.")]}, 400)
    data = {
        **values,
        "template_id": values["template_id"] or None,
        "client_id": item.client_id,
        "work_item_id": item.id,
        "dictation_id": dictation.id if dictation else None,
    }
    try:
        letter = letters.create_letter(data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _composer(item, "letter", values, exc.fields or {"form": [exc.message]}, 422)
    flash(
        _("The letter waits for the client's approval.")
        if letter.status == "pending_approval"
        else _("The letter is ready to print."),
        "success",
    )
    return redirect(url_for("desk_mail.letter_form", item_id=item.id))


@bp.get("/clients/<int:client_id>/letters")
@roles_required("secretary")
def archive(client_id):
    client = client_for(current_user, client_id)
    return render_template(
        "mail/letter_archive.html",
        client=client,
        letters=_letters_of(client.id),
        confirm_form=ConfirmForm(),
        surface="desk",
    )


def _letters_of(client_id: int):
    return db.session.scalars(
        select(Letter).where(Letter.client_id == client_id).order_by(Letter.id.desc())
    ).all()


@bp.get("/letters/<int:letter_id>/pdf")
@roles_required("secretary")
def letter_pdf(letter_id):
    return pdf_response(record_for(current_user, Letter, letter_id))


@bp.post("/letters/<int:letter_id>/<any(printed, mailed):step>")
@roles_required("secretary")
def letter_step(letter_id, step):
    letter = record_for(current_user, Letter, letter_id)
    if ConfirmForm().validate_on_submit():
        try:
            if step == "printed":
                letters.mark_printed(letter, current_user)
            else:
                letters.mark_mailed(
                    letter, {"postage_minor": request.form.get("postage_minor")}, current_user
                )
            flash(_("Done."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(sum(exc.fields.values(), [])) or exc.message, "error")
    return redirect(url_for("desk_mail.archive", client_id=letter.client_id))


@bp.get("/attachments/<int:attachment_id>")
@roles_required("secretary")
def attachment(attachment_id):
    found = db.session.scalar(
        select(EmailAttachment)
        .join(InboundEmail, InboundEmail.id == EmailAttachment.email_id)
        .where(EmailAttachment.id == attachment_id, visible(current_user, InboundEmail))
    )
    if found is None:
        raise NotFound()
    return attachment_response(found)


@bp.get("/draft-attachments/<int:draft_attachment_id>")
@roles_required("secretary")
def draft_attachment(draft_attachment_id):
    return attachment_response(draft_file_for(current_user, draft_attachment_id))


@bp.post("/dictations/<int:dictation_id>/transcription")
@roles_required("secretary")
def transcribe(dictation_id):
    dictation = record_for(current_user, Dictation, dictation_id)
    back = (
        url_for("desk_mail.compose", item_id=dictation.work_item_id)
        if dictation.work_item_id
        else url_for("desk.home")
    )
    if ConfirmForm().validate_on_submit():
        try:
            dictations.transcribe(dictation, {"text": request.form.get("text", "")}, current_user)
            flash(_("The transcription is saved."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(sum(exc.fields.values(), [])) or exc.message, "error")
    return redirect(back)


@bp.get("/dictations/<int:dictation_id>/audio")
@roles_required("secretary")
def dictation_audio(dictation_id):
    dictation = record_for(current_user, Dictation, dictation_id)
    if dictation.audio is None:
        raise NotFound()
    return Response(dictation.audio, mimetype=dictation.audio_type)
