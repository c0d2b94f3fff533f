"""billing corrections: late time and costs booked in the next open period

A time entry or an expense that arrives in a period already invoiced is booked on the
first open day after it; the time it was worked (the day it was incurred) is kept.

Revision ID: 0021_billing_corrections
Revises: 0018_claim_plan
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import agency.columns


# revision identifiers, used by Alembic.
revision = '0021_billing_corrections'
down_revision = '0018_claim_plan'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_started_at', agency.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('original_ended_at', agency.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_incurred_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.drop_column('original_incurred_on')
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_column('original_ended_at')
        batch_op.drop_column('original_started_at')
