"""mail send: attachments on drafts, per-agency send rate, claimed sends

Revision ID: 0013_mail_send
Revises: 0012_calls_transfer
Create Date: 2026-11-23 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import agency.kernel.columns

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0013_mail_send'
down_revision = '0012_calls_transfer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('draft_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('outbound_email_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_draft_attachments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['mail_drafts.id'], name=op.f('fk_draft_attachments_draft_id_mail_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbound_email_id'], ['outbound_emails.id'], name=op.f('fk_draft_attachments_outbound_email_id_outbound_emails'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_attachments'))
    )
    op.create_index(op.f('ix_draft_attachments_agency_id'), 'draft_attachments', ['agency_id'], unique=False)
    op.create_index(op.f('ix_draft_attachments_draft_id'), 'draft_attachments', ['draft_id'], unique=False)
    op.create_index(op.f('ix_draft_attachments_outbound_email_id'), 'draft_attachments', ['outbound_email_id'], unique=False)
    with op.batch_alter_table('mail_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_per_minute', sa.Integer(), server_default='30', nullable=False))
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('dictations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transcribed_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True))
    rls.enable(op, 'draft_attachments')


def downgrade():
    rls.disable(op, 'draft_attachments')
    with op.batch_alter_table('dictations', schema=None) as batch_op:
        batch_op.drop_column('transcribed_at')
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim_token')
    with op.batch_alter_table('mail_settings', schema=None) as batch_op:
        batch_op.drop_column('send_per_minute')
    op.drop_index(op.f('ix_draft_attachments_outbound_email_id'), table_name='draft_attachments')
    op.drop_index(op.f('ix_draft_attachments_draft_id'), table_name='draft_attachments')
    op.drop_index(op.f('ix_draft_attachments_agency_id'), table_name='draft_attachments')
    op.drop_table('draft_attachments')
