"""Plan templates and contracts, in and out."""

from marshmallow import Schema, fields, validate

from agency.domains.contracts.models import ContractStatus
from agency.kernel import validation


class TermsSchema(Schema):
    included_minutes = fields.Integer(required=True, validate=validate.Range(min=0))
    hourly_rate_minor = fields.Integer(required=True, validate=validate.Range(min=0))
    overage_rate_minor = fields.Integer(required=True, validate=validate.Range(min=0))
    currency = validation.Checked(validation.currency, required=True)
    rounding_minutes = fields.Integer(load_default=6, validate=validate.OneOf([1, 6, 15]))
    minimum_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 240))
    approval_required = fields.Boolean(load_default=False)
    rollover_periods = fields.Integer(load_default=0, validate=validate.Range(0, 12))
    overage_needs_approval = fields.Boolean(load_default=False)
    itemise_time = fields.Boolean(
        load_default=True,
        metadata={"description": "Whether its invoices list the time entries behind the hours"},
    )


class PlanSchema(TermsSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=500)
    )
    archived_at = fields.DateTime(dump_only=True, allow_none=True)


class ContractSchema(TermsSchema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    plan_id = validation.Id(allow_none=True, load_default=None)
    plan_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    billing_day = fields.Integer(load_default=1, validate=validate.Range(1, 28))
    status = fields.String(
        load_default=ContractStatus.draft.value,
        validate=validate.OneOf([s.value for s in ContractStatus]),
    )
    # The agency's terms the client accepted at signup (their version) and when.
    terms_version = fields.Integer(dump_only=True, allow_none=True)
    terms_accepted_at = fields.DateTime(dump_only=True, allow_none=True)


class ContractRevisionSchema(Schema):
    id = fields.Integer(dump_only=True)
    changed_by_id = fields.Integer(allow_none=True)
    changed_at = fields.DateTime()
    before = fields.Dict()
    after = fields.Dict()
