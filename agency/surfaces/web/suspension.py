"""A suspended agency is read-only: its people still see everything, with a banner that
says why, and every change is refused with a clear 403. Signing out stays open, and so
does the owner's way back: the subscription page, where the card is updated."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from agency.surfaces.web.errors import json_error

READS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_OPEN = {"auth.logout", "static", "ops.healthz", "ops.readyz", "ops.metrics"}
# The owner pays what is due from here while the agency is suspended.
RECOVERY = {"console.subscription_card_setup", "console.subscription_card"}


def suspended_message(agency) -> str:
    return _(
        "%(name)s is suspended: everything can be read, but nothing can be changed until "
        "it is resumed.",
        name=agency.name,
    )


def suspended_agency():
    """The signed-in person's agency, when it is suspended."""
    if not current_user.is_authenticated:
        return None
    agency = getattr(current_user, "agency", None)
    return agency if agency is not None and agency.is_suspended else None


def register(app) -> None:
    @app.before_request
    def _read_only():
        if request.method in READS or request.endpoint in ALWAYS_OPEN | RECOVERY:
            return None
        if request.path.startswith("/hooks/"):
            return None  # providers, not the signed-in person: each hook decides
        agency = suspended_agency()
        if agency is None:
            return None
        if request.path.startswith("/api/"):
            return json_error(403, "agency_suspended", suspended_message(agency))
        return render_template("suspended.html", agency=agency), 403

    @app.context_processor
    def _suspension_banner():
        return {"suspended_agency": suspended_agency()}
