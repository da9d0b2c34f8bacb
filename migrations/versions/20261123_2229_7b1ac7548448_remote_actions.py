"""Remote actions: SSH credentials, targets, pinned host keys, runs, power schedules.

Hand-checked on SQLite and PostgreSQL. The private key column holds Fernet
tokens (telecentre.common.crypto), never a plain key.

Revision ID: 7b1ac7548448
Revises: 344512fdb37f
Create Date: 2026-11-23 22:29:34.465585

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1ac7548448'
down_revision = '344512fdb37f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('power_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('wake_minutes_before', sa.Integer(), nullable=False),
    sa.Column('shutdown_minutes_after', sa.Integer(), nullable=False),
    sa.Column('warn_minutes', sa.Integer(), nullable=False),
    sa.Column('last_wake_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_warn_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_shutdown_for', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('shutdown_minutes_after >= 0 AND shutdown_minutes_after <= 240', name=op.f('ck_power_schedules_shutdown')),
    sa.CheckConstraint('wake_minutes_before >= 0 AND wake_minutes_before <= 240', name=op.f('ck_power_schedules_wake')),
    sa.CheckConstraint('warn_minutes >= 1 AND warn_minutes <= 30', name=op.f('ck_power_schedules_warn')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_power_schedules_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_power_schedules')),
    sa.UniqueConstraint('site_id', name=op.f('uq_power_schedules_site_id'))
    )
    op.create_table('ssh_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('private_key_encrypted', sa.Text(), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('use_sudo', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_ssh_credentials_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ssh_credentials')),
    sa.UniqueConstraint('site_id', name=op.f('uq_ssh_credentials_site_id'))
    )
    op.create_table('host_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('agent', 'it')", name=op.f('ck_host_keys_source')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_host_keys_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=op.f('fk_host_keys_seat_id_seats'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_host_keys')),
    sa.UniqueConstraint('seat_id', name=op.f('uq_host_keys_seat_id'))
    )
    op.create_table('remote_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'finished')", name=op.f('ck_remote_runs_status')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_remote_runs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_runs'))
    )
    with op.batch_alter_table('remote_runs', schema=None) as batch_op:
        batch_op.create_index('ix_remote_runs_created_at', ['created_at'], unique=False)

    op.create_table('remote_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=253), nullable=True),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('os', sa.String(length=10), nullable=False),
    sa.Column('mac', sa.String(length=17), nullable=True),
    sa.CheckConstraint("os IN ('linux', 'windows')", name=op.f('ck_remote_targets_os')),
    sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=op.f('fk_remote_targets_seat_id_seats'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_targets')),
    sa.UniqueConstraint('seat_id', name=op.f('uq_remote_targets_seat_id'))
    )
    op.create_table('remote_run_hosts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('seat_name', sa.String(length=60), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=253), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('output_tail', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['remote_runs.id'], name=op.f('fk_remote_run_hosts_run_id_remote_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seat_id'], ['seats.id'], name=op.f('fk_remote_run_hosts_seat_id_seats'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_remote_run_hosts_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_run_hosts'))
    )
    with op.batch_alter_table('remote_run_hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_run_hosts_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remote_run_hosts_seat_id'), ['seat_id'], unique=False)



def downgrade():
    with op.batch_alter_table('remote_run_hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_run_hosts_seat_id'))
        batch_op.drop_index(batch_op.f('ix_remote_run_hosts_run_id'))

    op.drop_table('remote_run_hosts')
    op.drop_table('remote_targets')
    with op.batch_alter_table('remote_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_remote_runs_created_at')

    op.drop_table('remote_runs')
    op.drop_table('host_keys')
    op.drop_table('ssh_credentials')
    op.drop_table('power_schedules')
