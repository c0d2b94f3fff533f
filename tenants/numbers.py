"""Which agency an inbound number rings at, and what its line needs to answer: the voice
webhook's only cross-tenant look-ups, made before any tenant is known.

On PostgreSQL SECURITY DEFINER functions owned by the migration role answer, so the
app's role never reads another agency's rows; ``voice_line`` returns, in one round trip,
the one line that the number belongs to (and that agency's auth token, still encrypted,
which the webhook checks the request's signature with before it uses anything else).
"""

import json

from sqlalchemy import text

from agency.extensions import call_in_autocommit, db

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION agency_of_number(p_number text)
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT agency_id FROM phone_numbers WHERE number = p_number
$$
"""

LINE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION voice_line(p_number text)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
SELECT json_build_object(
    'agency_id', n.agency_id,
    'agency_status', a.status,
    'auth_token', vs.auth_token,
    'client', CASE WHEN c.id IS NULL OR c.archived_at IS NOT NULL THEN NULL ELSE
        json_build_object(
            'id', c.id, 'name', c.name, 'timezone', c.timezone, 'greeting', c.greeting,
            'phone', c.phone, 'business_hours', c.business_hours,
            'unavailable_windows', c.unavailable_windows, 'status_text', c.status_text,
            'status_until', c.status_until) END,
    'rules', (SELECT row_to_json(r) FROM call_rules r
              WHERE r.client_id = c.id AND r.agency_id = n.agency_id),
    'vips', (SELECT coalesce(json_agg(ct.phone), '[]'::json) FROM contacts ct
             WHERE ct.client_id = c.id AND ct.agency_id = n.agency_id AND ct.vip
               AND ct.archived_at IS NULL AND ct.phone IS NOT NULL),
    'desks', (SELECT coalesce(json_agg(json_build_object(
                  'id', s.id, 'name', s.name, 'phone', s.phone, 'role', asg.role)
                  ORDER BY asg.role DESC, s.id), '[]'::json)
              FROM assignments asg JOIN secretaries s ON s.id = asg.secretary_id
              WHERE asg.client_id = c.id AND asg.agency_id = n.agency_id
                AND asg.ended_at IS NULL AND s.archived_at IS NULL
                AND s.shift_status = 'on_shift' AND s.phone IS NOT NULL))
FROM phone_numbers n
JOIN agencies a ON a.id = n.agency_id
LEFT JOIN clients c ON c.id = n.client_id
LEFT JOIN voice_settings vs ON vs.agency_id = n.agency_id
WHERE n.number = p_number
$$
"""

DROP_SQL = [
    "DROP FUNCTION IF EXISTS voice_line(text)",
    "DROP FUNCTION IF EXISTS agency_of_number(text)",
]


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


def voice_line(number: str) -> dict | None:
    """PostgreSQL only: the line of ``number`` as one JSON document, in one round trip
    on a pooled connection in autocommit (no tenant setting, no transaction)."""
    value = call_in_autocommit("SELECT voice_line(%s)", (number,), read_only=True)
    return json.loads(value) if isinstance(value, str) else value
