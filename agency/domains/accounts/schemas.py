"""Input and output shapes for accounts, shared by the web forms' services and the API."""

from marshmallow import Schema, fields, validate

from agency.domains.accounts.models import INVITABLE_ROLES, ClientAccess
from agency.kernel import validation


class AgencySignupSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    slug = validation.Checked(validation.slug, required=True)
    timezone = validation.Checked(validation.timezone, load_default="UTC")
    locale = validation.Checked(validation.locale, load_default="en")
    currency = validation.Checked(validation.currency, load_default="EUR")
    owner_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    owner_email = validation.Checked(validation.email, required=True)
    owner_password = validation.Checked(validation.password, required=True, load_only=True)


class InvitationSchema(Schema):
    email = validation.Checked(validation.email, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in INVITABLE_ROLES]))
    client_id = validation.Id(load_default=None, allow_none=True)
    client_access = fields.String(
        load_default=ClientAccess.full.value,
        validate=validate.OneOf([a.value for a in ClientAccess]),
    )


class ClientAccessSchema(Schema):
    client_access = fields.String(
        required=True, validate=validate.OneOf([a.value for a in ClientAccess])
    )


class AcceptInvitationSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = validation.Checked(validation.password, required=True, load_only=True)


class NewPasswordSchema(Schema):
    password = validation.Checked(validation.password, required=True, load_only=True)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1))
    agency = fields.String(load_default=None, allow_none=True)


class AgencySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    slug = fields.String()
    timezone = fields.String()
    locale = fields.String()
    currency = fields.String()
    status = fields.String()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String()
    role = fields.String()
    client_id = fields.Integer(allow_none=True)
    client_access = fields.String()
    locale = fields.String(allow_none=True)
    totp_enabled = fields.Boolean()
    created_at = fields.DateTime()


class AgencySignupResultSchema(Schema):
    agency = fields.Nested(AgencySchema)
    owner = fields.Nested(UserSchema)


class ApiTokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class IssuedTokenSchema(ApiTokenSchema):
    token = fields.String(metadata={"description": "Shown once; send as 'Authorization: Bearer'."})


class InvitationOutSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String()
    role = fields.String()
    client_id = fields.Integer(allow_none=True)
    client_access = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
