"""Booking: the walk-in queue and residents' private calendar feeds.

Hand-written. The partial unique index keeps one active place in the line per
resident and site on both databases.

Revision ID: b00c1a9e3d21
Revises: 6d3a1c0e5f21
Create Date: 2026-11-23 22:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b00c1a9e3d21'
down_revision = "6d3a1c0e5f21"
branch_labels = None
depends_on = None

_ACTIVE = "status IN ('waiting', 'offered')"


def upgrade():
    op.create_table(
        'queue_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('offered_seat_id', sa.Integer(), nullable=True),
        sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'offered', 'accepted', 'left', 'expired')",
                           name=op.f('ck_queue_entries_status')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_queue_entries_site_id_sites'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resident_id'], ['users.id'],
                                name=op.f('fk_queue_entries_resident_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                                name=op.f('fk_queue_entries_added_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['offered_seat_id'], ['seats.id'],
                                name=op.f('fk_queue_entries_offered_seat_id_seats'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_queue_entries_booking_id_bookings'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_entries')),
    )
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.create_index('uq_queue_entries_active', ['site_id', 'resident_id'], unique=True,
                              postgresql_where=sa.text(_ACTIVE), sqlite_where=sa.text(_ACTIVE))
        batch_op.create_index('ix_queue_entries_site_status',
                              ['site_id', 'status', 'created_at'], unique=False)
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id')),
    )


def downgrade():
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_entries_site_status')
        batch_op.drop_index('uq_queue_entries_active', postgresql_where=sa.text(_ACTIVE),
                            sqlite_where=sa.text(_ACTIVE))
    op.drop_table('queue_entries')
