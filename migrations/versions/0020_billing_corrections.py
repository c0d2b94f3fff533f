"""billing corrections: late time and costs, discarded and voided invoices

A time entry or an expense that arrives in a period already invoiced is booked on the
first open day after it; the time it was worked (the day it was incurred) is kept.
A voided invoice no longer holds its period (one standing invoice per client and
period), and what was done to each invoice is kept in ``invoice_events``. An agency
suspended for its unpaid subscription says so, so that paying resumes it. A failed
payment keeps the invoice open with the time it failed. Signup keeps the terms the
client accepted (their version, when) and the SetupIntent of the card, used once.

Revision ID: 0020_billing_corrections
Revises: 0019_shift_status
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import agency.kernel.columns

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0020_billing_corrections'
down_revision = '0019_shift_status'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_for_billing', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_started_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('original_ended_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_incurred_on', sa.Date(), nullable=True))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_invoices_period', type_='unique')
    op.create_index('uq_invoices_period', 'invoices', ['agency_id', 'client_id', 'period_start'], unique=True, postgresql_where=sa.text("status <> 'void'"), sqlite_where=sa.text("status <> 'void'"))
    op.create_table('invoice_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('total_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('held_until', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invoice_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_invoice_events_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_invoice_events_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_events_invoice_id_invoices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_events'))
    )
    op.create_index(op.f('ix_invoice_events_agency_id'), 'invoice_events', ['agency_id'], unique=False)
    op.create_index(op.f('ix_invoice_events_client_id'), 'invoice_events', ['client_id'], unique=False)
    op.create_index(op.f('ix_invoice_events_invoice_id'), 'invoice_events', ['invoice_id'], unique=False)
    rls.enable(op, 'invoice_events')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_failed_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('terms_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('terms_updated_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('terms_accepted_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('stripe_customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('setup_intent_id', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint('uq_stripe_customers_setup', ['agency_id', 'setup_intent_id'])


def downgrade():
    with op.batch_alter_table('stripe_customers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stripe_customers_setup', type_='unique')
        batch_op.drop_column('setup_intent_id')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('terms_accepted_at')
        batch_op.drop_column('terms_version')
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.drop_column('terms_updated_at')
        batch_op.drop_column('terms_version')
        batch_op.drop_column('terms_text')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('payment_failed_at')
    rls.disable(op, 'invoice_events')
    op.drop_index(op.f('ix_invoice_events_invoice_id'), table_name='invoice_events')
    op.drop_index(op.f('ix_invoice_events_client_id'), table_name='invoice_events')
    op.drop_index(op.f('ix_invoice_events_agency_id'), table_name='invoice_events')
    op.drop_table('invoice_events')
    op.drop_index('uq_invoices_period', table_name='invoices')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_invoices_period', ['agency_id', 'client_id', 'period_start'])
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('suspended_for_billing')
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.drop_column('original_incurred_on')
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_column('original_ended_at')
        batch_op.drop_column('original_started_at')
