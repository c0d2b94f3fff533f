"""Numbers, call rules, calls and messages, in and out."""

import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from agency.domains.calls.models import Channel, RingMode, TransferMode, Urgency
from agency.domains.clients.schemas import UnavailableWindowSchema
from agency.kernel import validation

PATTERN_RE = re.compile(r"^\+[0-9]{1,15}\*?$")
TIME_RE = r"^([01]\d|2[0-3]):[0-5]\d$"


def number_or_pattern(value: str) -> str:
    """An E.164 number, or a prefix ending in * ("+4420*") that stands for many."""
    value = value.strip().replace(" ", "")
    if value.endswith("*"):
        if not PATTERN_RE.match(value):
            raise ValidationError(_("Write a pattern as + and digits ending in *, e.g. +4420*."))
        return value
    return validation.phone(value)


class PhoneNumberSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = validation.Checked(validation.phone, required=True)
    client_id = validation.Id(allow_none=True, load_default=None)
    label = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    created_at = fields.DateTime(dump_only=True)


class ScheduledStatusSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_("The end is before the start."), "ends_at")


class CallTypeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    questions = fields.List(
        fields.String(validate=validate.Length(min=1, max=300)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class PlannedStatuses(fields.Field):
    """[{"starts_at", "ends_at", "text"}], kept with the moments in ISO 8601 form."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or len(value) > 100:
            raise ValidationError(_("Give a list of at most 100 planned statuses."))
        loaded = ScheduledStatusSchema(many=True).load(value)
        return [
            {
                "starts_at": p["starts_at"].isoformat(),
                "ends_at": p["ends_at"].isoformat(),
                "text": p["text"],
            }
            for p in loaded
        ]

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])


def _numbers():
    return fields.List(
        validation.Checked(number_or_pattern), load_default=list, validate=validate.Length(max=2000)
    )


class CurrentStatusSchema(Schema):
    """What the desk and the portal show now: empty text when the client is available;
    ``until`` null when the status lasts until it is changed."""

    text = fields.String()
    until = fields.AwareDateTime(allow_none=True)


class CallRulesSchema(Schema):
    client_id = fields.Integer(dump_only=True)
    current_status = fields.Nested(CurrentStatusSchema, dump_only=True)
    number = fields.Method("_number", dump_only=True)
    vip_numbers = _numbers()
    forward_numbers = _numbers()
    block_numbers = _numbers()
    client_phone = validation.Checked(validation.phone, allow_none=True, load_default=None)
    transfer_mode = fields.String(
        load_default=TransferMode.warm.value,
        validate=validate.OneOf([m.value for m in TransferMode]),
    )
    ring_mode = fields.String(
        load_default=RingMode.sequential.value,
        validate=validate.OneOf([m.value for m in RingMode]),
    )
    ring_seconds = fields.Integer(load_default=20, validate=validate.Range(5, 120))
    urgent_keywords = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=list,
        validate=validate.Length(max=100),
    )
    channels = fields.List(
        fields.String(validate=validate.OneOf([c.value for c in Channel])),
        load_default=lambda: [Channel.email.value],
    )
    digest_times = fields.List(
        fields.String(validate=validate.Regexp(TIME_RE, error=_("Use HH:MM, e.g. 17:00."))),
        load_default=lambda: ["17:00"],
        validate=validate.Length(max=24),
    )
    scheduled_statuses = PlannedStatuses(load_default=list)
    status_templates = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    call_types = fields.List(
        fields.Nested(CallTypeSchema), load_default=list, validate=validate.Length(max=50)
    )
    # The client's own record, edited here too: when they cannot be reached. Left out, they
    # are kept as they are, even when the rest of the rules is replaced.
    business_hours = validation.WeeklyHours()
    unavailable_windows = fields.List(fields.Nested(UnavailableWindowSchema))

    def _number(self, rules):
        if isinstance(rules, dict):
            return rules.get("number")
        return getattr(rules, "line_number", None)


class StatusSchema(Schema):
    status_text = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    status_until = fields.AwareDateTime(allow_none=True, load_default=None)


class SimulationSchema(Schema):
    caller = validation.Checked(validation.phone, required=True)
    at = fields.AwareDateTime(required=True)


class DecisionSchema(Schema):
    action = fields.String()
    rule = fields.String()
    unreachable = fields.String()
    rounds = fields.Method("_rounds")
    warm = fields.Boolean()
    transfer_to = fields.String()
    greeting = fields.String()

    def _rounds(self, decision):
        return [
            {"numbers": list(numbers), "whisper": whisper} for numbers, whisper in decision.rounds
        ]


class CallSchema(Schema):
    id = fields.Integer(dump_only=True)
    call_sid = fields.String()
    client_id = fields.Integer()
    from_number = fields.String()
    to_number = fields.String()
    action = fields.String()
    rule = fields.String()
    status = fields.String()
    answered_by = fields.String(allow_none=True)
    answered_by_secretary_id = fields.Integer(allow_none=True)
    transfer_mode = fields.String(allow_none=True)
    transfer_status = fields.String(allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    time_entry_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class AnswerSchema(Schema):
    question = fields.String(required=True, validate=validate.Length(min=1, max=300))
    answer = fields.String(load_default="", validate=validate.Length(max=2000))


class MessageSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    call_id = validation.Id(allow_none=True, load_default=None)
    caller_name = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    company = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    number = validation.Checked(validation.phone, allow_none=True, load_default=None)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    # Left out (or null): urgent when the reason holds one of the client's urgent keywords.
    urgency = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf([u.value for u in Urgency])
    )
    callback_wanted = fields.Boolean(load_default=False)
    call_type = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    answers = fields.List(fields.Nested(AnswerSchema), load_default=list)
    source = fields.String(dump_only=True)
    recording_url = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    notified_at = fields.DateTime(dump_only=True, allow_none=True)
    read_at = fields.DateTime(dump_only=True, allow_none=True)
    handled_at = fields.DateTime(dump_only=True, allow_none=True)


class VoiceSettingsSchema(Schema):
    account_sid = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=64)
    )
    auth_token = fields.String(
        load_only=True, allow_none=True, load_default=None, validate=validate.Length(max=128)
    )
    api_key_sid = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=64)
    )
    api_key_secret = fields.String(
        load_only=True, allow_none=True, load_default=None, validate=validate.Length(max=128)
    )
    sms_from = validation.Checked(validation.phone, allow_none=True, load_default=None)


class DeskTokenSchema(Schema):
    token = fields.String(dump_only=True, metadata={"description": "A JWT for the voice SDK"})
    identity = fields.String(dump_only=True)
    expires_in = fields.Integer(dump_only=True, metadata={"description": "Seconds"})
