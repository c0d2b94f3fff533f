"""a website post made by something other than a person names its source (a campaign's
post: "campaign-post:<id>"), instead of the websites knowing the campaigns

Revision ID: 0064_publication_source
Revises: 0063_saved_segments
Create Date: 2026-12-07 19:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0064_publication_source'
down_revision = '0063_saved_segments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_publications') as batch:
        batch.add_column(sa.Column('source_key', sa.String(length=100), nullable=True))
        batch.create_unique_constraint(
            op.f('uq_site_publications_source_key'), ['source_key'])
    op.execute(
        "UPDATE site_publications SET source_key = 'campaign-post:' || campaign_id"
        " WHERE campaign_id IS NOT NULL"
    )
    with op.batch_alter_table('site_publications') as batch:
        batch.drop_constraint(
            op.f('fk_site_publications_campaign_id_campaigns'), type_='foreignkey')
        batch.drop_constraint(op.f('uq_site_publications_campaign_id'), type_='unique')
        batch.drop_column('campaign_id')


def downgrade():
    with op.batch_alter_table('site_publications') as batch:
        batch.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch.create_unique_constraint(
            op.f('uq_site_publications_campaign_id'), ['campaign_id'])
        batch.create_foreign_key(
            op.f('fk_site_publications_campaign_id_campaigns'), 'campaigns',
            ['campaign_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE site_publications SET campaign_id ="
        " CAST(substr(source_key, length('campaign-post:') + 1) AS INTEGER)"
        " WHERE source_key LIKE 'campaign-post:%'"
    )
    with op.batch_alter_table('site_publications') as batch:
        batch.drop_constraint(op.f('uq_site_publications_source_key'), type_='unique')
        batch.drop_column('source_key')
