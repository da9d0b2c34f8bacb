"""Staff named to read the session log kept for lawful requests.

Revision ID: e5c7a2d94f18
Revises: d81e6b3f0a57
Create Date: 2026-12-04 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e5c7a2d94f18"
down_revision = "d81e6b3f0a57"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("records_access", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("records_access")
