"""a client's websites with their update schedule and checklist, the updates the client
asks for with their files and proof, and the posts published to them

Revision ID: 0055_websites
Revises: 0054_vault_reminders
Create Date: 2026-12-07 14:43:28.132207

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls


# revision identifiers, used by Alembic.
revision = '0055_websites'
down_revision = '0054_vault_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('websites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('vault_entry_id', sa.Integer(), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('approve_before_publishing', sa.Boolean(), nullable=False),
    sa.Column('recurring_rule_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_websites_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_websites_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recurring_rule_id'], ['recurring_rules.id'], name=op.f('fk_websites_recurring_rule_id_recurring_rules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vault_entry_id'], ['vault_entries.id'], name=op.f('fk_websites_vault_entry_id_vault_entries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_websites'))
    )
    op.create_index(op.f('ix_websites_agency_id'), 'websites', ['agency_id'], unique=False)
    op.create_index(op.f('ix_websites_client_id'), 'websites', ['client_id'], unique=False)
    rls.enable(op, 'websites')
    op.create_table('site_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('website_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('wished_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('proof_url', sa.String(length=500), nullable=True),
    sa.Column('proof_note', sa.Text(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_site_updates_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_site_updates_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_site_updates_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['work_items.id'], name=op.f('fk_site_updates_item_id_work_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_site_updates_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['website_id'], ['websites.id'], name=op.f('fk_site_updates_website_id_websites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_updates'))
    )
    op.create_index(op.f('ix_site_updates_agency_id'), 'site_updates', ['agency_id'], unique=False)
    op.create_index(op.f('ix_site_updates_client_id'), 'site_updates', ['client_id'], unique=False)
    op.create_index(op.f('ix_site_updates_item_id'), 'site_updates', ['item_id'], unique=False)
    op.create_index(op.f('ix_site_updates_website_id'), 'site_updates', ['website_id'], unique=False)
    rls.enable(op, 'site_updates')
    op.create_table('site_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_site_files_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_site_files_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['site_updates.id'], name=op.f('fk_site_files_update_id_site_updates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_site_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_files'))
    )
    op.create_index(op.f('ix_site_files_agency_id'), 'site_files', ['agency_id'], unique=False)
    op.create_index(op.f('ix_site_files_client_id'), 'site_files', ['client_id'], unique=False)
    op.create_index(op.f('ix_site_files_update_id'), 'site_files', ['update_id'], unique=False)
    rls.enable(op, 'site_files')
    op.create_table('site_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('website_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('publish_as', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('remote_id', sa.Integer(), nullable=True),
    sa.Column('remote_url', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_site_publications_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_site_publications_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_site_publications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['image_id'], ['site_files.id'], name=op.f('fk_site_publications_image_id_site_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['work_items.id'], name=op.f('fk_site_publications_item_id_work_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['update_id'], ['site_updates.id'], name=op.f('fk_site_publications_update_id_site_updates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['website_id'], ['websites.id'], name=op.f('fk_site_publications_website_id_websites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_publications'))
    )
    op.create_index(op.f('ix_site_publications_agency_id'), 'site_publications', ['agency_id'], unique=False)
    op.create_index(op.f('ix_site_publications_client_id'), 'site_publications', ['client_id'], unique=False)
    op.create_index(op.f('ix_site_publications_website_id'), 'site_publications', ['website_id'], unique=False)
    rls.enable(op, 'site_publications')


def downgrade():
    op.drop_index(op.f('ix_site_publications_website_id'), table_name='site_publications')
    op.drop_index(op.f('ix_site_publications_client_id'), table_name='site_publications')
    op.drop_index(op.f('ix_site_publications_agency_id'), table_name='site_publications')
    rls.disable(op, 'site_publications')
    op.drop_table('site_publications')
    op.drop_index(op.f('ix_site_files_update_id'), table_name='site_files')
    op.drop_index(op.f('ix_site_files_client_id'), table_name='site_files')
    op.drop_index(op.f('ix_site_files_agency_id'), table_name='site_files')
    rls.disable(op, 'site_files')
    op.drop_table('site_files')
    op.drop_index(op.f('ix_site_updates_website_id'), table_name='site_updates')
    op.drop_index(op.f('ix_site_updates_item_id'), table_name='site_updates')
    op.drop_index(op.f('ix_site_updates_client_id'), table_name='site_updates')
    op.drop_index(op.f('ix_site_updates_agency_id'), table_name='site_updates')
    rls.disable(op, 'site_updates')
    op.drop_table('site_updates')
    op.drop_index(op.f('ix_websites_client_id'), table_name='websites')
    op.drop_index(op.f('ix_websites_agency_id'), table_name='websites')
    rls.disable(op, 'websites')
    op.drop_table('websites')
