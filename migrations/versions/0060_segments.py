"""a contact's tags and language, what a campaign's audience is chosen by, and the
language of each campaign recipient

Revision ID: 0060_segments
Revises: 0059_campaign_website
Create Date: 2026-12-07 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0060_segments'
down_revision = '0059_campaign_website'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('tags', sa.JSON(), server_default='[]', nullable=False))
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('campaign_recipients') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('campaign_recipients') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('language')
        batch.drop_column('tags')
