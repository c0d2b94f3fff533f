"""JSON logs carrying the request id and the agency id."""

import logging
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from tenants import current_agency_id


class RequestContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        record.agency_id = current_agency_id()
        return True


def init_app(app) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestContext())
    if app.config["LOG_JSON"]:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(agency_id)s"
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s [req=%(request_id)s agency=%(agency_id)s] %(message)s"
            )
        )
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False

    @app.before_request
    def _request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex

    @app.after_request
    def _log(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        # The route, not the path: paths can carry signed tokens (invitations, resets).
        app.logger.info(
            "%s %s %s",
            request.method,
            request.url_rule.rule if request.url_rule else "<unmatched>",
            response.status_code,
            extra={"status": response.status_code, "endpoint": request.endpoint},
        )
        return response
