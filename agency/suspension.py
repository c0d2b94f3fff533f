"""A suspended agency's users see one clear page; its webhooks are refused."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from agency.errors_http import json_error

ALLOWED_WHILE_SUSPENDED = {"auth.logout", "static", "ops.healthz", "ops.readyz", "ops.metrics"}


def register(app) -> None:
    @app.before_request
    def _refuse_suspended():
        if request.endpoint in ALLOWED_WHILE_SUSPENDED:
            return None
        agency = getattr(current_user, "agency", None) if current_user.is_authenticated else None
        if agency is None or not agency.is_suspended:
            return None
        if request.path.startswith("/api/"):
            return json_error(403, "agency_suspended", _("This agency is suspended."))
        return render_template("suspended.html", agency=agency), 403
