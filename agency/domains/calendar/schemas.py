from marshmallow import Schema, fields


class CalendarFeedSchema(Schema):
    """A client's feed: the two forms of its address, and whether an app has read it."""

    client_id = fields.Integer(dump_only=True)
    web = fields.String(dump_only=True)
    webcal = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    first_fetched_at = fields.DateTime(dump_only=True, allow_none=True)
    last_fetched_at = fields.DateTime(dump_only=True, allow_none=True)
