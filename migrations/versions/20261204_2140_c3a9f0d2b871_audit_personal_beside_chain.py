"""Audit entries keep personal details beside the chain; deleted logins stay reserved.

Existing entries are rewritten in the new form (login, address and the
personal keys of ``details`` moved to ``audit_personal``, a salted digest in
the entry) and the chain is sealed again from its first entry, after checking
that it verified before. The algorithm is frozen here as it was at this
revision.

Revision ID: c3a9f0d2b871
Revises: b7d3e91a2c40
Create Date: 2026-12-04 21:40:00
"""
import hashlib
import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "c3a9f0d2b871"
down_revision = "b7d3e91a2c40"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
PERSONAL_KEYS = {"login", "resident", "card", "text", "note", "to", "email", "phone",
                 "display_name", "reason", "username"}


def _iso(value):
    if isinstance(value, str):  # SQLite hands back text
        from datetime import datetime
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import timezone
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="microseconds")


def _digest(row, prev, details, login, ip, personal):
    content = {"prev": prev, "at": _iso(row.at), "actor_id": row.actor_id,
               "actor_login": login, "action": row.action, "target_type": row.target_type,
               "target_id": row.target_id, "site_id": row.site_id, "ip": ip,
               "details": details}
    if personal is not None:
        content["personal"] = personal
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _personal_digest(salt, login, ip, details):
    blob = json.dumps({"salt": salt, "login": login, "ip": ip, "details": details or {}},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def upgrade():
    op.create_table(
        "audit_personal",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("login", sa.String(length=80), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["audit_entries.id"],
                                name=op.f("fk_audit_personal_entry_id_audit_entries"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_personal")),
    )
    op.create_index(op.f("ix_audit_personal_actor_id"), "audit_personal", ["actor_id"])
    op.create_index(op.f("ix_audit_personal_subject_id"), "audit_personal", ["subject_id"])
    op.create_table(
        "reserved_logins",
        sa.Column("login_hash", sa.String(length=64), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_hash", name=op.f("pk_reserved_logins")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_digest", sa.String(length=64), nullable=True))
    _rewrite_existing()


def _rewrite_existing():
    """Move the personal details of existing entries aside and seal the chain again."""
    conn = op.get_bind()
    entries = sa.table("audit_entries", sa.column("id"), sa.column("at"), sa.column("actor_id"),
                       sa.column("actor_login"), sa.column("action"),
                       sa.column("target_type"), sa.column("target_id"),
                       sa.column("site_id"), sa.column("ip"), sa.column("details", sa.JSON),
                       sa.column("seq"), sa.column("prev_hash"), sa.column("hash"),
                       sa.column("personal_digest"))
    personal = sa.table("audit_personal", sa.column("entry_id"), sa.column("actor_id"),
                        sa.column("subject_id"), sa.column("salt"), sa.column("login"),
                        sa.column("ip"), sa.column("details", sa.JSON))
    rows = conn.execute(sa.select(entries).order_by(
        sa.case((entries.c.seq.is_(None), 1), else_=0), entries.c.seq, entries.c.id)).all()
    prev = GENESIS
    for row in rows:
        details = dict(row.details or {})
        if row.seq is not None:  # refuse to re-seal a chain that does not verify today
            if row.prev_hash != prev or row.hash != _digest(row, prev, details, row.actor_login,
                                                             row.ip, None):
                raise RuntimeError(f"audit entry {row.id} does not verify; run `telecentre "
                                   "audit verify` and repair the chain before upgrading")
            prev = row.hash
    prev, seq = GENESIS, 0
    for row in rows:
        details = dict(row.details or {})
        public = {k: v for k, v in details.items() if k not in PERSONAL_KEYS}
        private = {k: v for k, v in details.items() if k in PERSONAL_KEYS}
        login = row.actor_login if row.actor_login and row.actor_login != "system" else None
        digest = None
        if login or row.ip or private:
            salt = secrets.token_hex(16)
            digest = _personal_digest(salt, login, row.ip, private or None)
            subject = (int(row.target_id) if row.target_type == "User" and row.target_id
                       and row.target_id.isdigit() else None)
            conn.execute(personal.insert().values(
                entry_id=row.id, actor_id=row.actor_id, subject_id=subject, salt=salt,
                login=login, ip=row.ip, details=private or None))
        values = {"actor_login": "", "ip": None, "details": public, "personal_digest": digest}
        if row.seq is not None:
            seq += 1
            values["seq"], values["prev_hash"] = seq, prev
            values["hash"] = prev = _digest(row, prev, public, "", None, digest)
        conn.execute(entries.update().where(entries.c.id == row.id).values(**values))


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("personal_digest")
    op.drop_table("reserved_logins")
    op.drop_index(op.f("ix_audit_personal_subject_id"), table_name="audit_personal")
    op.drop_index(op.f("ix_audit_personal_actor_id"), table_name="audit_personal")
    op.drop_table("audit_personal")
