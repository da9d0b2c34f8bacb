"""Users carry a session generation: sign-out, a password change or blocking ends every cookie.

Revision ID: d61e0a7c93f4
Revises: a1d5c8e2f734
Create Date: 2026-12-04 21:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d61e0a7c93f4"
down_revision = "a1d5c8e2f734"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
