"""A client's bills to pay over the API: the secretaries and managers record them (the
document as a separate upload), schedule their payment and mark them paid; the client's
people approve them; either side disputes them."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.accounts.models import Role
from agency.domains.clients.access import client_for
from agency.domains.paperwork import bills, chasing, summary
from agency.domains.paperwork.models import ReceivableStatus
from agency.kernel.errors import NotAllowed
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required
from agency.surfaces.web import paperwork as paperwork_page
from agency.surfaces.web.files import file_download

bp = Blueprint(
    "api_paperwork",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's bills to pay: approval, payment, disputes and reminders",
)
blueprints = (bp,)


class BillViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    supplier = fields.String()
    number = fields.String(allow_none=True)
    amount = fields.String(metadata={"description": "In major units, e.g. 123.45"})
    amount_minor = fields.Integer()
    currency = fields.String()
    issued_on = fields.Date(allow_none=True)
    due_on = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    approved_by = fields.String(allow_none=True)
    scheduled_for = fields.Date(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    dispute_reason = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    document_name = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PreApprovedViewSchema(Schema):
    supplier = fields.String()
    up_to = fields.String()
    currency = fields.String()


class BillRulesViewSchema(Schema):
    pre_approved = fields.List(fields.Nested(PreApprovedViewSchema))
    remind_days_before = fields.Integer()


class ChaseViewSchema(Schema):
    number = fields.Integer()
    due_on = fields.Date()
    sent_at = fields.DateTime()
    draft_id = fields.Integer(allow_none=True)


class ReceivableViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    customer_name = fields.String()
    customer_email = fields.String()
    number = fields.String()
    amount = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    issued_on = fields.Date(allow_none=True)
    due_on = fields.Date()
    status = fields.String()
    first_after_days = fields.Integer()
    every_days = fields.Integer()
    chase_limit = fields.Integer()
    template_id = fields.Integer(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    dispute_reason = fields.String(allow_none=True)
    next_chase_on = fields.Date(allow_none=True)
    chases = fields.List(fields.Nested(ChaseViewSchema))


def _client(client_id):
    return client_for(api_user(), client_id)


def _staff_client(client_id):
    client = _client(client_id)
    if api_user().role == Role.client:
        raise NotAllowed(_("The office records bills and their payment."))
    return client


def _client_people(client_id):
    client = _client(client_id)
    if api_user().role != Role.client:
        raise NotAllowed(_("Only the client's own people approve their bills."))
    return client


@bp.get("/<int:client_id>/bills")
@bp.response(200, BillViewSchema(many=True))
@token_required()
def list_bills(client_id):
    """The client's bills, those still to settle first and soonest due first."""
    client = _client(client_id)
    today = bills.today_of(client)
    return [bills.view(b, today) for b in bills.bills_of(client)]


@bp.post("/<int:client_id>/bills")
@json_body(bp, bills.BillSchema)
@bp.response(201, BillViewSchema)
@token_required()
def create_bill(client_id):
    """Record a supplier's invoice: ``amount`` in major units (``"123.45"``) of
    ``currency``; approved at once when the client's rules approve that supplier up to
    that amount."""
    return bills.view(bills.create(_staff_client(client_id), json_payload()))


@bp.get("/<int:client_id>/bills/<int:bill_id>")
@bp.response(200, BillViewSchema)
@token_required()
def get_bill(client_id, bill_id):
    return bills.view(bills.bill_of(_client(client_id), bill_id))


