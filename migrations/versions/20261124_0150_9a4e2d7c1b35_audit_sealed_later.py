"""Audit entries are sealed into the hash chain after they commit: a chain position.

``seq`` is an entry's place in the chain; ``prev_hash`` and ``hash`` may now be
empty until the entry is sealed. Existing entries were chained in id order, so
they get seq 1..n in id order and keep their hashes (the digest is unchanged).

Revision ID: 9a4e2d7c1b35
Revises: e4f1b2c3d5a6
Create Date: 2026-11-24 01:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "9a4e2d7c1b35"
down_revision = "e4f1b2c3d5a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    # Both PostgreSQL and SQLite (3.33+) have UPDATE … FROM and window functions.
    op.execute("UPDATE audit_entries SET seq = numbered.n FROM "
               "(SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_entries) AS numbered "
               "WHERE audit_entries.id = numbered.id")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_seq"), ["seq"])
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)


def downgrade():
    # Entries never sealed cannot stay without a hash: seal them in id order first
    # (``telecentre audit seal``) — here they are refused rather than silently dropped.
    conn = op.get_bind()
    waiting = conn.execute(sa.text("SELECT count(*) FROM audit_entries WHERE seq IS NULL")).scalar()
    if waiting:
        raise RuntimeError(f"{waiting} audit entries are not sealed; run `telecentre audit seal`")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_seq"), type_="unique")
        batch_op.drop_column("seq")
