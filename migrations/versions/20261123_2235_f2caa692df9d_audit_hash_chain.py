"""Audit log hash chain: prev_hash and hash on every entry.

Existing entries are chained in id order here, with the same digest the
application uses (copied, so that this migration keeps working whatever the
code becomes).

Revision ID: f2caa692df9d
Revises: 53b17238bf70
Create Date: 2026-11-23 22:35:00
"""
import hashlib
import json
from datetime import timezone

import sqlalchemy as sa
from alembic import op

revision = "f2caa692df9d"
down_revision = "53b17238bf70"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _digest(row, prev):
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
    details = row.details if isinstance(row.details, dict) else json.loads(row.details or "{}")
    content = {"prev": prev, "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
               "actor_id": row.actor_id, "actor_login": row.actor_login, "action": row.action,
               "target_type": row.target_type, "target_id": row.target_id,
               "site_id": row.site_id, "ip": row.ip, "details": details}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    entries = sa.table("audit_entries", sa.column("id"), sa.column("at", sa.DateTime(True)),
                       sa.column("actor_id"), sa.column("actor_login"), sa.column("action"),
                       sa.column("target_type"), sa.column("target_id"),
                       sa.column("site_id"), sa.column("ip"), sa.column("details", sa.JSON),
                       sa.column("prev_hash"), sa.column("hash"))
    prev = GENESIS
    for row in conn.execute(sa.select(entries).order_by(entries.c.id)).all():
        digest = _digest(row, prev)
        conn.execute(entries.update().where(entries.c.id == row.id)
                     .values(prev_hash=prev, hash=digest))
        prev = digest
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_hash"), ["hash"])


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
