"""the daily agenda: whether a client gets their day by email, at which hour, and the
last day it went

Revision ID: 0051_agenda
Revises: 0050_receivables
Create Date: 2026-12-07 16:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0051_agenda'
down_revision = '0050_receivables'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('last_sent_on', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agenda_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_agenda_settings_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_settings')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_agenda_settings_agency_id_client_id')),
    )
    op.create_index(op.f('ix_agenda_settings_agency_id'), 'agenda_settings', ['agency_id'], unique=False)
    rls.enable(op, 'agenda_settings')


def downgrade():
    rls.disable(op, 'agenda_settings')
    op.drop_table('agenda_settings')
