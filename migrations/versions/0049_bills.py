"""the client's bills to pay (supplier invoices), and the instruction sheet's rules for
them: suppliers and amounts approved in advance, and the reminder before the due date

Revision ID: 0049_bills
Revises: 0048_travel_reminders
Create Date: 2026-12-07 15:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0049_bills'
down_revision = '0048_travel_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('supplier', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('document_name', sa.String(length=255), nullable=True),
    sa.Column('document_type', sa.String(length=100), nullable=True),
    sa.Column('document', sa.LargeBinary(), nullable=True),
    sa.Column('approved_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=16), nullable=True),
    sa.Column('scheduled_for', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('dispute_reason', sa.String(length=500), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_bills_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_bills_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bills')),
    )
    op.create_index(op.f('ix_bills_agency_id'), 'bills', ['agency_id'], unique=False)
    op.create_index(op.f('ix_bills_client_id'), 'bills', ['client_id'], unique=False)
    rls.enable(op, 'bills')
    op.create_table('bill_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('pre_approved', sa.JSON(), nullable=False),
    sa.Column('remind_days_before', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_bill_rules_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_bill_rules_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_rules')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_bill_rules_agency_id_client_id')),
    )
    op.create_index(op.f('ix_bill_rules_agency_id'), 'bill_rules', ['agency_id'], unique=False)
    rls.enable(op, 'bill_rules')


def downgrade():
    rls.disable(op, 'bill_rules')
    op.drop_table('bill_rules')
    rls.disable(op, 'bills')
    op.drop_table('bills')
