"""The few look-ups that must cross agencies before a tenant is known.

Signing in with an email (web, API token, password reset) has to find which
agencies have that login. On PostgreSQL this goes through a SECURITY DEFINER
function owned by the migration role, so the app's role never reads across tenants.
"""

from sqlalchemy import text

from agency.kernel.database import db

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION agencies_with_login(p_email text)
RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT agency_id FROM users WHERE lower(email) = lower(p_email) AND active ORDER BY agency_id
$$
"""


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
