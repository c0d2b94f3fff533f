"""promotions: consent to a client's marketing email as records, the addresses a client
no longer writes to, and campaigns with one row per recipient

Revision ID: 0058_promotions
Revises: 0057_vault_policies
Create Date: 2026-12-07 15:11:36.163696

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls


# revision identifiers, used by Alembic.
revision = '0058_promotions'
down_revision = '0057_vault_policies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('send_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_campaigns_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_campaigns_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_index(op.f('ix_campaigns_agency_id'), 'campaigns', ['agency_id'], unique=False)
    op.create_index(op.f('ix_campaigns_client_id'), 'campaigns', ['client_id'], unique=False)
    rls.enable(op, 'campaigns')
    op.create_table('suppressed_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_suppressed_addresses_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_suppressed_addresses_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressed_addresses')),
    sa.UniqueConstraint('client_id', 'address', name=op.f('uq_suppressed_addresses_client_id_address'))
    )
    op.create_index(op.f('ix_suppressed_addresses_agency_id'), 'suppressed_addresses', ['agency_id'], unique=False)
    op.create_index(op.f('ix_suppressed_addresses_client_id'), 'suppressed_addresses', ['client_id'], unique=False)
    rls.enable(op, 'suppressed_addresses')
    op.create_table('campaign_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('claimed_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_campaign_recipients_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_recipients_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_campaign_recipients_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipients')),
    sa.UniqueConstraint('campaign_id', 'address', name=op.f('uq_campaign_recipients_campaign_id_address'))
    )
    op.create_index(op.f('ix_campaign_recipients_agency_id'), 'campaign_recipients', ['agency_id'], unique=False)
    op.create_index(op.f('ix_campaign_recipients_message_id'), 'campaign_recipients', ['message_id'], unique=False)
    op.create_index('ix_campaign_recipients_queued', 'campaign_recipients', ['campaign_id', 'id'], unique=False, postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))
    rls.enable(op, 'campaign_recipients')
    op.create_table('contact_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('wording', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_contact_consents_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_contact_consents_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_consents_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_contact_consents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_consents'))
    )
    op.create_index(op.f('ix_contact_consents_agency_id'), 'contact_consents', ['agency_id'], unique=False)
    op.create_index(op.f('ix_contact_consents_client_id'), 'contact_consents', ['client_id'], unique=False)
    op.create_index(op.f('ix_contact_consents_contact_id'), 'contact_consents', ['contact_id'], unique=False)
    rls.enable(op, 'contact_consents')


def downgrade():
    op.drop_index(op.f('ix_contact_consents_contact_id'), table_name='contact_consents')
    op.drop_index(op.f('ix_contact_consents_client_id'), table_name='contact_consents')
    op.drop_index(op.f('ix_contact_consents_agency_id'), table_name='contact_consents')
    rls.disable(op, 'contact_consents')
    op.drop_table('contact_consents')
    op.drop_index('ix_campaign_recipients_queued', table_name='campaign_recipients', postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))
    op.drop_index(op.f('ix_campaign_recipients_message_id'), table_name='campaign_recipients')
    op.drop_index(op.f('ix_campaign_recipients_agency_id'), table_name='campaign_recipients')
    rls.disable(op, 'campaign_recipients')
    op.drop_table('campaign_recipients')
    op.drop_index(op.f('ix_suppressed_addresses_client_id'), table_name='suppressed_addresses')
    op.drop_index(op.f('ix_suppressed_addresses_agency_id'), table_name='suppressed_addresses')
    rls.disable(op, 'suppressed_addresses')
    op.drop_table('suppressed_addresses')
    op.drop_index(op.f('ix_campaigns_client_id'), table_name='campaigns')
    op.drop_index(op.f('ix_campaigns_agency_id'), table_name='campaigns')
    rls.disable(op, 'campaigns')
    op.drop_table('campaigns')
