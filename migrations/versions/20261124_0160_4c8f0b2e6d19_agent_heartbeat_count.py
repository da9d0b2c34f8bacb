"""Agents count the heartbeats they sent (for /metrics).

Revision ID: 4c8f0b2e6d19
Revises: 9a4e2d7c1b35
Create Date: 2026-11-24 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "4c8f0b2e6d19"
down_revision = "9a4e2d7c1b35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_count", sa.BigInteger(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_count")
