"""Writing and verifying the audit log (append-only, hash-chained)."""
import hashlib
import json

from flask import has_request_context, request
from sqlalchemy import select, text

from telecentre.audit.models import AuditEntry
from telecentre.common.time import utcnow
from telecentre.extensions import db

GENESIS = "0" * 64
_CHAIN_LOCK = 0x7465_6C65_6175_6469  # advisory lock key for appending to the chain


def entry_digest(entry: AuditEntry, prev_hash: str) -> str:
    """Return the SHA-256 over the entry's content and the previous entry's hash."""
    content = {
        "prev": prev_hash,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_login": entry.actor_login,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "site_id": entry.site_id,
        "ip": entry.ip,
        "details": entry.details,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _last_hash() -> str:
    if db.session.get_bind().dialect.name == "postgresql":
        # One appender at a time, so that two entries never claim the same predecessor.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    last = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def record(actor, action: str, *, target=None, site=None, details: dict | None = None,
           ip: str | None = None) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (a User, or None for the system).

    ``target`` is a model instance (its class and id are kept); ``site`` a
    Site or site id. The request's address is taken when there is a request.
    Flushes, never commits.
    """
    if ip is None and has_request_context():
        ip = request.remote_addr
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_login=getattr(actor, "login", None) or "system",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        site_id=getattr(site, "id", site),
        ip=ip,
        details=details or {},
    )
    db.session.flush()  # earlier writes first: they may be what takes the write lock
    entry.prev_hash = _last_hash()
    entry.hash = entry_digest(entry, entry.prev_hash)
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_chain(batch: int = 5000) -> tuple[int, list[str]]:
    """Walk the whole log in order; return (entries checked, problems found)."""
    problems: list[str] = []
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                  .order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return count, problems
        for entry in rows:
            count += 1
            if entry.prev_hash != prev:
                problems.append(f"entry {entry.id}: does not follow the entry before it "
                                "(an entry was removed or inserted)")
            if entry.hash != entry_digest(entry, entry.prev_hash):
                problems.append(f"entry {entry.id}: content changed after it was written")
            prev, last_id = entry.hash, entry.id
        db.session.expunge_all()
