"""Statistics: hourly/daily/monthly rollups, unique users, lengths, availability intervals.

Written by hand and checked on SQLite and PostgreSQL (tests/foundation/
test_migrations.py compares it with the models on both). Nothing here
references raw usage rows, so the retention job can pseudonymise those freely.

Revision ID: 5d7a1c2e9b40
Revises: b00c1a9e3d21
Create Date: 2026-11-23 22:37:23

"""
from alembic import op
import sqlalchemy as sa

from telecentre.common.types import UTCDateTime

revision = '5d7a1c2e9b40'
down_revision = 'b00c1a9e3d21'
branch_labels = None
depends_on = None

KINDS = ("booked", "walk_in", "guest", "kiosk")


def _counter(name):
    return sa.Column(name, sa.Integer(), nullable=False)


def _measures():
    """The additive columns shared by stats_hourly and stats_daily."""
    names = ["open_seconds", "used_seconds", "sessions", "length_seconds",
             *(f"sessions_{k}" for k in KINDS), *(f"used_{k}" for k in KINDS)]
    return [_counter(n) for n in names]


def _site_fk(table):
    return sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=f'fk_{table}_site_id_sites',
                                   ondelete='CASCADE')


def _seat_fk(table):
    return sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=f'fk_{table}_seat_id_seats',
                                   ondelete='CASCADE')


def _id(table):
    return sa.Column('id', sa.Integer(), nullable=False), \
        sa.PrimaryKeyConstraint('id', name=f'pk_{table}')


def upgrade():
    col, pk = _id('stats_hourly')
    op.create_table(
        'stats_hourly', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hour', sa.SmallInteger(), nullable=False),
        *_measures(), _site_fk('stats_hourly'), pk,
        sa.UniqueConstraint('site_id', 'day', 'hour', name='uq_stats_hourly_site_id'))

    col, pk = _id('stats_daily')
    op.create_table(
        'stats_daily', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('seat_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        _counter('bookings_due'), _counter('no_shows'),
        _counter('monitored_seconds'), _counter('up_seconds'),
        *_measures(), _site_fk('stats_daily'), _seat_fk('stats_daily'), pk,
        sa.UniqueConstraint('seat_id', 'day', name='uq_stats_daily_seat_id'))
    op.create_index('ix_stats_daily_site_day', 'stats_daily', ['site_id', 'day'])

    col, pk = _id('stats_monthly')
    op.create_table(
        'stats_monthly', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        *[_counter(n) for n in ('pcs', 'kiosks', 'open_seconds', 'used_seconds', 'sessions',
                                'length_seconds', 'bookings_due', 'no_shows')],
        _site_fk('stats_monthly'), pk,
        sa.UniqueConstraint('site_id', 'month', name='uq_stats_monthly_site_id'))

    col, pk = _id('stats_network_daily')
    op.create_table(
        'stats_network_daily', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        _counter('monitored_seconds'), _counter('up_seconds'),
        _site_fk('stats_network_daily'), pk,
        sa.UniqueConstraint('site_id', 'day', name='uq_stats_network_daily_site_id'))

    col, pk = _id('stats_lengths')
    op.create_table(
        'stats_lengths', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        _counter('minutes'), _counter('count'),
        _site_fk('stats_lengths'), pk,
        sa.UniqueConstraint('site_id', 'day', 'minutes', name='uq_stats_lengths_site_id'))

    col, pk = _id('stats_visitors')
    op.create_table(
        'stats_visitors', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('seat_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('visitor', sa.String(length=32), nullable=False),
        _site_fk('stats_visitors'), _seat_fk('stats_visitors'), pk,
        sa.UniqueConstraint('seat_id', 'day', 'visitor', name='uq_stats_visitors_seat_id'))
    op.create_index('ix_stats_visitors_site_day', 'stats_visitors', ['site_id', 'day'])

    col, pk = _id('stats_uniques')
    op.create_table(
        'stats_uniques', col,
        # 0 stands for the whole county, so no foreign key.
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        _counter('users'), pk,
        sa.UniqueConstraint('site_id', 'period', 'start', name='uq_stats_uniques_site_id'))

    col, pk = _id('stats_dirty_days')
    op.create_table(
        'stats_dirty_days', col,
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        _site_fk('stats_dirty_days'), pk,
        sa.UniqueConstraint('site_id', 'day', name='uq_stats_dirty_days_site_id'))

    col, pk = _id('stats_rollup_state')
    op.create_table(
        'stats_rollup_state', col,
        _counter('last_session_id'),
        sa.Column('open_session_ids', sa.Text(), nullable=False),
        sa.Column('ran_at', UTCDateTime(), nullable=True), pk)

    col, pk = _id('availability_intervals')
    op.create_table(
        'availability_intervals', col,
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=False),
        sa.Column('open', sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('seat', 'device')", name='ck_availability_intervals_kind'),
        _site_fk('availability_intervals'), pk)
    op.create_index('ix_availability_subject', 'availability_intervals',
                    ['kind', 'subject_id', 'ended_at'])
    op.create_index('ix_availability_site_start', 'availability_intervals',
                    ['site_id', 'started_at'])


def downgrade():
    op.drop_index('ix_availability_site_start', table_name='availability_intervals')
    op.drop_index('ix_availability_subject', table_name='availability_intervals')
    op.drop_table('availability_intervals')
    op.drop_table('stats_rollup_state')
    op.drop_table('stats_dirty_days')
    op.drop_table('stats_uniques')
    op.drop_index('ix_stats_visitors_site_day', table_name='stats_visitors')
    op.drop_table('stats_visitors')
    op.drop_table('stats_lengths')
    op.drop_table('stats_network_daily')
    op.drop_table('stats_monthly')
    op.drop_index('ix_stats_daily_site_day', table_name='stats_daily')
    op.drop_table('stats_daily')
    op.drop_table('stats_hourly')
