"""Billing in and out: time entries, expenses, hours, invoices, the agency's settings."""

from marshmallow import Schema, fields, validate

from agency.kernel import validation


class TimeEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    secretary_id = validation.Id(allow_none=True, load_default=None)
    contract_id = fields.Integer(dump_only=True, allow_none=True)
    item_id = fields.Integer(dump_only=True, allow_none=True)
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(dump_only=True)
    minutes = fields.Integer(
        load_only=True, required=True, strict=True, validate=validate.Range(1, 24 * 60)
    )
    raw_minutes = fields.Integer(dump_only=True)
    billable_minutes = fields.Integer(dump_only=True)
    billable = fields.Boolean(load_default=True)
    source = fields.String(dump_only=True)
    unapproved_overage = fields.Boolean(dump_only=True)
    # When the time was worked, if that was in a period already invoiced: the entry is
    # booked from started_at, the first moment of the next open period.
    original_started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    original_ended_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    reason = fields.String(load_only=True, required=True, validate=validate.Length(min=3, max=500))
    locked = fields.Boolean(dump_only=True)


class TimeEntryEditSchema(Schema):
    """A change to an entry: new minutes and/or billable flag, and always the reason."""

    minutes = fields.Integer(strict=True, validate=validate.Range(1, 24 * 60))
    billable = fields.Boolean()
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class TimeEntryAuditSchema(Schema):
    id = fields.Integer()
    time_entry_id = fields.Integer()
    edited_by_id = fields.Integer(allow_none=True)
    edited_at = fields.DateTime()
    before = fields.Dict(allow_none=True)
    after = fields.Dict()
    reason = fields.String()


class ExpenseSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # Whole minor units only: 12.5 cents is refused, never rounded away.
    amount_minor = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**9))
    currency = validation.Checked(validation.currency, required=True)
    incurred_on = fields.Date(required=True)
    # The day it was incurred, if that was in a period already invoiced (postage).
    original_incurred_on = fields.Date(dump_only=True, allow_none=True)
    billable = fields.Boolean(load_default=True)
    created_at = fields.DateTime(dump_only=True)


class OverageApprovalSchema(Schema):
    """The client's approval of extra hours for a period; ``cap_minutes`` null: no cap."""

    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    period_start = fields.Date(dump_only=True)
    cap_minutes = fields.Integer(allow_none=True, validate=validate.Range(1, 100_000))
    approved_by_id = fields.Integer(dump_only=True, allow_none=True)
    approved_at = fields.DateTime(dump_only=True)


class CarrySchema(Schema):
    """Minutes carried over from the period that started on ``earned_in``; gone from
    ``expires_on`` (a local day)."""

    earned_in = fields.Date()
    minutes = fields.Integer()
    expires_on = fields.Date()


class HoursSchema(Schema):
    """The current period: included plus carried-over minutes are what is available; a
    contract with ``overage_needs_approval`` refuses more work once they are used up
    (``overage_blocked``) until the client approves extra hours."""

    client_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    included_minutes = fields.Integer()
    rollover_minutes = fields.Integer()
    available_minutes = fields.Integer()
    used_minutes = fields.Integer()
    remaining_minutes = fields.Integer()
    overage_minutes = fields.Integer()
    percent_used = fields.Integer()
    rollover_periods = fields.Integer()
    rollover = fields.List(fields.Nested(CarrySchema))
    overage_needs_approval = fields.Boolean()
    overage_approval = fields.Nested(OverageApprovalSchema, allow_none=True)
    overage_blocked = fields.Boolean()
    by_secretary = fields.List(fields.Dict())


class InvoiceLineSchema(Schema):
    position = fields.Integer()
    kind = fields.String()
    description = fields.String()
    minutes = fields.Integer(allow_none=True)
    rate_minor = fields.Integer(allow_none=True)
    amount_minor = fields.Integer()


class InvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    client_id = fields.Integer()
    contract_id = fields.Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    currency = fields.String()
    included_minutes = fields.Integer()
    used_minutes = fields.Integer()
    overage_minutes = fields.Integer()
    rollover_minutes = fields.Integer()
    carry_out = fields.List(fields.Nested(CarrySchema), attribute="carries")
    subtotal_minor = fields.Integer()
    tax_basis_points = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()
    status = fields.String()
    # Stripe's last attempt to collect failed: the invoice stays open, Stripe retries.
    payment_failed_at = fields.DateTime(allow_none=True)
    stripe_invoice_id = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(InvoiceLineSchema))


class InvoiceReasonSchema(Schema):
    """Why an invoice is discarded or voided: kept in its history."""

    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class InvoiceEventSchema(Schema):
    """A step in an invoice's history: ``issued``, ``discarded`` (a draft thrown away;
    ``invoice_id`` is then null), ``voided`` or ``paid_before_void``. ``held_until``: the
    scheduled run leaves the reopened period to the manager until then."""

    id = fields.Integer()
    client_id = fields.Integer()
    invoice_id = fields.Integer(allow_none=True)
    number = fields.String()
    period_start = fields.Date()
    action = fields.String()
    reason = fields.String(allow_none=True)
    total_minor = fields.Integer()
    currency = fields.String()
    held_until = fields.DateTime(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    at = fields.DateTime()


class InvoiceRunSchema(Schema):
    """Invoice the periods that have ended by ``on`` (a local day; today by default)."""

    on = fields.Date(load_default=None)


class BillingAccountSchema(Schema):
    stripe_secret_key = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=255)
    )
    stripe_webhook_secret = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=255)
    )
    stripe_publishable_key = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=255)
    )
    tax_basis_points = fields.Integer(load_default=0, validate=validate.Range(0, 10000))
    terms_text = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=50_000)
    )
    payment_terms_days = fields.Integer(load_default=14, validate=validate.Range(0, 120))
    agency_address = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=1000)
    )
