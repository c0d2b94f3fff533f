"""Recurring rules, in and out."""

import re

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from agency.domains.schedules.models import Frequency
from agency.domains.work.models import Kind, Priority
from agency.kernel import validation

_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def time_of_day(value: str) -> str:
    if not _TIME_OF_DAY.match(value):
        raise SchemaError(_("Give the time as HH:MM, e.g. 09:00."))
    return value


class RecurringRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    kind = fields.String(
        load_default=Kind.task.value, validate=validate.OneOf([k.value for k in Kind])
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=5000))
    priority = fields.String(
        load_default=Priority.normal.value, validate=validate.OneOf([p.value for p in Priority])
    )
    frequency = fields.String(
        required=True,
        validate=validate.OneOf([f.value for f in Frequency]),
        metadata={"description": "daily, weekly, monthly, or rrule (then give rrule)"},
    )
    time_of_day = validation.Checked(
        time_of_day,
        load_default="09:00",
        metadata={"description": "HH:MM in the rule's zone (an RRULE's start time)"},
    )
    weekdays = fields.List(
        fields.String(validate=validate.OneOf(validation.WEEKDAYS)),
        load_default=list,
        metadata={"description": 'Weekly rules: e.g. ["mon", "thu"]'},
    )
    day_of_month = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 31),
        metadata={"description": "Monthly rules: 1-31; a day the month lacks is its last day"},
    )
    rrule = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": "An RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO"},
    )
    timezone = validation.Checked(
        validation.timezone,
        allow_none=True,
        load_default=None,
        metadata={"description": "IANA zone; the client's when left out"},
    )
    starts_on = fields.Date(
        allow_none=True, load_default=None, metadata={"description": "Today when left out"}
    )
    ends_on = fields.Date(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    next_occurrences = fields.List(
        fields.DateTime(),
        dump_only=True,
        metadata={"description": "The next five occurrences, in UTC (none while paused)"},
    )
