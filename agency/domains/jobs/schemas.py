from marshmallow import Schema, fields


class FailedJobSchema(Schema):
    id = fields.String(metadata={"description": "The job id, for retry and discard"})
    queue = fields.String()
    purpose = fields.String(metadata={"description": 'What the job was for: "Route work item #12"'})
    failed_at = fields.DateTime(allow_none=True)
    attempts = fields.Integer(metadata={"description": "How many times it ran"})
    error = fields.String(metadata={"description": "The last line of the error"})
    status = fields.String(metadata={"description": "failed, queued (retried) or discarded"})
