"""Raw samples: a BRIN index on their time on PostgreSQL (append-only time series).

Samples arrive in time order, a sweep's worth at once, and are read and purged
by time ranges: a BRIN index is a few pages where the B-tree grew with every
row, and inserting costs it next to nothing. SQLite keeps its B-tree.

Revision ID: c27e5d1a9b44
Revises: b18a0c4e7d21
Create Date: 2026-12-04 21:30:00
"""
from alembic import op

revision = "c27e5d1a9b44"
down_revision = "b18a0c4e7d21"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_samples_at", table_name="samples")
    op.create_index("ix_samples_at", "samples", ["at"], postgresql_using="brin")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_samples_at", table_name="samples")
    op.create_index("ix_samples_at", "samples", ["at"])
