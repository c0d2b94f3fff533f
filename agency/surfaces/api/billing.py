"""Hours, time entries, expenses and invoices over the API."""

from flask import Response, abort, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from agency.domains.billing import entries as time_entries
from agency.domains.billing import expenses, invoicing, ledger, overage, pdf, reviews
from agency.domains.billing.models import Invoice
from agency.domains.billing.schemas import (
    ExpenseSchema,
    HoursSchema,
    InvoiceEventSchema,
    InvoiceReasonSchema,
    InvoiceRunSchema,
    InvoiceSchema,
    OverageApprovalSchema,
    TimeEntryAuditSchema,
    TimeEntryEditSchema,
    TimeEntrySchema,
)
from agency.domains.clients.models import Client
from agency.domains.hours.models import TimeEntry
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed
from agency.kernel.validation import load
from agency.surfaces.api.base import (
    api_user,
    client_filter,
    json_body,
    json_payload,
    token_required,
)

entries_bp = Blueprint(
    "api_time_entries",
    __name__,
    url_prefix="/api/v1/time-entries",
    description="The hours ledger: time against clients' contracts, manual entries, edits",
)
hours_bp = Blueprint(
    "api_client_hours",
    __name__,
    url_prefix="/api/v1/clients",
    description="Hours used against the included and carried-over hours in a client's "
    "current period, and the client's approvals of extra hours",
)
expenses_bp = Blueprint(
    "api_expenses", __name__, url_prefix="/api/v1/expenses", description="Billable expenses"
)
invoices_bp = Blueprint(
    "api_invoices",
    __name__,
    url_prefix="/api/v1/invoices",
    description="Invoices of closed billing periods, their lines and PDF",
)
blueprints = (entries_bp, hours_bp, expenses_bp, invoices_bp)


@entries_bp.get("/")
@entries_bp.response(200, TimeEntrySchema(many=True))
@token_required(managers=True)
def list_entries():
    """The latest 500 time entries; ?client_id= for one client's. ``locked`` is true once
    an invoice covers the entry."""
    return time_entries.entries(client_filter())


@entries_bp.post("/")
@json_body(entries_bp, TimeEntrySchema)
@entries_bp.response(201, TimeEntrySchema)
@token_required(managers=True)
def create_entry():
    """A manual entry (``minutes`` from ``started_at``), billed by the contract's rounding
    and minimum; ``reason`` is required and kept in the entry's audit."""
    entry = time_entries.add_manual_entry(json_payload(), api_user().id)
    entry.locked = False
    return entry


@entries_bp.patch("/<int:entry_id>")
@json_body(entries_bp, TimeEntryEditSchema)
@entries_bp.response(200, TimeEntrySchema)
@token_required(managers=True)
def edit_entry(entry_id):
    """Change ``minutes`` or ``billable`` with a ``reason``; refused (409) once invoiced."""
    entry = time_entries.edit_entry(
        db.get_or_404(TimeEntry, entry_id), json_payload(), api_user().id
    )
    entry.locked = False
    return entry


@entries_bp.get("/<int:entry_id>/edits")
@entries_bp.response(200, TimeEntryAuditSchema(many=True))
@token_required(managers=True)
def entry_edits(entry_id):
    """Who changed the entry, when, before, after and why."""
    return time_entries.audit(db.get_or_404(TimeEntry, entry_id))


@hours_bp.get("/<int:client_id>/hours")
@hours_bp.response(200, HoursSchema)
@token_required(managers=True)
def client_hours(client_id):
    return ledger.hours(db.get_or_404(Client, client_id))


def _own_client(client_id: int) -> Client:
    """A manager's client, or the signed-in client itself; another client's is a 404."""

    user = api_user()
    client = db.get_or_404(Client, client_id)
    if user.is_manager:
        return client
    if user.client_id is None:
        raise NotAllowed(_("Only the client or a manager can do that."))
    if user.client_id != client.id:
        abort(404)
    if not user.full_client:
        raise NotAllowed(_("Billing is for the client's people with full access."))
    return client


