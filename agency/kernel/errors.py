"""The one error type services raise for input they refuse."""

from flask_babel import gettext as _


class ValidationError(Exception):
    """Bad input: rendered as ``{"error": {"code", "message", "fields"}}`` or beside the field."""

    status_code = 422

    def __init__(
        self, message: str, fields: dict[str, list[str]] | None = None, code: str = "invalid"
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code

    @classmethod
    def on(cls, field: str, message: str) -> "ValidationError":
        """The error of one field, with the message both beside it and on top."""
        return cls(message, {field: [message]})


class Conflict(ValidationError):
    status_code = 409

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message, fields, code="conflict")


class Unauthenticated(ValidationError):
    """Credentials that do not match: 401, in the same body shape."""

    status_code = 401

    def __init__(self, message: str):
        super().__init__(message, code="invalid_login")


class NotAllowed(ValidationError):
    status_code = 403

    def __init__(self, message: str):
        super().__init__(message, code="forbidden")


class NotFound(ValidationError):
    """Not found, including another agency's records: always 404, never 403."""

    status_code = 404

    def __init__(self):
        super().__init__(_("Not found."), code="not_found")


class BadInput(ValidationError):
    """A request the server cannot read at all (malformed JSON, MIME or form)."""

    status_code = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message, fields, code="bad_request")


class AgencySuspended(ValidationError):
    """A change asked of an agency that is suspended: it can be read, not changed."""

    status_code = 403

    def __init__(self, message: str):
        super().__init__(message, code="agency_suspended")


class StripeUnavailable(ValidationError):
    """Stripe did not answer as it should: nothing was done, and trying again may work."""

    status_code = 503

    def __init__(self):
        super().__init__(
            _("The payment service did not answer. Nothing was saved; try again in a moment."),
            code="payment_service_unavailable",
        )
