"""the client's contacts as suppliers and press: what is ordered and the account number,
the outlet and beat; the client's press instructions; notes on a contact; and work
items about a contact

Revision ID: 0052_contact_log
Revises: 0051_agenda
Create Date: 2026-12-07 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0052_contact_log'
down_revision = '0051_agenda'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clients') as batch_op:
        batch_op.add_column(sa.Column('press_instructions', sa.Text(), nullable=True))
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.add_column(sa.Column('orders', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('account_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('outlet', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('beat', sa.String(length=200), nullable=True))
    with op.batch_alter_table('work_items') as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_work_items_contact_id'), ['contact_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_work_items_contact_id_contacts'), 'contacts', ['contact_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_table('contact_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_contact_notes_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_contact_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_notes_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_notes')),
    )
    op.create_index(op.f('ix_contact_notes_agency_id'), 'contact_notes', ['agency_id'], unique=False)
    op.create_index(op.f('ix_contact_notes_contact_id'), 'contact_notes', ['contact_id'], unique=False)
    rls.enable(op, 'contact_notes')


def downgrade():
    rls.disable(op, 'contact_notes')
    op.drop_table('contact_notes')
    with op.batch_alter_table('work_items') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_items_contact_id_contacts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_work_items_contact_id'))
        batch_op.drop_column('contact_id')
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.drop_column('beat')
        batch_op.drop_column('outlet')
        batch_op.drop_column('account_number')
        batch_op.drop_column('orders')
    with op.batch_alter_table('clients') as batch_op:
        batch_op.drop_column('press_instructions')
