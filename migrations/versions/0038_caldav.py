"""the client's own calendar server (CalDAV), kept in step both ways: the connection, and
where each event lives on the server

Revision ID: 0038_caldav
Revises: 0037_meeting_requests
Create Date: 2026-12-07 07:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0038_caldav'
down_revision = '0037_meeting_requests'
branch_labels = None
depends_on = None

UTC = agency.kernel.columns.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('calendar_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('password', agency.kernel.columns.EncryptedText(), nullable=False),
    sa.Column('sync_token', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_synced_at', UTC, nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_sync_at', UTC, nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_calendar_connections_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_calendar_connections_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_connections')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_calendar_connections_agency_id_client_id')),
    )
    op.create_index(op.f('ix_calendar_connections_agency_id'), 'calendar_connections', ['agency_id'], unique=False)
    with op.batch_alter_table('calendar_events') as batch_op:
        batch_op.add_column(sa.Column('remote_href', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('pushed_etag', sa.String(length=64), nullable=True))
    rls.enable(op, 'calendar_connections')


def downgrade():
    rls.disable(op, 'calendar_connections')
    with op.batch_alter_table('calendar_events') as batch_op:
        batch_op.drop_column('pushed_etag')
        batch_op.drop_column('remote_href')
    op.drop_table('calendar_connections')
