"""The heartbeat rate limit counts in the agent's own row (no extra transaction).

Revision ID: b18a0c4e7d21
Revises: d61e0a7c93f4
Create Date: 2026-12-04 21:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b18a0c4e7d21"
down_revision = "d61e0a7c93f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("beat_window_end", sa.Float(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("beat_window_hits", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("beat_window_hits")
        batch_op.drop_column("beat_window_end")
