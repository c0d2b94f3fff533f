"""the desk's queue reads only open items: partial indexes of them by client and by
assignee

Revision ID: 0028_desk_indexes
Revises: 0027_browser_desks
Create Date: 2026-12-07 03:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_desk_indexes'
down_revision = '0027_browser_desks'
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'assigned', 'in_progress', 'waiting')"


def upgrade():
    for name, column in (("client", "client_id"), ("assignee", "assignee_id")):
        op.create_index(
            f"ix_work_items_open_{name}",
            "work_items",
            [column, "priority_rank", "sla_due_at"],
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    op.drop_index("ix_work_items_open_assignee", table_name="work_items")
    op.drop_index("ix_work_items_open_client", table_name="work_items")