@hours_bp.get("/<int:client_id>/overage-approvals")
@hours_bp.response(200, OverageApprovalSchema(many=True))
@token_required()
def list_overage_approvals(client_id):
    """Every approval of extra hours the client gave, newest first (the latest of a period
    applies); for managers and the client itself."""
    return overage.approvals(_own_client(client_id).id)


@hours_bp.post("/<int:client_id>/overage-approvals")
@json_body(hours_bp, OverageApprovalSchema)
@hours_bp.response(201, OverageApprovalSchema)
@token_required()
def approve_overage(client_id):
    """The client approves extra hours for the current period, up to ``cap_minutes``
    (null: no cap); a manager may record it for the client. The managers are emailed."""
    return overage.approve(_own_client(client_id), json_payload(), api_user()), 201


@expenses_bp.get("/")
@expenses_bp.response(200, ExpenseSchema(many=True))
@token_required(managers=True)
def list_expenses():
    return expenses.expenses(client_filter())


@expenses_bp.post("/")
@json_body(expenses_bp, ExpenseSchema)
@expenses_bp.response(201, ExpenseSchema)
@token_required(managers=True)
def create_expense():
    """An expense in the contract's currency (minor units), invoiced with its period."""
    return expenses.add_expense(json_payload(), api_user().id)


@invoices_bp.get("/")
@invoices_bp.response(200, InvoiceSchema(many=True))
@token_required(managers=True)
def list_invoices():
    return reviews.invoices(client_filter(), request.args.get("status"))


@invoices_bp.post("/run")
@json_body(invoices_bp, InvoiceRunSchema)
@invoices_bp.response(200, InvoiceSchema(many=True))
@token_required(managers=True)
def run_invoices():
    """Close every period ended by ``on`` into draft invoices; a re-run makes nothing new."""
    data = load(InvoiceRunSchema(), json_payload())
    ids = invoicing.run_by_hand(on=data["on"])
    return [db.session.get(Invoice, invoice_id) for invoice_id in ids]


@invoices_bp.get("/<int:invoice_id>")
@invoices_bp.response(200, InvoiceSchema)
@token_required(managers=True)
def get_invoice(invoice_id):
    return db.get_or_404(Invoice, invoice_id)


@invoices_bp.post("/<int:invoice_id>/issue")
@invoices_bp.response(200, InvoiceSchema)
@token_required(managers=True)
def issue_invoice(invoice_id):
    """The reviewed draft is issued and pushed to the agency's Stripe account."""
    return reviews.issue(db.get_or_404(Invoice, invoice_id), api_user().id)


@invoices_bp.post("/<int:invoice_id>/discard")
@json_body(invoices_bp, InvoiceReasonSchema)
@invoices_bp.response(200, InvoiceEventSchema)
@token_required(managers=True)
def discard_invoice(invoice_id):
    """Throw a draft away with a ``reason``: its period's time entries can be changed
    again, and a run drafts it anew (the scheduled run after ``held_until``); 409 for an
    issued invoice."""
    return reviews.discard(db.get_or_404(Invoice, invoice_id), json_payload(), api_user().id)


@invoices_bp.post("/<int:invoice_id>/void")
@json_body(invoices_bp, InvoiceReasonSchema)
@invoices_bp.response(200, InvoiceSchema)
@token_required(managers=True)
def void_invoice(invoice_id):
    """Void an open or uncollectible invoice with a ``reason``, here and in Stripe; its
    period can then be corrected and invoiced again. 409 for a draft, a paid or a void
    invoice."""
    return reviews.void(db.get_or_404(Invoice, invoice_id), json_payload(), api_user().id)


@invoices_bp.get("/events")
@invoices_bp.response(200, InvoiceEventSchema(many=True))
@token_required(managers=True)
def invoice_events():
    """What was done to invoices (issued, discarded, voided), who did it and why, newest
    first; ?client_id= for one client's."""
    return reviews.history(client_id=client_filter())


@invoices_bp.get("/<int:invoice_id>/pdf")
@invoices_bp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The invoice and the time entries behind its lines, as a PDF",
)
@token_required(managers=True)
def invoice_pdf(invoice_id):
    """The invoice as a PDF: its lines, totals and the time entries behind them."""
    invoice = db.get_or_404(Invoice, invoice_id)
    return Response(pdf.render(invoice), mimetype="application/pdf")
