"""Printing: each site's CUPS server and allowance, and the print jobs seen on it.

Revision ID: f948dc9882e5
Revises: 7f3cb2fe30b8
Create Date: 2026-12-05 00:48:57.212836

"""
from alembic import op
import sqlalchemy as sa

from telecentre.common.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'f948dc9882e5'
down_revision = '7f3cb2fe30b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('print_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('cups_host', sa.String(length=200), nullable=False),
    sa.Column('cups_port', sa.Integer(), nullable=False),
    sa.Column('queues', sa.JSON(), nullable=False),
    sa.Column('printer_device_id', sa.Integer(), nullable=True),
    sa.Column('purge_minutes', sa.Integer(), nullable=False),
    sa.Column('free_pages', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('guest_free_pages', sa.Integer(), nullable=False),
    sa.Column('price_mono', sa.Integer(), nullable=False),
    sa.Column('price_colour', sa.Integer(), nullable=False),
    sa.Column('over_allowance', sa.String(length=6), nullable=False),
    sa.CheckConstraint("over_allowance IN ('refuse', 'charge')", name=op.f('ck_print_settings_over_allowance')),
    sa.CheckConstraint("period IN ('day', 'month')", name=op.f('ck_print_settings_period')),
    sa.ForeignKeyConstraint(['printer_device_id'], ['devices.id'], name=op.f('fk_print_settings_printer_device_id_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_print_settings_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_settings')),
    sa.UniqueConstraint('site_id', name=op.f('uq_print_settings_site_id'))
    )
    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('cups_job_id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=127), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('guest_pass_id', sa.Integer(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('pages_known', sa.Boolean(), nullable=False),
    sa.Column('colour', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=False),
    sa.Column('released_at', UTCDateTime(), nullable=True),
    sa.Column('released_via', sa.String(length=10), nullable=True),
    sa.Column('ended_at', UTCDateTime(), nullable=True),
    sa.Column('free_pages', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('paid_at', UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('held', 'released', 'printed', 'cancelled', 'purged')", name=op.f('ck_print_jobs_state')),
    sa.ForeignKeyConstraint(['guest_pass_id'], ['guest_passes.id'], name=op.f('fk_print_jobs_guest_pass_id_guest_passes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=op.f('fk_print_jobs_seat_id_seats'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['usage_sessions.id'], name=op.f('fk_print_jobs_session_id_usage_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_print_jobs_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_print_jobs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_jobs')),
    sa.UniqueConstraint('site_id', 'cups_job_id', 'created_at', name='uq_print_jobs_cups_job')
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_print_jobs_site_created', ['site_id', 'created_at'], unique=False)
        batch_op.create_index('ix_print_jobs_state', ['state'], unique=False)
        batch_op.create_index('ix_print_jobs_user_created', ['user_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_print_jobs_user_created')
        batch_op.drop_index('ix_print_jobs_state')
        batch_op.drop_index('ix_print_jobs_site_created')

    op.drop_table('print_jobs')
    op.drop_table('print_settings')
