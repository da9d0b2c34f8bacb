"""Monitoring: devices, their poll state, raw samples and hourly rollups.

Hand-checked: constraint names follow the naming convention; sample ids are
bigint on PostgreSQL and INTEGER (the rowid) on SQLite.

Revision ID: 6d3a1c0e5f21
Revises: a7b3f13b1017
Create Date: 2026-11-23 22:34:49.044420

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d3a1c0e5f21'
down_revision = 'a7b3f13b1017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('snmp_version', sa.String(length=2), nullable=False),
    sa.Column('community_secret', sa.Text(), nullable=True),
    sa.Column('v3_user', sa.String(length=64), nullable=True),
    sa.Column('v3_auth_protocol', sa.String(length=10), nullable=True),
    sa.Column('v3_auth_secret', sa.Text(), nullable=True),
    sa.Column('v3_priv_protocol', sa.String(length=10), nullable=True),
    sa.Column('v3_priv_secret', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('discovery', sa.JSON(), nullable=True),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('router', 'switch', 'access_point', 'ups', 'printer', 'pc', 'kiosk')", name=op.f('ck_devices_kind')),
    sa.CheckConstraint("snmp_version IN ('2c', '3')", name=op.f('ck_devices_snmp_version')),
    sa.CheckConstraint('port > 0 AND port < 65536', name=op.f('ck_devices_port')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_devices_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('site_id', 'name', name=op.f('uq_devices_site_id'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_site_id'), ['site_id'], unique=False)

    op.create_table('device_states',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('up_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('sys_name', sa.String(length=200), nullable=True),
    sa.Column('reading', sa.JSON(), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('alert_states', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('unknown', 'up', 'down')", name=op.f('ck_device_states_status')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_states_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device_states'))
    )
    op.create_table('sample_hours',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_sample_hours_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_hours')),
    sa.UniqueConstraint('device_id', 'hour', name=op.f('uq_sample_hours_device_id'))
    )
    with op.batch_alter_table('sample_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_hours_hour'), ['hour'], unique=False)

    op.create_table('samples',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_samples_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples'))
    )
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_samples_at'), ['at'], unique=False)
        batch_op.create_index('ix_samples_device_at', ['device_id', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_index('ix_samples_device_at')
        batch_op.drop_index(batch_op.f('ix_samples_at'))

    op.drop_table('samples')
    with op.batch_alter_table('sample_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_hours_hour'))

    op.drop_table('sample_hours')
    op.drop_table('device_states')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_site_id'))

    op.drop_table('devices')
