"""Liveness, readiness and the metrics scrape (for the platform's operators only)."""

import hmac

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from agency.domains.accounts.models import PlatformAdmin
from agency.kernel.database import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        current_app.extensions["redis"].ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if ready else "unavailable", "checks": checks}), (
        200 if ready else 503
    )


def _may_scrape() -> bool:
    """A signed-in operator of the platform, or a scraper with ``METRICS_TOKEN`` as its
    bearer token."""
    if isinstance(current_user._get_current_object(), PlatformAdmin):
        return True
    secret = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@bp.get("/metrics")
def metrics():
    if not _may_scrape():
        abort(404)
    body = generate_latest(current_app.extensions["metrics_registry"])
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}
