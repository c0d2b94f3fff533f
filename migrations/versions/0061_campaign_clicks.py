"""a client's choice to count the clicks on their campaigns' links, and each click

Revision ID: 0061_campaign_clicks
Revises: 0060_segments
Create Date: 2026-12-07 16:03:12.694935

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls


# revision identifiers, used by Alembic.
revision = '0061_campaign_clicks'
down_revision = '0060_segments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('promotion_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('track_clicks', sa.Boolean(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_promotion_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_promotion_settings_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_settings')),
    sa.UniqueConstraint('client_id', name=op.f('uq_promotion_settings_client_id'))
    )
    op.create_index(op.f('ix_promotion_settings_agency_id'), 'promotion_settings', ['agency_id'], unique=False)
    rls.enable(op, 'promotion_settings')
    op.create_table('campaign_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_campaign_clicks_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_clicks_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['campaign_recipients.id'], name=op.f('fk_campaign_clicks_recipient_id_campaign_recipients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_clicks'))
    )
    op.create_index(op.f('ix_campaign_clicks_agency_id'), 'campaign_clicks', ['agency_id'], unique=False)
    op.create_index(op.f('ix_campaign_clicks_campaign_id'), 'campaign_clicks', ['campaign_id'], unique=False)
    rls.enable(op, 'campaign_clicks')


def downgrade():
    op.drop_index(op.f('ix_campaign_clicks_campaign_id'), table_name='campaign_clicks')
    op.drop_index(op.f('ix_campaign_clicks_agency_id'), table_name='campaign_clicks')
    rls.disable(op, 'campaign_clicks')
    op.drop_table('campaign_clicks')
    op.drop_index(op.f('ix_promotion_settings_agency_id'), table_name='promotion_settings')
    rls.disable(op, 'promotion_settings')
    op.drop_table('promotion_settings')
