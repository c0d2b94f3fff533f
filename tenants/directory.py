"""The few look-ups that must cross agencies before a tenant is known.

Signing in with an email (web, API token, password reset) has to find which agencies
have that login; a public page, a provider's webhook and the operator's tools find an
agency by its address (slug) or list the agencies. On PostgreSQL these go through
SECURITY DEFINER functions owned by a role of their own (``LOOKUP_ROLE``), which may
read just those columns across agencies: the app's role never reads another agency's
rows, not even the other agencies' own rows in ``agencies``. An agency's row itself is
then read as that agency (``agency``).
"""

from sqlalchemy import text

from agency.kernel.database import db
from tenants.context import use_agency
from tenants.models import Agency

# Owns the look-up functions; row-level security lets it read what they read.
LOOKUP_ROLE = "secretariat_lookup"

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION agencies_with_login(p_email text)
RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT agency_id FROM users WHERE lower(email) = lower(p_email) AND active ORDER BY agency_id
$$
"""

AGENCY_FUNCTIONS_SQL = [
    """
CREATE OR REPLACE FUNCTION agency_of_slug(p_slug text)
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM agencies WHERE slug = p_slug
$$
""",
    """
CREATE OR REPLACE FUNCTION agency_ids(p_active_only boolean)
RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM agencies WHERE NOT p_active_only OR status = 'active' ORDER BY id
$$
""",
]
DROP_AGENCY_FUNCTIONS_SQL = [
    "DROP FUNCTION IF EXISTS agency_of_slug(text)",
    "DROP FUNCTION IF EXISTS agency_ids(boolean)",
]


def _postgres() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def agencies_with_login(email: str) -> list[int]:
    """Ids of the agencies where ``email`` is an active user's login."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(text("SELECT agencies_with_login(:email)"), {"email": email})
    else:
        rows = connection.execute(
            text(
                "SELECT agency_id FROM users WHERE lower(email) = lower(:email) AND active "
                "ORDER BY agency_id"
            ),
            {"email": email},
        )
    return [row[0] for row in rows]


def agency_of_slug(slug: str) -> int | None:
    """The id of the agency at that address, or None."""
    if _postgres():
        return db.session.scalar(text("SELECT agency_of_slug(:slug)"), {"slug": slug})
    return db.session.scalar(text("SELECT id FROM agencies WHERE slug = :slug"), {"slug": slug})


def agency_ids(active_only: bool = False) -> list[int]:
    """Every agency's id (only the active ones': ``active_only``), in order."""
    if _postgres():
        statement, params = "SELECT agency_ids(:only)", {"only": active_only}
    else:
        statement = "SELECT id FROM agencies" + (" WHERE status = 'active'" if active_only else "")
        statement, params = statement + " ORDER BY id", {}
    return db.session.scalars(text(statement), params).all()


def agency(agency_id: int) -> Agency | None:
    """The agency's row, read as that agency (an agency sees only its own)."""
    with use_agency(agency_id):
        return db.session.get(Agency, agency_id)


def agency_at(slug: str) -> Agency | None:
    agency_id = agency_of_slug(slug)
    return agency(agency_id) if agency_id is not None else None
