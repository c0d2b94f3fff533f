from urllib.parse import urlsplit

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from agency.domains.calendar.models import MADE_HERE, EventKind
from agency.kernel import validation


class CalendarFeedSchema(Schema):
    """A client's feed: the two forms of its address, and whether an app has read it."""

    client_id = fields.Integer(dump_only=True)
    web = fields.String(dump_only=True)
    webcal = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    first_fetched_at = fields.DateTime(dump_only=True, allow_none=True)
    last_fetched_at = fields.DateTime(dump_only=True, allow_none=True)


def http_url(value: str) -> str:
    if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise SchemaError(_("Give an address that starts with https:// or http://."))
    return value


class AttendeeSchema(Schema):
    email = validation.Checked(validation.email, required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(dump_only=True)


class EventSchema(Schema):
    """An event of a client's calendar. ``starts_at``/``ends_at`` with an offset are
    taken as given, without one on the clock of ``timezone`` (the client's by default);
    an all-day event gives ``starts_on`` and ``ends_on`` (its last day) instead."""

    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    kind = fields.String(
        load_default=EventKind.busy.value,
        validate=validate.OneOf([k.value for k in MADE_HERE]),
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    starts_at = fields.DateTime(load_default=None, allow_none=True)
    ends_at = fields.DateTime(load_default=None, allow_none=True)
    all_day = fields.Boolean(load_default=False)
    starts_on = fields.Date(load_default=None, allow_none=True, load_only=True)
    ends_on = fields.Date(load_default=None, allow_none=True, load_only=True)
    timezone = validation.Checked(validation.timezone, load_default=None, allow_none=True)
    busy = fields.Boolean(load_default=True)
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    video_url = validation.Checked(
        http_url, load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    attendees = fields.List(
        fields.Nested(AttendeeSchema), load_default=list, validate=validate.Length(max=50)
    )
    uid = fields.String(dump_only=True)
    sequence = fields.Integer(dump_only=True)
    etag = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    cancelled_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class MeetingRulesSchema(Schema):
    """The meeting part of the client's instruction sheet."""

    client_id = fields.Integer(dump_only=True)
    working_hours = validation.WeeklyHours(load_default=None, allow_none=True)
    buffer_before_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 240))
    buffer_after_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 240))
    daily_cap = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 50))
    min_notice_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 60 * 24 * 60))
    reminder_minutes = fields.Integer(load_default=60, validate=validate.Range(0, 7 * 24 * 60))
    remind_participants = fields.Boolean(load_default=False)
    hours_in_use = fields.Dict(dump_only=True)


class SlotQuerySchema(Schema):
    """What a meeting needs: its length, and the days to look in (the client's dates)."""

    minutes = fields.Integer(required=True, validate=validate.Range(5, 12 * 60))
    on_or_after = fields.Date(data_key="from", required=True)
    on_or_before = fields.Date(data_key="to", required=True)


class SlotSchema(Schema):
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    local = fields.String()


class ImportResultSchema(Schema):
    added = fields.Integer()
    changed = fields.Integer()
    unchanged = fields.Integer()
    skipped = fields.Integer()


class ParticipantViewSchema(Schema):
    email = fields.String()
    name = fields.String()
    answer = fields.String()
    picked_start = fields.DateTime(allow_none=True)
    timezone = fields.String(allow_none=True)


class MeetingRequestViewSchema(Schema):
    """A meeting being arranged, as the API shows it."""

    id = fields.Integer()
    client_id = fields.Integer()
    title = fields.String()
    minutes = fields.Integer()
    location = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    offered = fields.List(fields.String())
    status = fields.String()
    event_id = fields.Integer(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    participants = fields.List(fields.Nested(ParticipantViewSchema))


class ConnectionViewSchema(Schema):
    """The client's own calendar server, as the API shows it (never the password)."""

    client_id = fields.Integer()
    url = fields.String()
    username = fields.String()
    status = fields.String()
    last_error = fields.String(allow_none=True)
    last_synced_at = fields.DateTime(allow_none=True)
    next_sync_at = fields.DateTime(allow_none=True)
