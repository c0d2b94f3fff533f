"""Clients, their contacts and assignments, in and out."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from agency.domains.clients.models import AssignmentRole, ContactKind
from agency.kernel import validation


class UnavailableWindowSchema(Schema):
    """A weekly window the client cannot be reached in, e.g. tue 09:00-12:00 Meetings."""

    weekday = fields.String(required=True, validate=validate.OneOf(validation.WEEKDAYS))
    start = fields.String(required=True, validate=validation.time_of_day)
    end = fields.String(required=True, validate=validation.end_of_day_span)
    label = fields.String(load_default="", validate=validate.Length(max=100))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if not {"weekday", "start", "end"} <= set(data):  # a partial load asks for none
            raise ValidationError(_("Give each window a weekday, a start and an end."))
        if data["end"] <= data["start"]:
            raise ValidationError(
                _(
                    "The window %(start)s-%(end)s ends before it starts.",
                    start=data["start"],
                    end=data["end"],
                ),
                "end",
            )


class ClientSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = validation.Checked(validation.email, allow_none=True, load_default=None)
    phone = validation.Checked(validation.phone, allow_none=True, load_default=None)
    address = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))
    timezone = validation.Checked(validation.timezone, load_default="UTC")
    languages = fields.List(validation.Checked(validation.language_code), load_default=list)
    industry = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64))
    required_specialities = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), load_default=list
    )
    required_skills = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Integer(validate=validate.Range(0, 300)),
        load_default=dict,
        metadata={"description": "Skills a secretary needs to serve it, with their lowest level"},
    )
    greeting = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    instructions = fields.String(allow_none=True, load_default=None)
    press_instructions = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=5000)
    )
    business_hours = validation.WeeklyHours(load_default=dict)
    unavailable_windows = fields.List(fields.Nested(UnavailableWindowSchema), load_default=list)
    status_text = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    status_until = fields.AwareDateTime(allow_none=True, load_default=None)
    archived_at = fields.DateTime(dump_only=True, allow_none=True)


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    kind = fields.String(
        load_default=ContactKind.other.value,
        validate=validate.OneOf([k.value for k in ContactKind]),
    )
    email = validation.Checked(validation.email, allow_none=True, load_default=None)
    phone = validation.Checked(validation.phone, allow_none=True, load_default=None)
    vip = fields.Boolean(load_default=False)
    marketing_consent = fields.Boolean(load_default=False)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    language = validation.Checked(validation.language_code, allow_none=True, load_default=None)
    orders = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    account_number = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=100)
    )
    outlet = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    beat = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    archived_at = fields.DateTime(dump_only=True, allow_none=True)

    @post_load
    def _tidy_tags(self, data, **kwargs):
        if "tags" in data:
            data["tags"] = normal_tags(data["tags"])
        return data


def normal_tags(tags) -> list[str]:
    """Lower case, words joined by hyphens, each once, in order."""
    found = ("-".join(str(t).strip().lower().split()) for t in tags or [])
    return sorted({t for t in found if t})


class AssignmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    secretary_id = validation.Id(required=True)
    role = fields.String(
        load_default=AssignmentRole.primary.value,
        validate=validate.OneOf([r.value for r in AssignmentRole]),
    )
    started_at = fields.DateTime(dump_only=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)
