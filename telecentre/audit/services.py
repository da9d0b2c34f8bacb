"""Writing, sealing and verifying the audit log (append-only, hash-chained).

``record`` appends an entry inside the caller's transaction without touching
the chain, so audited writes (every booking) run side by side. ``seal_pending``
— the ``audit.seal`` job every few seconds, and ``telecentre audit verify``
before it checks — chains committed entries in order under one short lock.
Until it is sealed (seconds), an entry is not yet protected by the chain.
"""
import hashlib
import json

from flask import has_request_context, request
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from telecentre.audit.models import AuditEntry
from telecentre.audit.personal import make_personal, split_details, still_matches, subject_of
from telecentre.common.db import begin_write
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
    if entry.personal_digest is not None:  # entries written before it existed keep their hash
        content["personal"] = entry.personal_digest
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _chain_head() -> tuple[int, str]:
    """Return (seq, hash) of the last sealed entry, or (0, GENESIS)."""
    last = db.session.execute(select(AuditEntry.seq, AuditEntry.hash)
                              .where(AuditEntry.seq.is_not(None))
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def seal_pending(limit: int = 2000) -> int:
    """Seal up to ``limit`` unsealed entries into the chain, in id order; return how many.

    Entries are appended unsealed by ``record`` (so that audited writes never
    wait for each other); this gives each committed one the next ``seq``, the
    previous entry's hash and its own. On PostgreSQL one sealer at a time holds
    the chain's advisory lock until its transaction ends — a short transaction
    that writes only audit rows. On SQLite the caller's write lock
    (``begin_write``) does the same. Flushes, never commits.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    seq, prev = _chain_head()
    pending = db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(limit)
        .execution_options(populate_existing=True)).all()
    for entry in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_digest(entry, prev)
    db.session.flush()
    return len(pending)


def seal_all(batch: int = 2000) -> int:
    """Seal every entry waiting to be sealed; return how many were."""
    total = 0
    while (sealed := seal_pending(batch)):
        total += sealed
        if sealed < batch:
            break
    return total


def pending_count() -> int:
    """How many entries are not sealed into the chain yet."""
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.seq.is_(None)))


def record(actor, action: str, *, target=None, site=None, details: dict | None = None,
           ip: str | None = None) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (a User, or None for the system).

    ``target`` is a model instance (its class and id are kept); ``site`` a
    Site or site id. The request's address is taken when there is a request.
    Flushes, never commits.
    """
    if ip is None and has_request_context():
        ip = request.remote_addr
    public, private = split_details(details or {})
    actor_id = getattr(actor, "id", None)
    # ``__class__``, not type(): a LocalProxy (current_user) answers with the real class.
    target_type = target.__class__.__name__ if target is not None else ""
    target_id = str(getattr(target, "id", "") or "") if target is not None else ""
    personal, personal_digest = make_personal(
        getattr(actor, "login", None), ip, private, actor_id=actor_id,
        subject_id=subject_of(target))
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        actor_login="",  # the login is kept beside the chain (AuditPersonal)
        action=action,
        target_type=target_type,
        target_id=target_id,
        site_id=getattr(site, "id", site),
        ip=None,
        details=public,
        personal=personal,
        personal_digest=personal_digest,
    )
    db.session.add(entry)
    db.session.flush()  # unsealed: seal_pending chains it once the transaction has committed
    return entry


def verify_chain(batch: int = 5000, *, seal: bool = True) -> tuple[int, list[str]]:
    """Walk the sealed log in chain order; return (entries checked, problems found).

    With ``seal`` the entries waiting to be sealed are sealed first (flushed,
    not committed: the caller commits). Entries still unsealed afterwards are
    not problems; ``pending_count()`` tells how many there are.
    """
    if seal:
        begin_write(db.session)
        seal_all()
    problems: list[str] = []
    prev, count, last_seq = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > last_seq)
                                  .options(selectinload(AuditEntry.personal))
                                  .order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            return count, problems
        for entry in rows:
            count += 1
            if entry.prev_hash != prev or entry.seq != last_seq + 1:
                problems.append(f"entry {entry.id}: does not follow the entry before it "
                                "(an entry was removed or inserted)")
            if entry.hash != entry_digest(entry, entry.prev_hash):
                problems.append(f"entry {entry.id}: content changed after it was written")
            elif entry.personal is not None and not still_matches(entry.personal,
                                                                   entry.personal_digest):
                problems.append(f"entry {entry.id}: personal details changed after it was "
                                "written")
            elif entry.personal is None and entry.personal_digest is not None:
                problems.append(f"entry {entry.id}: personal details removed instead of erased")
            prev, last_seq = entry.hash, entry.seq
        db.session.expunge_all()
