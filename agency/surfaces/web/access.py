"""Who may open a surface: a decorator per role set."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from agency.domains.accounts.models import MANAGING_ROLES, Role
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed


def roles_required(*roles):
    allowed = {Role(r) for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed & getattr(current_user, "roles", frozenset()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


managers_only = roles_required(*MANAGING_ROLES)


def signs_in_lazily(view):
    """The request does not load the signed-in user up front: the view may answer from
    the session cookie and Redis alone, and loads the user (and with it the tenant) only
    when it must, by touching ``current_user``."""
    view.signs_in_lazily = True
    return view


def platform_only(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if getattr(current_user, "role", None) != "platform":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def full_client_access(view):
    """A portal page a client's person with limited access does not open: billing, the
    contract, the instructions and the portal's people. Managers reach it too (the
    console's own checks apply)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role == Role.client and not current_user.full_client:
            raise NotAllowed(
                _(
                    "Your access to the portal is limited to messages, calls, mail and the "
                    "calendar. A colleague with full access can change that."
                )
            )
        return view(*args, **kwargs)

    return wrapped


def own_client():
    """The signed-in client person's client, or 404 (the portal's pages)."""
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    return client
