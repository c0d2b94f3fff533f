"""skills in matching: the skills a client needs its secretaries to have, and how well

Revision ID: 0032_required_skills
Revises: 0031_invoice_details
Create Date: 2026-12-07 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0032_required_skills'
down_revision = '0031_invoice_details'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clients') as batch_op:
        batch_op.add_column(
            sa.Column('required_skills', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('clients') as batch_op:
        batch_op.drop_column('required_skills')
