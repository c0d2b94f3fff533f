"""the client's calendar: events of several kinds (meetings, busy times, travel, and
events from the client's own calendar), and the meeting rules of the instruction sheet

Revision ID: 0036_client_calendar
Revises: 0035_inbound_pending
Create Date: 2026-12-07 06:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0036_client_calendar'
down_revision = '0035_inbound_pending'
branch_labels = None
depends_on = None

UTC = agency.kernel.columns.UTCDateTime(timezone=True)


def _tenant_columns(table):
    return [
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f(f'fk_{table}_client_id_clients'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade():
    op.create_table('calendar_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', UTC, nullable=False),
    sa.Column('ends_at', UTC, nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('busy', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('cancelled_at', UTC, nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    *_tenant_columns('calendar_events'),
    sa.UniqueConstraint('agency_id', 'client_id', 'uid', name=op.f('uq_calendar_events_agency_id_client_id_uid')),
    )
    op.create_index(op.f('ix_calendar_events_agency_id'), 'calendar_events', ['agency_id'], unique=False)
    op.create_index('ix_calendar_events_client_starts', 'calendar_events', ['client_id', 'starts_at'], unique=False)
    op.create_table('meeting_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('working_hours', sa.JSON(), nullable=True),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    *_tenant_columns('meeting_rules'),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_meeting_rules_agency_id_client_id')),
    )
    op.create_index(op.f('ix_meeting_rules_agency_id'), 'meeting_rules', ['agency_id'], unique=False)
    rls.enable(op, 'calendar_events')
    rls.enable(op, 'meeting_rules')


def downgrade():
    rls.disable(op, 'meeting_rules')
    rls.disable(op, 'calendar_events')
    op.drop_index(op.f('ix_meeting_rules_agency_id'), table_name='meeting_rules')
    op.drop_table('meeting_rules')
    op.drop_index('ix_calendar_events_client_starts', table_name='calendar_events')
    op.drop_index(op.f('ix_calendar_events_agency_id'), table_name='calendar_events')
    op.drop_table('calendar_events')
