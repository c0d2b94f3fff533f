"""a campaign may name the client's website that gets the same promotion as a post

Revision ID: 0059_campaign_website
Revises: 0058_promotions
Create Date: 2026-12-07 15:44:36.086526

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0059_campaign_website'
down_revision = '0058_promotions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('website_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_campaigns_website_id_websites'), 'websites', ['website_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_constraint(op.f('fk_campaigns_website_id_websites'), type_='foreignkey')
        batch.drop_column('website_id')
