"""The dashboard's figures out, for the API."""

from marshmallow import Schema, fields


class ClientOpenSchema(Schema):
    client_id = fields.Integer()
    client_name = fields.String()
    open_items = fields.Integer()


class SecretaryOpenSchema(Schema):
    secretary_id = fields.Integer(allow_none=True, metadata={"description": "null: the pool"})
    secretary_name = fields.String()
    open_items = fields.Integer()


class LateItemSchema(Schema):
    item_id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    priority = fields.String()
    status = fields.String()
    client_id = fields.Integer()
    client_name = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    sla_due_at = fields.DateTime()
    minutes_late = fields.Integer()


class UtilisationSchema(Schema):
    secretary_id = fields.Integer()
    secretary_name = fields.String()
    timezone = fields.String()
    week_starts_on = fields.Date(metadata={"description": "Monday, in the secretary's zone"})
    logged_minutes = fields.Integer()
    scheduled_minutes = fields.Integer()
    days_away = fields.Integer(metadata={"description": "days of the week under an absence"})
    logged_hours = fields.Float()
    scheduled_hours = fields.Float()
    percent = fields.Float(allow_none=True, metadata={"description": "null: nothing scheduled"})


class ClientHoursSchema(Schema):
    client_id = fields.Integer()
    client_name = fields.String()
    timezone = fields.String()
    month = fields.String(metadata={"description": "YYYY-MM, in the client's zone"})
    used_minutes = fields.Integer()
    used_hours = fields.Float()
    has_contract = fields.Boolean()
    plan_name = fields.String(allow_none=True)
    included_minutes = fields.Integer(allow_none=True)
    included_hours = fields.Float(allow_none=True)
    percent = fields.Float(allow_none=True, metadata={"description": "null: no contract"})


class DashboardSchema(Schema):
    at = fields.DateTime()
    open_items_total = fields.Integer()
    open_by_client = fields.List(fields.Nested(ClientOpenSchema))
    open_by_secretary = fields.List(fields.Nested(SecretaryOpenSchema))
    past_sla = fields.List(fields.Nested(LateItemSchema))
    past_sla_total = fields.Integer()
    utilisation = fields.List(fields.Nested(UtilisationSchema))
    client_hours = fields.List(fields.Nested(ClientHoursSchema))
