"""claim function: returns the client of the item it took beside its id

The desk that claims tells the other desks of the client (they show the item as taken);
the function is where the claim happens, so it says whose item it was, in the same round
trip: ``ARRAY[item, client]``, or NULL when nothing was free.

Revision ID: 0026_claim_tells_client
Revises: 0025_second_fence
Create Date: 2026-12-07 02:30:00.000000

"""
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '0026_claim_tells_client'
down_revision = '0025_second_fence'
branch_labels = None
depends_on = None

SIGNATURE = "claim_work_item(integer, integer, integer, integer, timestamptz)"


def _module(revision_id):
    return context.script.get_revision(revision_id).module


def _claim_sql_0022() -> str:
    sla = _module('0022_sla_secretary')
    return _module('0018_claim_plan').FUNCTION_SQL.replace(sla.STARTED, sla.STARTED_BY)


def _function_sql() -> str:
    sql = _claim_sql_0022()
    steps = (
        (") RETURNS integer\n", ") RETURNS integer[]\n"),
        ("    picked integer;\n", "    picked integer;\n    picked_client integer;\n"),
        (
            "        RETURNING id\n    )\n    INSERT INTO work_events",
            "        RETURNING id, client_id\n    ), logged AS (\n    INSERT INTO work_events",
        ),
        (
            "    FROM claimed;\n",
            "    FROM claimed\n    )\n    SELECT claimed.client_id INTO picked_client FROM claimed;\n",
        ),
        ("    RETURN picked;\n", "    RETURN ARRAY[picked, picked_client];\n"),
    )
    for before, after in steps:
        assert sql.count(before) == 1, before
        sql = sql.replace(before, after)
    return sql


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION {SIGNATURE}")
        op.execute(_function_sql())


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION {SIGNATURE}")
        op.execute(_claim_sql_0022())
