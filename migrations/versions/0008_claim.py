"""claim function: a desk's claim in one round trip on PostgreSQL

Revision ID: 0008_claim
Revises: 0006_recurring
Create Date: 2026-11-23 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_claim'
down_revision = '0006_recurring'
branch_labels = None
depends_on = None

# The tenant is set for the function's own transaction, so row-level security
# applies to everything it reads and writes; SECURITY INVOKER keeps the caller's
# rights. The candidate rules mirror agency.domains.work.claims._claimable and queue_order.
FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION claim_work_item(
    p_agency integer, p_secretary integer, p_item integer, p_actor integer, p_now timestamptz
) RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    picked integer;
    mine_rank integer;
BEGIN
    PERFORM set_config('app.agency_id', p_agency::text, true);
    IF p_item IS NULL THEN
        -- The head of what is assigned to this secretary, then the head of the pool of
        -- the clients they serve if it is strictly more urgent: each an index-ordered
        -- LIMIT 1, the same order as one sort by priority, mine first, due, age.
        SELECT w.id, w.priority_rank INTO picked, mine_rank FROM work_items w
        WHERE w.agency_id = p_agency AND w.status = 'assigned' AND w.assignee_id = p_secretary
        ORDER BY w.priority_rank, w.sla_due_at, w.created_at, w.id
        LIMIT 1 FOR UPDATE SKIP LOCKED;
        SELECT coalesce(
            (SELECT w.id FROM work_items w
             WHERE w.agency_id = p_agency AND w.status = 'queued' AND w.assignee_id IS NULL
               AND w.priority_rank < coalesce(mine_rank, 2147483647)
               AND w.client_id IN (
                   SELECT a.client_id FROM assignments a
                   WHERE a.secretary_id = p_secretary AND a.ended_at IS NULL)
             ORDER BY w.priority_rank, w.sla_due_at, w.created_at, w.id
             LIMIT 1 FOR UPDATE SKIP LOCKED),
            picked) INTO picked;
    ELSE
        SELECT w.id INTO picked FROM work_items w
        WHERE w.id = p_item AND w.agency_id = p_agency
          AND ((w.assignee_id = p_secretary AND w.status = 'assigned')
               OR (w.assignee_id IS NULL AND w.status = 'queued'))
        FOR UPDATE SKIP LOCKED;
    END IF;
    IF picked IS NULL THEN
        RETURN NULL;
    END IF;
    WITH claimed AS (
        UPDATE work_items
        SET assignee_id = p_secretary, status = 'in_progress',
            assigned_at = coalesce(assigned_at, p_now), started_at = coalesce(started_at, p_now)
        WHERE id = picked
        RETURNING id
    )
    INSERT INTO work_events (agency_id, item_id, at, actor_user_id, action, detail)
    SELECT p_agency, claimed.id, p_now, p_actor, 'claimed',
           json_build_object('secretary_id', p_secretary)
    FROM claimed;
    RETURN picked;
END
$$
"""


QUEUE_HEADS = {
    'ix_work_items_mine': (
        ['assignee_id', 'priority_rank', 'sla_due_at', 'created_at', 'id'],
        "status = 'assigned'",
    ),
    'ix_work_items_pool': (
        ['agency_id', 'priority_rank', 'sla_due_at', 'created_at', 'id'],
        "status = 'queued' AND assignee_id IS NULL",
    ),
}


def upgrade():
    for name, (columns, where) in QUEUE_HEADS.items():
        op.create_index(
            name,
            'work_items',
            columns,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'DROP FUNCTION IF EXISTS claim_work_item(integer, integer, integer, integer, timestamptz)'
        )
    for name in QUEUE_HEADS:
        op.drop_index(name, table_name='work_items')
