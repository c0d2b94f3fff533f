"""what a client expects of an invoice: the agency's and the client's addresses, the
agency's payment terms and each invoice's due date, whether a contract's invoices list
their time entries, and why an invoice could not be sent to Stripe

Revision ID: 0031_invoice_details
Revises: 0030_works_desk
Create Date: 2026-12-07 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031_invoice_details'
down_revision = '0030_works_desk'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
    with op.batch_alter_table('clients') as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
    with op.batch_alter_table('billing_accounts') as batch_op:
        batch_op.add_column(
            sa.Column('payment_terms_days', sa.Integer(), server_default='14', nullable=False)
        )
    for table in ('plans', 'contracts'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column('itemise_time', sa.Boolean(), server_default=sa.true(), nullable=False)
            )
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('stripe_error', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('stripe_error')
        batch_op.drop_column('due_on')
    for table in ('contracts', 'plans'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('itemise_time')
    with op.batch_alter_table('billing_accounts') as batch_op:
        batch_op.drop_column('payment_terms_days')
    with op.batch_alter_table('clients') as batch_op:
        batch_op.drop_column('address')
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_column('address')
