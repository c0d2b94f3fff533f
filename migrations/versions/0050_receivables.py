"""payments to chase: invoices the client issued to their customers, and each reminder
sent for them, once

Revision ID: 0050_receivables
Revises: 0049_bills
Create Date: 2026-12-07 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0050_receivables'
down_revision = '0049_bills'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('receivables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('customer_email', sa.String(length=254), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_after_days', sa.Integer(), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('chase_limit', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('dispute_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_receivables_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_receivables_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['mail_templates.id'], name=op.f('fk_receivables_template_id_mail_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables')),
    )
    op.create_index(op.f('ix_receivables_agency_id'), 'receivables', ['agency_id'], unique=False)
    op.create_index(op.f('ix_receivables_client_id'), 'receivables', ['client_id'], unique=False)
    rls.enable(op, 'receivables')
    op.create_table('receivable_chases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_receivable_chases_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['mail_drafts.id'], name=op.f('fk_receivable_chases_draft_id_mail_drafts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_receivable_chases_receivable_id_receivables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivable_chases')),
    sa.UniqueConstraint('receivable_id', 'number', name=op.f('uq_receivable_chases_receivable_id_number')),
    )
    op.create_index(op.f('ix_receivable_chases_agency_id'), 'receivable_chases', ['agency_id'], unique=False)
    op.create_index(op.f('ix_receivable_chases_receivable_id'), 'receivable_chases', ['receivable_id'], unique=False)
    rls.enable(op, 'receivable_chases')


def downgrade():
    rls.disable(op, 'receivable_chases')
    op.drop_table('receivable_chases')
    rls.disable(op, 'receivables')
    op.drop_table('receivables')
