"""Errors as JSON under /api and as pages elsewhere; never a 500 for bad input."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from agency.kernel.database import db
from agency.kernel.errors import ValidationError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/hooks/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def _flatten(value) -> list:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flatten(v)]
    return [value]


def register(app) -> None:
    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        db.session.rollback()
        if _wants_json():
            return json_error(exc.status_code, exc.code, exc.message, exc.fields)
        return render_template(
            "error.html", code=exc.status_code, message=exc.message
        ), exc.status_code

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        if _wants_json():
            return json_error(400, "csrf", message)
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        messages = {
            400: _("The request could not be understood."),
            401: _("Sign in first."),
            403: _("You are not allowed to do that."),
            404: _("Not found."),
            405: _("That method is not allowed here."),
            413: _("The upload is too large."),
            415: _("Unsupported content type."),
            422: _("Some fields need attention."),
            429: _("Too many attempts. Wait a few minutes and try again."),
        }
        message = messages.get(exc.code, exc.description or exc.name)
        if _wants_json():
            fields = {}
            data = getattr(exc, "data", None) or {}
            if isinstance(data.get("messages"), dict):
                for location_messages in data["messages"].values():
                    for name, messages in location_messages.items():
                        fields[str(name)] = [str(m) for m in _flatten(messages)]
            code = exc.name.lower().replace(" ", "_")
            response = json_error(exc.code or 500, code, message, fields)
            return response
        return render_template("error.html", code=exc.code, message=message), exc.code
