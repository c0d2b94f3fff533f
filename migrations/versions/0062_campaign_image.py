"""a campaign's picture, shown at the top of its email and of its website post; the
website post of a campaign, once

Revision ID: 0062_campaign_image
Revises: 0061_campaign_clicks
Create Date: 2026-12-07 17:31:17.846640

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0062_campaign_image'
down_revision = '0061_campaign_clicks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('image_name', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('image_type', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('image', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('site_publications') as batch:
        batch.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch.create_unique_constraint(
            op.f('uq_site_publications_campaign_id'), ['campaign_id'])
        batch.create_foreign_key(
            op.f('fk_site_publications_campaign_id_campaigns'), 'campaigns',
            ['campaign_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('site_publications') as batch:
        batch.drop_constraint(
            op.f('fk_site_publications_campaign_id_campaigns'), type_='foreignkey')
        batch.drop_constraint(op.f('uq_site_publications_campaign_id'), type_='unique')
        batch.drop_column('campaign_id')
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('image')
        batch.drop_column('image_type')
        batch.drop_column('image_name')
