"""A version on each site, raised by every change to what a booking is checked against.

Revision ID: 5e2b9d7c4a13
Revises: 0ac30f659707
Create Date: 2026-12-05 04:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5e2b9d7c4a13"
down_revision = "0ac30f659707"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_version", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("config_version")
