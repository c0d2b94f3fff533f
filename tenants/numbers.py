"""Which agency an inbound number rings at, and what its line needs to answer: the voice
webhook's only cross-tenant look-ups, made before any tenant is known.

On PostgreSQL one SECURITY DEFINER function, owned by the look-up role
(``tenants.directory.LOOKUP_ROLE``), names the number's agency and nothing else;
``voice_line`` then reads, in the same round trip and as that agency under row-level
security, the one line that the number belongs to (and that agency's auth token, still
encrypted, which the webhook checks the request's signature with before it uses
anything else).
"""

import json
from datetime import datetime

from sqlalchemy import text

from agency.kernel.database import call_in_autocommit, db

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION agency_of_number(p_number text)
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT agency_id FROM phone_numbers WHERE number = p_number
$$
"""

# What every version of the line function reads about the number's agency and client,
# and where it reads it from.
_LINE_FIELDS = """\
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
"""
_LINE_FROM = """\
FROM phone_numbers n
JOIN agencies a ON a.id = n.agency_id
LEFT JOIN clients c ON c.id = n.client_id
LEFT JOIN voice_settings vs ON vs.agency_id = n.agency_id
WHERE n.number = p_number
"""

# The line with every desk that may answer and what decides when each works: shift
# status, zone, weekly hours, and the absences, date overrides and agency holidays of the
# days around ``p_at`` (every zone's day is within a day of UTC's), for the decision to
# ring only whoever works at the call's moment. In PL/pgSQL, not SQL: a SQL function
# that cannot be inlined (SECURITY DEFINER) is planned afresh on every call, while
# PL/pgSQL keeps its plan for the connection, which makes the webhook's read about three
# times cheaper for the server.
LINE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION voice_line(p_number text, p_at timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
RETURN (
WITH near AS (
    SELECT (p_at AT TIME ZONE 'UTC')::date - 1 AS first_day,
           (p_at AT TIME ZONE 'UTC')::date + 1 AS last_day
)
SELECT json_build_object(
{_LINE_FIELDS}    'holidays', (SELECT coalesce(json_agg(h.day ORDER BY h.day), '[]'::json)
                 FROM holidays h, near
                 WHERE h.agency_id = n.agency_id AND h.client_id IS NULL
                   AND h.day BETWEEN near.first_day AND near.last_day),
    'desks', (SELECT coalesce(json_agg(json_build_object(
                  'id', s.id, 'name', s.name, 'phone', s.phone, 'role', asg.role,
                  'shift_status', s.shift_status, 'timezone', s.timezone,
                  'schedule', s.schedule,
                  'away', (SELECT coalesce(json_agg(json_build_array(
                               greatest(ab.starts_on, near.first_day),
                               least(ab.ends_on, near.last_day))), '[]'::json)
                           FROM absences ab
                           WHERE ab.secretary_id = s.id AND ab.agency_id = n.agency_id
                             AND ab.starts_on <= near.last_day
                             AND ab.ends_on >= near.first_day),
                  'overrides', (SELECT coalesce(json_agg(json_build_object(
                                    'day', o.day, 'spans', o.spans)), '[]'::json)
                                FROM shift_overrides o
                                WHERE o.secretary_id = s.id AND o.agency_id = n.agency_id
                                  AND o.day BETWEEN near.first_day AND near.last_day))
                  ORDER BY asg.role DESC, s.id), '[]'::json)
              FROM assignments asg JOIN secretaries s ON s.id = asg.secretary_id, near
              WHERE asg.client_id = c.id AND asg.agency_id = n.agency_id
                AND asg.ended_at IS NULL AND s.archived_at IS NULL
                AND s.phone IS NOT NULL))
{_LINE_FROM});
END
$$
"""

# The first version (migration 0009): on-shift desks only, whatever their hours.
LINE_FUNCTION_SQL_V1 = f"""
CREATE OR REPLACE FUNCTION voice_line(p_number text)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
SELECT json_build_object(
{_LINE_FIELDS}    'desks', (SELECT coalesce(json_agg(json_build_object(
                  'name', s.name, 'phone', s.phone, 'role', asg.role)
                  ORDER BY asg.role DESC, s.id), '[]'::json)
              FROM assignments asg JOIN secretaries s ON s.id = asg.secretary_id
              WHERE asg.client_id = c.id AND asg.agency_id = n.agency_id
                AND asg.ended_at IS NULL AND s.archived_at IS NULL
                AND s.shift_status = 'on_shift' AND s.phone IS NOT NULL))
{_LINE_FROM}$$
"""

# The second (migration 0012_calls_transfer): each desk with its secretary's id.
LINE_FUNCTION_SQL_V2 = LINE_FUNCTION_SQL_V1.replace(
    "'name', s.name, 'phone', s.phone, 'role', asg.role)",
    "'id', s.id, 'name', s.name, 'phone', s.phone, 'role', asg.role)",
)

# Behind the second fence (migration 0025_second_fence): the function runs with the app
# role's own rights. Only the number's agency is looked up across agencies (the narrow
# ``agency_of_number``); the line itself is read as that agency, under row-level security.
FENCED_LINE_FUNCTION_SQL = LINE_FUNCTION_SQL.replace(
    "LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$\nBEGIN\n",
    "LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public AS $$\n"
    "DECLARE\n    p_agency integer := agency_of_number(p_number);\n"
    "BEGIN\nIF p_agency IS NULL THEN\n    RETURN NULL;\nEND IF;\n"
    "PERFORM set_config('app.agency_id', p_agency::text, true);\n",
)

# Every desk, with a phone or without (migration 0027_browser_desks): a secretary with
# no phone answers in her browser.
BROWSER_LINE_FUNCTION_SQL = FENCED_LINE_FUNCTION_SQL.replace(
    "\n                AND s.phone IS NOT NULL))", "))"
)
assert BROWSER_LINE_FUNCTION_SQL != FENCED_LINE_FUNCTION_SQL

# The language the line speaks (migration 0033_spoken_language): the first of the client's
# callers' languages, else the agency's.
SPOKEN_LINE_FUNCTION_SQL = BROWSER_LINE_FUNCTION_SQL.replace(
    "'status_until', c.status_until) END,",
    "'status_until', c.status_until,\n"
    "            'language', coalesce(c.languages->>0, a.locale)) END,",
)
assert SPOKEN_LINE_FUNCTION_SQL != BROWSER_LINE_FUNCTION_SQL

DROP_LINE_SQL = "DROP FUNCTION IF EXISTS voice_line(text, timestamptz)"

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


def voice_line(number: str, at: datetime) -> dict | None:
    """PostgreSQL only: the line of ``number`` as one JSON document, with the desks'
    calendars around ``at``, in one round trip on a pooled connection in autocommit (no
    tenant setting, no transaction)."""
    value = call_in_autocommit("SELECT voice_line(%s, %s)", (number, at), read_only=True)
    return json.loads(value) if isinstance(value, str) else value
