"""meetings being arranged: the times offered to the participants, and their answers

Revision ID: 0037_meeting_requests
Revises: 0036_client_calendar
Create Date: 2026-12-07 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0037_meeting_requests'
down_revision = '0036_client_calendar'
branch_labels = None
depends_on = None

UTC = agency.kernel.columns.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('meeting_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('offered', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('decided_at', UTC, nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_meeting_requests_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_meeting_requests_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_events.id'], name=op.f('fk_meeting_requests_event_id_calendar_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_requests_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_requests')),
    )
    op.create_index(op.f('ix_meeting_requests_agency_id'), 'meeting_requests', ['agency_id'], unique=False)
    op.create_index(op.f('ix_meeting_requests_client_id'), 'meeting_requests', ['client_id'], unique=False)
    op.create_table('meeting_invitees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('picked_start', UTC, nullable=True),
    sa.Column('answered_at', UTC, nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_meeting_invitees_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['meeting_requests.id'], name=op.f('fk_meeting_invitees_request_id_meeting_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitees')),
    )
    op.create_index(op.f('ix_meeting_invitees_agency_id'), 'meeting_invitees', ['agency_id'], unique=False)
    op.create_index(op.f('ix_meeting_invitees_request_id'), 'meeting_invitees', ['request_id'], unique=False)
    rls.enable(op, 'meeting_requests')
    rls.enable(op, 'meeting_invitees')


def downgrade():
    rls.disable(op, 'meeting_invitees')
    rls.disable(op, 'meeting_requests')
    op.drop_table('meeting_invitees')
    op.drop_table('meeting_requests')
