"""rate-limit counters shared by every worker (telecentre.common.ratelimit)

Revision ID: e4b8c2d17a90
Revises: c0e5a1e9d4b2
Create Date: 2026-11-24 01:30:00

On SQLite the counters live in a sibling file (the request's write lock would
block them here); the table is created on every database so that the schema
is one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b8c2d17a90'
down_revision = 'c0e5a1e9d4b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('expiry', sa.Float(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')),
    )
    op.create_index('ix_rate_limit_counters_expiry', 'rate_limit_counters', ['expiry'])


def downgrade():
    op.drop_index('ix_rate_limit_counters_expiry', table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
