import base64
import binascii

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from agency.domains.mail.models import TemplateKind
from agency.kernel import validation

NOTE = validate.Length(max=1000)


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()


class InboundEmailSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    message_id = fields.String()
    thread_key = fields.String()
    in_reply_to = fields.String(allow_none=True)
    references = fields.String(allow_none=True)
    from_address = fields.String()
    from_name = fields.String(allow_none=True)
    to_address = fields.String()
    subject = fields.String()
    triage = fields.String()
    triage_reason = fields.String()
    work_item_id = fields.Integer(allow_none=True)
    received_at = fields.DateTime()


class InboundEmailDetailSchema(InboundEmailSchema):
    body_text = fields.String()
    body_html = fields.String(allow_none=True, metadata={"description": "Sanitised HTML"})
    attachments = fields.List(fields.Nested(AttachmentSchema))


class Base64Bytes(fields.String):
    """Bytes sent as standard base64 text."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SchemaError(_("This is not base64.")) from exc


class DraftAttachmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "e.g. application/pdf; guessed from the name when left out"},
    )
    size_bytes = fields.Integer(dump_only=True)
    content_base64 = Base64Bytes(
        required=True,
        load_only=True,
        data_key="content_base64",
        metadata={"description": "The file's bytes in standard base64"},
    )


ATTACHMENTS_DOC = (
    "Files to send with the email, each as base64 JSON; limits: MAIL_ATTACHMENT_MAX_BYTES "
    "a file and MAIL_ATTACHMENTS_MAX_BYTES together (413 above), MAIL_ATTACHMENTS_MAX_COUNT "
    "files (422 above)"
)


class DraftSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    to_address = fields.String(required=True, validate=validation.email)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    reply_to_email_id = validation.Id(allow_none=True, load_default=None)
    work_item_id = validation.Id(allow_none=True, load_default=None)
    dictation_id = validation.Id(allow_none=True, load_default=None)
    attachments = fields.List(
        fields.Nested(DraftAttachmentSchema),
        load_default=list,
        metadata={"description": ATTACHMENTS_DOC},
    )
    forward_attachment_ids = fields.List(
        validation.Id(),
        load_only=True,
        load_default=list,
        metadata={"description": "Ids of attachments of the client's received email to send on"},
    )
    submit = fields.Boolean(
        load_only=True,
        load_default=False,
        metadata={"description": "Send now, or ask the client's approval if the contract says so"},
    )
    status = fields.String(dump_only=True)
    review_note = fields.String(dump_only=True, allow_none=True)
    outbound_email_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    sent_at = fields.DateTime(dump_only=True, allow_none=True)


class DraftUpdateSchema(Schema):
    to_address = fields.String(validate=validation.email)
    subject = fields.String(validate=validate.Length(min=1, max=300))
    body = fields.String(validate=validate.Length(min=1, max=50000))
    attachments = fields.List(
        fields.Nested(DraftAttachmentSchema),
        metadata={"description": "Files added to the draft's own. " + ATTACHMENTS_DOC},
    )
    forward_attachment_ids = fields.List(validation.Id(), load_only=True)
    remove_attachment_ids = fields.List(
        validation.Id(), load_only=True, metadata={"description": "The draft's files to drop"}
    )


class ApproveSchema(Schema):
    body = fields.String(
        validate=validate.Length(min=1, max=50000),
        metadata={"description": "The client's edit, sent instead of the draft's body"},
    )


class RejectSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class DictationSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    text = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=50000))
    audio_name = fields.String(dump_only=True, allow_none=True)
    audio_type = fields.String(dump_only=True, allow_none=True)
    audio_size = fields.Integer(dump_only=True, allow_none=True)
    transcription = fields.String(dump_only=True, allow_none=True)
    transcribed_at = fields.DateTime(dump_only=True, allow_none=True)
    work_item_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class TranscriptionSchema(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50000),
        metadata={"description": "What the audio says, typed; replaces an earlier one"},
    )


class MailSettingsSchema(Schema):
    send_per_minute = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "Emails in clients' names that may leave per minute"},
    )
    reopen_days = fields.Integer(
        validate=validate.Range(min=0, max=365),
        metadata={
            "description": "A message to a finished conversation reopens its item for this "
            "many days after it was done; later (or 0) it starts a new item"
        },
    )


class TemplateSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in TemplateKind]))
    client_id = validation.Id(
        allow_none=True, load_default=None, metadata={"description": "None: the agency's own"}
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    subject = fields.String(load_default="", validate=validate.Length(max=300))
    body = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50000),
        metadata={"description": "Variables: {contact_name} {client_name} {today} {office}"},
    )
    archived_at = fields.DateTime(dump_only=True, allow_none=True)


class LetterSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = validation.Id(required=True)
    template_id = validation.Id(allow_none=True, load_default=None)
    work_item_id = validation.Id(allow_none=True, load_default=None)
    dictation_id = validation.Id(allow_none=True, load_default=None)
    recipient_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    recipient_address = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(
        load_default="",
        validate=validate.Length(max=50000),
        metadata={"description": "Empty: the template's body with its variables filled in"},
    )
    letter_date = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
    review_note = fields.String(dump_only=True, allow_none=True)
    printed_at = fields.DateTime(dump_only=True, allow_none=True)
    mailed_at = fields.DateTime(dump_only=True, allow_none=True)
    expense_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class MailedSchema(Schema):
    postage_minor = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=10_000_000),
        metadata={"description": "Postage in the contract currency's minor units"},
    )


class RulesSchema(Schema):
    urgent_keywords = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    forward_vip = fields.Boolean(load_default=True)
    signature = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=2000)
    )


class MailboxSchema(Schema):
    id = fields.Integer(dump_only=True)
    host = validation.Checked(
        validation.hostname, required=True, validate=validate.Length(min=1, max=253)
    )
    port = fields.Integer(load_default=993, validate=validate.Range(min=1, max=65535))
    use_ssl = fields.Boolean(load_default=True)
    username = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(
        load_only=True,
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Never returned; may be left out to keep the saved one"},
    )
    folder = fields.String(load_default="INBOX", validate=validate.Length(min=1, max=200))
    last_polled_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
