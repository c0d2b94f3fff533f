"""claim function: the pool's head read through its index in the plan PL/pgSQL keeps

A bound compared with ``coalesce(<variable>, <constant>)`` left the generic plan, which
PL/pgSQL keeps after a few calls, sorting every queued item of the agency on each claim;
the bound is now a variable of its own, and the plan reads the head of the pool index.
The clients the secretary serves are read once into an array, instead of a semi-join
to the assignments for the pool's head.

Revision ID: 0018_claim_plan
Revises: 0017_agency_from_parent
Create Date: 2026-11-23 20:05:00.000000

"""
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '0018_claim_plan'
down_revision = '0017_agency_from_parent'
branch_labels = None
depends_on = None

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION claim_work_item(
    p_agency integer, p_secretary integer, p_item integer, p_actor integer, p_now timestamptz
) RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    picked integer;
    mine_rank integer;
    ceiling integer;
    served integer[];
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
        ceiling := coalesce(mine_rank, 2147483647);
        served := ARRAY(SELECT a.client_id FROM assignments a
                        WHERE a.secretary_id = p_secretary AND a.ended_at IS NULL);
        SELECT coalesce(
            (SELECT w.id FROM work_items w
             WHERE w.agency_id = p_agency AND w.status = 'queued' AND w.assignee_id IS NULL
               AND w.priority_rank < ceiling
               AND w.client_id = ANY (served)
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


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(context.script.get_revision('0008_claim').module.FUNCTION_SQL)
