"""SLA targets, holidays and the SLA report, in and out."""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from agency.domains.work.models import Kind, Priority
from agency.kernel import validation

# A target longer than thirty days is a typing mistake, not a promise.
MAX_TARGET_MINUTES = 30 * 24 * 60


def target_minutes(value: int) -> None:
    if not 1 <= value <= MAX_TARGET_MINUTES:
        raise SchemaError(
            _("Enter whole minutes from 1 to %(max)d (30 days).", max=MAX_TARGET_MINUTES)
        )


class SlaTargetSchema(Schema):
    id = fields.Integer(dump_only=True)
    contract_id = validation.Id(
        allow_none=True,
        load_default=None,
        metadata={"description": "A contract's override; none for the agency's own target."},
    )
    kind = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf([k.value for k in Kind]),
        metadata={"description": "The kind of work; none for every kind."},
    )
    priority = fields.String(required=True, validate=validate.OneOf([p.value for p in Priority]))
    minutes = fields.Integer(required=True, strict=True, validate=target_minutes)
    business_hours_only = fields.Boolean(
        load_default=False,
        metadata={"description": "Count only the client's business hours (else wall-clock)."},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class HolidaySchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(
        allow_none=True,
        load_default=None,
        metadata={"description": "One client's own closed day; none for the whole agency."},
    )
    date = fields.Date(required=True, attribute="day")
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    created_at = fields.DateTime(dump_only=True)


class SlaRowSchema(Schema):
    key = fields.String(allow_none=True)
    name = fields.String()
    met = fields.Integer()
    missed = fields.Integer()
    pending = fields.Integer()
    total = fields.Integer()
    percent = fields.Float(allow_none=True, metadata={"description": "met / (met + missed)"})


class SlaReportSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    timezone = fields.String()
    by = fields.String()
    rows = fields.List(fields.Nested(SlaRowSchema))
    total = fields.Nested(SlaRowSchema)
