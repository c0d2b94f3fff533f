"""POST /hooks/email/inbound: raw MIME from the agency's mail provider."""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from agency.domains.mail import inbound
from agency.domains.mail import settings as mail_settings
from agency.kernel.errors import ValidationError
from tenants import use_agency
from tenants.models import AgencyStatus

bp = Blueprint("hooks_email", __name__, url_prefix="/hooks/email")

MIME_TYPES = ("message/rfc822",)


class BadKey(ValidationError):
    status_code = 401

    def __init__(self):
        super().__init__(_("The inbound key is missing or wrong."), code="unauthorized")


def _raw_message(limit: int) -> bytes:
    if request.mimetype not in MIME_TYPES:
        raise ValidationError(
            _("Send the message as Content-Type: message/rfc822."), code="unsupported"
        )
    if request.content_length is not None and request.content_length > limit:
        raise inbound.TooLarge(_("The message is larger than the limit."))
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise inbound.TooLarge(_("The message is larger than the limit."))
    return raw


def _try_later():
    """A suspended agency takes no mail in; the provider keeps the message and retries
    (an hour later, and for days), so nothing is lost if the agency is resumed."""
    response = jsonify(
        {
            "error": {
                "code": "agency_suspended",
                "message": _("This agency is suspended; send the message again later."),
                "fields": {},
            }
        }
    )
    response.status_code = 503
    response.headers["Retry-After"] = "3600"
    return response


@bp.post("/inbound")
def receive():
    """One inbound message; the key (X-Inbound-Key header or ?key=) names and proves the
    agency. It is kept and answered at once (201, triage "pending"); a job reads it."""
    key = request.headers.get("X-Inbound-Key") or request.args.get("key", "")
    agency_id = mail_settings.agency_for_key(key)
    if agency_id is None:
        raise BadKey()
    with use_agency(agency_id):  # set once: every read below is the agency's
        status = mail_settings.key_status(key)
        if status is None:
            raise BadKey()
        if status == AgencyStatus.suspended:
            return _try_later()
        raw = _raw_message(current_app.config["MAIL_INBOUND_MAX_BYTES"])
        email_id, triage, created = inbound.accept(raw)
        body = {"id": email_id, "triage": triage, "duplicate": not created}
    return jsonify(body), 201 if created else 200
