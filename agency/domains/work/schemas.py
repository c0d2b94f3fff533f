from marshmallow import Schema, fields, validate

from agency.domains.staff.models import ShiftStatus
from agency.domains.work.models import Kind, Priority, Source
from agency.kernel import validation


def _location(**kwargs):
    return fields.String(allow_none=True, validate=validate.Length(max=300), **kwargs)


def _attendees(**kwargs):
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=50),
        **kwargs,
    )


def _event_notes(**kwargs):
    return fields.String(allow_none=True, validate=validate.Length(max=5000), **kwargs)


class WorkItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    contact_id = fields.Integer(
        allow_none=True,
        load_default=None,
        metadata={"description": "The client's contact the work is about"},
    )
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(allow_none=True, load_default=None)
    priority = fields.String(
        load_default=Priority.normal.value, validate=validate.OneOf([p.value for p in Priority])
    )
    source = fields.String(
        load_default=Source.api.value, validate=validate.OneOf([s.value for s in Source])
    )
    source_key = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=255)
    )
    links = fields.Dict(load_default=dict)
    due_at = fields.DateTime(
        load_only=True,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "When it is due, instead of the time its SLA gives; without an "
            "offset, on the client's wall clock"
        },
    )
    status = fields.String(dump_only=True)
    assignee_id = fields.Integer(dump_only=True, allow_none=True)
    sla_due_at = fields.DateTime(dump_only=True, allow_none=True)
    outcome = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    assigned_at = fields.DateTime(dump_only=True, allow_none=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    # Meetings and travel: the arranged event. Moments with an offset are taken as
    # given; without one, on the client's wall clock. Sent back in UTC.
    starts_at = fields.DateTime(allow_none=True, load_default=None)
    ends_at = fields.DateTime(allow_none=True, load_default=None)
    location = _location(load_default=None)
    attendees = _attendees(load_default=list)
    event_notes = _event_notes(load_default=None)


class WorkItemUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    body = fields.String(allow_none=True)
    priority = fields.String(validate=validate.OneOf([p.value for p in Priority]))
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    location = _location()
    attendees = _attendees()
    event_notes = _event_notes()


class CompleteSchema(Schema):
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class WorkEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_user_id = fields.Integer(allow_none=True)
    actor_name = fields.Function(
        lambda event: event.actor.name if event.actor else None, allow_none=True
    )
    action = fields.String()
    detail = fields.Dict()


class WorkItemDetailSchema(WorkItemSchema):
    events = fields.List(fields.Nested(WorkEventSchema), dump_only=True)


class ReassignSchema(Schema):
    secretary_id = validation.Id(required=True)


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ShiftSchema(Schema):
    shift_status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in ShiftStatus])
    )
    shift_status_at = fields.DateTime(dump_only=True, allow_none=True)
