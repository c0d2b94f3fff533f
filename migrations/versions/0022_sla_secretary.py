"""sla secretary: the secretary an item's SLA is counted against

Set when the item is first started (or closed unstarted) to whoever held it, and by
the SLA watchdog to whoever held it when it went past due. The claim function sets it
as it starts the item. Items started before this revision count against their current
assignee, as the report did until now.

Revision ID: 0022_sla_secretary
Revises: 0021_line_changes
Create Date: 2026-12-02 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '0022_sla_secretary'
down_revision = '0021_line_changes'
branch_labels = None
depends_on = None

STARTED = "started_at = coalesce(started_at, p_now)"
STARTED_BY = (
    STARTED + ",\n"
    "            sla_secretary_id = CASE WHEN started_at IS NULL"
    " THEN coalesce(sla_secretary_id, p_secretary) ELSE sla_secretary_id END"
)


def _claim_sql(revision_id):
    return context.script.get_revision(revision_id).module.FUNCTION_SQL


def upgrade():
    with op.batch_alter_table('work_items') as batch_op:
        batch_op.add_column(sa.Column('sla_secretary_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_work_items_sla_secretary_id_secretaries',
            'secretaries',
            ['sla_secretary_id'],
            ['id'],
            ondelete='SET NULL',
        )
    op.execute(
        "UPDATE work_items SET sla_secretary_id = assignee_id "
        "WHERE started_at IS NOT NULL OR closed_at IS NOT NULL"
    )
    if op.get_bind().dialect.name == 'postgresql':
        sql = _claim_sql('0018_claim_plan')
        assert STARTED in sql
        op.execute(sql.replace(STARTED, STARTED_BY))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_claim_sql('0018_claim_plan'))
    with op.batch_alter_table('work_items') as batch_op:
        batch_op.drop_constraint('fk_work_items_sla_secretary_id_secretaries', type_='foreignkey')
        batch_op.drop_column('sla_secretary_id')
