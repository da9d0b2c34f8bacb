"""guest passes and resident notices (console)

Revision ID: c0e5a1e9d4b2
Revises: 5d7a1c2e9b40
Create Date: 2026-11-23 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0e5a1e9d4b2'
down_revision = '5d7a1c2e9b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guest_passes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('batch', sa.String(length=16), nullable=False),
        sa.Column('note', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('minutes > 0 AND minutes <= 480',
                           name=op.f('ck_guest_passes_minutes')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_guest_passes_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['usage_sessions.id'],
                                name=op.f('fk_guest_passes_session_id_usage_sessions'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_guest_passes_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_passes')),
        sa.UniqueConstraint('site_id', 'code', name=op.f('uq_guest_passes_site_id')),
    )
    with op.batch_alter_table('guest_passes', schema=None) as batch_op:
        batch_op.create_index('ix_guest_passes_site_batch', ['site_id', 'batch'], unique=False)
    op.create_table(
        'resident_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_resident_notices_booking_id_bookings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_resident_notices_site_id_sites'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_resident_notices_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_notices')),
    )
    with op.batch_alter_table('resident_notices', schema=None) as batch_op:
        batch_op.create_index('ix_resident_notices_user_seen', ['user_id', 'seen_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('resident_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_notices_user_seen')
    op.drop_table('resident_notices')
    with op.batch_alter_table('guest_passes', schema=None) as batch_op:
        batch_op.drop_index('ix_guest_passes_site_batch')
    op.drop_table('guest_passes')
