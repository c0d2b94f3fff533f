"""Which agency an inbound number rings at: the voice webhook's only cross-tenant look-up.

On PostgreSQL a SECURITY DEFINER function owned by the migration role answers, so the
app's role never reads another agency's rows.
"""

from sqlalchemy import text

from agency.extensions import db

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION agency_of_number(p_number text)
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT agency_id FROM phone_numbers WHERE number = p_number
$$
"""

DROP_SQL = "DROP FUNCTION IF EXISTS agency_of_number(text)"


def agency_of_number(number: str) -> int | None:
    """The id of the agency whose pool holds ``number`` (E.164), or None."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        row = connection.execute(text("SELECT agency_of_number(:n)"), {"n": number}).first()
    else:
        row = connection.execute(
            text("SELECT agency_id FROM phone_numbers WHERE number = :n"), {"n": number}
        ).first()
    return row[0] if row else None
