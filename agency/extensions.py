"""The web's Flask extensions, created unbound and bound in create_app() (the database
handle is the kernel's: ``agency.kernel.database``)."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_wtf import CSRFProtect
from marshmallow import Schema, fields

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _provider_webhook() -> bool:
    """Provider webhooks prove themselves by signature and come from addresses the
    provider shares among all its customers: they are never limited per address."""
    return request.path.startswith("/hooks/")


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "A word for the error"})
    message = fields.String(required=True, metadata={"description": "In the user's language"})
    field_errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        data_key="fields",  # (a schema's own ``fields`` is its field list)
        metadata={"description": "Each field in error, with its messages"},
    )


class ErrorBody(Schema):
    """Every error the API answers, whatever its status."""

    error = fields.Nested(ErrorDetail, required=True)


class JsonApi(Api):
    """flask-smorest without its own error handlers: the app renders every error, and the
    document says so (``ErrorBody``)."""

    ERROR_SCHEMA = ErrorBody

    def _register_error_handlers(self):
        pass


api = JsonApi()