@bp.post("/<int:client_id>/bills/<int:bill_id>/document")
@bp.doc(
    parameters=[{"name": "filename", "in": "query", "required": True,
                 "schema": {"type": "string", "maxLength": 255}}],
    requestBody={"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
)  # fmt: skip
@bp.response(200, BillViewSchema)
@token_required()
def add_bill_document(client_id, bill_id):
    """The invoice itself, sent as the body: a PDF or an image."""
    bill = bills.bill_of(_staff_client(client_id), bill_id)
    return bills.view(bills.attach(bill, request.args.get("filename", ""), request.get_data()))


@bp.get("/<int:client_id>/bills/<int:bill_id>/document")
@bp.response(200, description="The invoice, as a download")
@token_required()
def get_bill_document(client_id, bill_id):
    name, data = bills.document_of(bills.bill_of(_client(client_id), bill_id))
    return file_download(data, name)


@bp.post("/<int:client_id>/bills/<int:bill_id>/approve")
@bp.response(200, BillViewSchema)
@token_required()
def approve_bill(client_id, bill_id):
    """The client approves the bill (their own people only)."""
    return bills.view(bills.approve(bills.bill_of(_client_people(client_id), bill_id)))


@bp.post("/<int:client_id>/bills/<int:bill_id>/dispute")
@json_body(bp, bills.BillDecisionSchema)
@bp.response(200, BillViewSchema)
@token_required()
def dispute_bill(client_id, bill_id):
    """Dispute the bill, with a ``reason``."""
    return bills.view(bills.dispute(bills.bill_of(_client(client_id), bill_id), json_payload()))


@bp.post("/<int:client_id>/bills/<int:bill_id>/reopen")
@bp.response(200, BillViewSchema)
@token_required()
def reopen_bill(client_id, bill_id):
    """A disputed bill settled: it waits for approval again."""
    return bills.view(bills.reopen(bills.bill_of(_staff_client(client_id), bill_id)))


@bp.post("/<int:client_id>/bills/<int:bill_id>/schedule")
@json_body(bp, bills.BillDecisionSchema)
@bp.response(200, BillViewSchema)
@token_required()
def schedule_bill(client_id, bill_id):
    """Schedule an approved bill's payment ``on`` a day from today on."""
    bill = bills.bill_of(_staff_client(client_id), bill_id)
    return bills.view(bills.schedule(bill, json_payload()))


@bp.post("/<int:client_id>/bills/<int:bill_id>/pay")
@json_body(bp, bills.BillDecisionSchema)
@bp.response(200, BillViewSchema)
@token_required()
def pay_bill(client_id, bill_id):
    """Mark the bill paid (``on`` a day that has come; today when not given)."""
    bill = bills.bill_of(_staff_client(client_id), bill_id)
    return bills.view(bills.pay(bill, json_payload()))


@bp.get("/<int:client_id>/bill-rules")
@bp.response(200, BillRulesViewSchema)
@token_required()
def get_bill_rules(client_id):
    return bills.rules_view(_client(client_id))


@bp.put("/<int:client_id>/bill-rules")
@json_body(bp, bills.BillRulesSchema)
@bp.response(200, BillRulesViewSchema)
@token_required()
def put_bill_rules(client_id):
    """Suppliers approved in advance up to an amount, and the days before the due date
    the client is reminded."""
    client = _client(client_id)
    bills.save_rules(client, json_payload())
    return bills.rules_view(client)


@bp.get("/<int:client_id>/receivables")
@bp.response(200, ReceivableViewSchema(many=True))
@token_required()
def list_receivables(client_id):
    """Invoices the client issued to their customers, those still open first, with every
    chase sent and the next one's day."""
    return [chasing.view(r) for r in chasing.receivables_of(_client(client_id))]


@bp.post("/<int:client_id>/receivables")
@json_body(bp, chasing.ReceivableSchema)
@bp.response(201, ReceivableViewSchema)
@token_required()
def create_receivable(client_id):
    """An invoice to chase: the customer, ``amount`` in major units of ``currency``, the
    due date, and the schedule (``first_after_days`` after it, then ``every_days``, at
    most ``chase_limit`` chases), written from ``template_id`` (a canned response)."""
    return chasing.view(chasing.create(_staff_client(client_id), json_payload()))


@bp.get("/<int:client_id>/receivables/<int:receivable_id>")
@bp.response(200, ReceivableViewSchema)
@token_required()
def get_receivable(client_id, receivable_id):
    return chasing.view(chasing.receivable_of(_client(client_id), receivable_id))


@bp.patch("/<int:client_id>/receivables/<int:receivable_id>")
@json_body(bp, chasing.ScheduleSchema)
@bp.response(200, ReceivableViewSchema)
@token_required()
def reschedule_receivable(client_id, receivable_id):
    """Change the schedule (``first_after_days``, ``every_days``, ``chase_limit``): the
    client's choice, or the office's on their behalf."""
    found = chasing.receivable_of(_client(client_id), receivable_id)
    return chasing.view(chasing.reschedule(found, json_payload()))


@bp.post("/<int:client_id>/receivables/<int:receivable_id>/paid")
@json_body(bp, chasing.SettleSchema)
@bp.response(200, ReceivableViewSchema)
@token_required()
def receivable_paid(client_id, receivable_id):
    """Paid (``on`` a day that has come; today when not given): chasing stops."""
    found = chasing.receivable_of(_client(client_id), receivable_id)
    return chasing.view(chasing.settle(found, ReceivableStatus.paid, json_payload()))


@bp.post("/<int:client_id>/receivables/<int:receivable_id>/disputed")
@json_body(bp, chasing.SettleSchema)
@bp.response(200, ReceivableViewSchema)
@token_required()
def receivable_disputed(client_id, receivable_id):
    """The customer disputes it (``reason``): chasing stops."""
    found = chasing.receivable_of(_client(client_id), receivable_id)
    return chasing.view(chasing.settle(found, ReceivableStatus.disputed, json_payload()))


class SummaryLineSchema(Schema):
    kind = fields.String()
    party = fields.String(metadata={"description": "The supplier, or the client's customer"})
    number = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    due_on = fields.Date()
    on = fields.Date()


class SummaryTotalSchema(Schema):
    kind = fields.String()
    currency = fields.String()
    count = fields.Integer()
    amount_minor = fields.Integer()


class SummaryViewSchema(Schema):
    month = fields.Date()
    lines = fields.List(fields.Nested(SummaryLineSchema))
    totals = fields.List(fields.Nested(SummaryTotalSchema))


MONTH = [
    {"name": "month", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
]


@bp.get("/<int:client_id>/paperwork-summary")
@bp.doc(parameters=MONTH)
@bp.response(200, SummaryViewSchema)
@token_required()
def paperwork_summary(client_id):
    """The client's ``month`` (YYYY-MM; this one by default): bills paid, due and
    overdue, their invoices chased and paid, with totals per kind and currency."""
    client = _client(client_id)
    return summary.summary(client, summary.month_of(request.args.get("month"), client))


@bp.get("/<int:client_id>/paperwork-summary.csv")
@bp.doc(parameters=MONTH)
@bp.response(200, description="The month's lines as CSV")
@token_required()
def paperwork_summary_csv(client_id):
    return paperwork_page.csv_file(_client(client_id))
