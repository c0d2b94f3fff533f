"""PostgreSQL row-level security: the second fence behind ORM scoping.

Each transaction of the app's role carries ``app.agency_id``; a policy on every
tenant table admits only that agency's rows. Migrations call ``enable(table)`` for
every new tenant-owned table.
"""

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from agency.kernel.database import db
from tenants.context import current_agency_id, follow

SETTING = "app.agency_id"


def policy_sql(table: str, column: str = "agency_id") -> list[str]:
    """Statements that put a tenant table behind row-level security, forced, so that
    the table's owner is fenced too (a role with BYPASSRLS, such as a superuser, is not)."""
    condition = f"{column} = NULLIF(current_setting('{SETTING}', true), '')::integer"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({condition}) WITH CHECK ({condition})",
    ]


def enable(op, table: str) -> None:
    """For migrations: protect ``table`` with the tenant policy on PostgreSQL."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in policy_sql(table):
        op.execute(statement)


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def grant_statements(role: str) -> list[str]:
    """What the migration owner grants the app's role (no ownership, no BYPASSRLS)."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}",
    ]


# The agency the setting holds in a session's open transaction, in ``session.info``: a
# request moves the tenant to the same agency more than once, and that costs nothing.
_HELD = "tenant_setting"
_UNSET = object()


def _set_setting(connection, agency_id: int | None) -> None:
    # As the driver's own SQL, with nothing to compile.
    connection.exec_driver_sql(
        "SELECT set_config(%(name)s, %(value)s, true)",
        {"name": SETTING, "value": "" if agency_id is None else str(agency_id)},
    )


def _after_begin(session: Session, transaction, connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    agency_id = current_agency_id()
    if session.info.get(_HELD, _UNSET) == (id(connection), agency_id) and transaction.nested:
        return  # a savepoint: the transaction's setting holds
    # A transaction starts with no agency (the setting is local to each transaction), so
    # no agency costs no statement.
    if agency_id is not None:
        _set_setting(connection, agency_id)
    session.info[_HELD] = (id(connection), agency_id)


def apply_to_open_transaction(agency_id: int | None) -> None:
    """When the tenant changes mid-transaction, move the PostgreSQL setting with it."""

    if not has_app_context():
        return

    session = db.session()
    if not session.in_transaction():
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    if session.info.get(_HELD, _UNSET) == (id(connection), agency_id):
        return
    try:
        _set_setting(connection, agency_id)
    except DBAPIError:
        # The transaction had already failed: nothing more runs in it, so end it.
        session.rollback()
        return
    session.info[_HELD] = (id(connection), agency_id)


def install(session_class) -> None:
    """Set the agency at the start of every transaction, and move it with the tenant."""
    if not event.contains(session_class, "after_begin", _after_begin):
        event.listen(session_class, "after_begin", _after_begin)
    follow(apply_to_open_transaction)
