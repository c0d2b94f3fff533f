"""the voice line says which language the client's line speaks: the first of the
client's callers' languages, else the agency's

Revision ID: 0033_spoken_language
Revises: 0032_required_skills
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op

from tenants import numbers

# revision identifiers, used by Alembic.
revision = '0033_spoken_language'
down_revision = '0032_required_skills'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.SPOKEN_LINE_FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.BROWSER_LINE_FUNCTION_SQL)
