"""desks in the browser: a secretary without a phone is rung in her browser, with an API
key of the agency's telephony account to sign her desk's access token

The voice line lists every desk of the client, with a phone or without.

Revision ID: 0027_browser_desks
Revises: 0026_claim_tells_client
Create Date: 2026-12-07 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from tenants import numbers

# revision identifiers, used by Alembic.
revision = '0027_browser_desks'
down_revision = '0026_claim_tells_client'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voice_settings') as batch_op:
        batch_op.add_column(sa.Column('api_key_sid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('api_key_secret', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.BROWSER_LINE_FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.FENCED_LINE_FUNCTION_SQL)
    with op.batch_alter_table('voice_settings') as batch_op:
        batch_op.drop_column('api_key_secret')
        batch_op.drop_column('api_key_sid')
