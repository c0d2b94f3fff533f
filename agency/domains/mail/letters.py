"""Letters on the client's letterhead: written, approved like emails, rendered to PDF,
printed and mailed with the postage billed as an expense on the client's contract."""

from flask import render_template
from flask_babel import gettext as _

from agency.domains.billing.expenses import book_expense
from agency.domains.billing.periods import local_today
from agency.domains.mail import drafting, writing
from agency.domains.mail.access import client_for
from agency.domains.mail.models import Dictation, Letter, LetterStatus
from agency.domains.mail.schemas import ApproveSchema, LetterSchema, MailedSchema, RejectSchema
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.records import values_for
from tenants import Agency


def create_letter(data: dict, user) -> Letter:
    values = values_for(LetterSchema(), data)
    client = client_for(user, values["client_id"])
    template = None
    if values["template_id"] is not None:
        template = writing.template_for(client, values["template_id"], "letter")
    drafting.linked(WorkItem, values["work_item_id"], client, "work_item_id")
    drafting.linked(Dictation, values["dictation_id"], client, "dictation_id")
    body = values["body"].strip()
    if not body and template is not None:
        body = writing.fill(template.body, client, values["recipient_name"])
    if not body:
        raise ValidationError.on("body", _("Write the letter or choose a template."))
    status = (
        LetterStatus.pending_approval
        if drafting.approval_required(client)
        else LetterStatus.approved
    )
    letter = Letter(
        **{**values, "body": body},
        letter_date=local_today(clock.now(), client.timezone),
        status=status.value,
        created_by_id=user.id,
    )
    db.session.add(letter)
    db.session.flush()
    drafting.note_on_item(letter.work_item_id, "letter_written", user.id, letter_id=letter.id)
    db.session.commit()
    return letter


def _decide(letter: Letter, user, action: str) -> None:
    if letter.status != LetterStatus.pending_approval:
        raise Conflict(_("This letter is not waiting for approval."))
    drafting.note_on_item(letter.work_item_id, action, user.id, letter_id=letter.id)


def approve_letter(letter: Letter, data: dict, user) -> Letter:
    values = values_for(ApproveSchema(), data)
    _decide(letter, user, "letter_approved")
    if values.get("body"):
        letter.body = values["body"]
    letter.status = LetterStatus.approved.value
    letter.review_note = None
    db.session.commit()
    return letter


def reject_letter(letter: Letter, data: dict, user) -> Letter:
    values = values_for(RejectSchema(), data)
    _decide(letter, user, "letter_rejected")
    letter.status = LetterStatus.rejected.value
    letter.review_note = values["note"]
    db.session.commit()
    return letter


def mark_printed(letter: Letter, user) -> Letter:
    if letter.status != LetterStatus.approved:
        raise Conflict(_("Only an approved letter can be printed."))
    letter.status = LetterStatus.printed.value
    letter.printed_at = clock.now()
    db.session.commit()
    return letter


def mark_mailed(letter: Letter, data: dict, user) -> Letter:
    """Mailed, with the postage recorded once as a billable expense."""
    values = values_for(MailedSchema(), data)
    if letter.status not in (LetterStatus.approved, LetterStatus.printed):
        raise Conflict(_("Only an approved letter can be mailed."))
    now = clock.now()
    agency = db.session.get(Agency, letter.agency_id)
    contract = letter.client.active_contract
    expense = book_expense(
        letter.client_id,
        _("Postage: %(subject)s", subject=letter.subject),
        values["postage_minor"],
        contract.currency if contract is not None else agency.currency,
        local_today(now, agency.timezone),
        user.id,
    )
    letter.expense_id = expense.id
    letter.printed_at = letter.printed_at or now
    letter.mailed_at = now
    letter.status = LetterStatus.mailed.value
    drafting.note_on_item(letter.work_item_id, "letter_mailed", user.id, letter_id=letter.id)
    db.session.commit()
    return letter


def render_pdf(letter: Letter) -> bytes:
    """The letter on the client's letterhead as a PDF (WeasyPrint)."""
    from weasyprint import HTML  # here: only letters need Pango, the app runs without it

    client = letter.client
    html = render_template(
        "mail/letter_pdf.html",
        letter=letter,
        client=client,
        office=writing.office_name(client),
        signature=writing.signature_of(client),
        date_text=writing.long_date(client, letter.letter_date),
    )
    return HTML(string=html).write_pdf()
