"""Secretary profiles in and out."""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from agency.domains.staff.models import AbsenceKind
from agency.kernel import validation

ABSENCE_KINDS = [k.value for k in AbsenceKind]


class LanguageSchema(Schema):
    code = validation.Checked(validation.language_code, required=True)
    level = fields.String(required=True, validate=validate.OneOf(validation.CEFR_LEVELS))


class SpecialitySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    training = fields.String(load_default="", validate=validate.Length(max=300))


class TrainingSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="certificate", validate=validate.Length(max=64))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1950, 2100))


class SecretarySchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True, allow_none=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = validation.Checked(validation.email, required=True)
    phone = validation.Checked(validation.phone, allow_none=True, load_default=None)
    timezone = validation.Checked(validation.timezone, load_default="UTC")
    languages = fields.List(fields.Nested(LanguageSchema), load_default=list)
    skills = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Integer(validate=validate.Range(0, 300)),
        load_default=dict,
    )
    specialities = fields.List(fields.Nested(SpecialitySchema), load_default=list)
    training = fields.List(fields.Nested(TrainingSchema), load_default=list)
    schedule = validation.WeeklyHours(load_default=dict)
    capacity_clients = fields.Integer(load_default=5, validate=validate.Range(0, 100))
    capacity_items = fields.Integer(load_default=10, validate=validate.Range(0, 1000))
    cost_rate_minor = fields.Integer(load_default=0, validate=validate.Range(min=0))
    team_lead_id = validation.Id(load_default=None, allow_none=True)
    # Set by the secretary (or a manager) through the shift endpoints, never here.
    shift_status = fields.String(dump_only=True)
    shift_status_at = fields.DateTime(dump_only=True, allow_none=True)
    archived_at = fields.DateTime(dump_only=True, allow_none=True)


class AbsenceSchema(Schema):
    id = fields.Integer(dump_only=True)
    secretary_id = fields.Integer(dump_only=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    kind = fields.String(load_default="leave", validate=validate.OneOf(ABSENCE_KINDS))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise SchemaError(_("The end date is before the start date."), "ends_on")


class ShiftOverrideSchema(Schema):
    id = fields.Integer(dump_only=True)
    secretary_id = fields.Integer(dump_only=True)
    day = fields.Date(required=True)
    spans = validation.DaySpans(
        required=True,
        metadata={
            "description": "the day's hours in the secretary's zone, [[\"10:00\", "
            '"14:00"]]; [] for a day off'
        },
    )
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))
