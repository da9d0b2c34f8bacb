"""Personal details of audit entries, kept beside the hash chain so they can be erased.

An entry names people by account id. What would identify them to anyone
without the users table — the login, the address, names and card numbers in
``details`` — goes to ``AuditPersonal``, and the entry keeps only a salted
digest of it, which the chain covers. Erasing the details (a deleted
account, the retention period) leaves the digest, so the chain still
verifies; while they are kept, ``audit verify`` checks them against it.
"""
import hashlib
import json
import secrets
from datetime import datetime

from sqlalchemy import or_, select, update

from telecentre.audit.models import AuditPersonal
from telecentre.common.time import utcnow
from telecentre.extensions import db

# Keys of ``details`` whose values are about a person (moved beside the chain).
PERSONAL_KEYS = frozenset({"login", "resident", "card", "text", "note", "to", "email", "phone",
                           "display_name", "reason", "username"})


def split_details(details: dict) -> tuple[dict, dict]:
    """Return (what the chain may hold, the personal part) of an entry's ``details``."""
    public = {k: v for k, v in details.items() if k not in PERSONAL_KEYS}
    personal = {k: v for k, v in details.items() if k in PERSONAL_KEYS}
    return public, personal


def digest(salt: str, login: str | None, ip: str | None, details: dict | None) -> str:
    """Return the SHA-256 the chain keeps for these personal details."""
    blob = json.dumps({"salt": salt, "login": login, "ip": ip, "details": details or {}},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def subject_of(target) -> int | None:
    """Return the account an entry is about: a User target, or a row's resident or user."""
    if target is None:
        return None
    if target.__class__.__name__ == "User":  # current_user (a proxy) too
        return target.id
    for attribute in ("resident_id", "user_id"):
        value = getattr(target, attribute, None)
        if isinstance(value, int):
            return value
    return None


def make_personal(login: str | None, ip: str | None, details: dict, *, actor_id: int | None,
                  subject_id: int | None) -> tuple[AuditPersonal | None, str | None]:
    """Return (the row to keep beside the entry, its digest), or (None, None) when empty."""
    if not login and not ip and not details:
        return None, None
    salt = secrets.token_hex(16)
    row = AuditPersonal(salt=salt, login=login or None, ip=ip, details=details or None,
                        actor_id=actor_id, subject_id=subject_id)
    return row, digest(salt, row.login, row.ip, row.details)


def still_matches(row: AuditPersonal, expected: str | None) -> bool:
    """Return True when ``row`` is erased or still hashes to the entry's digest."""
    if row.erased_at is not None:
        return True
    return digest(row.salt, row.login, row.ip, row.details) == expected


def erase_person(user_id: int) -> int:
    """Erase every kept personal detail that names account ``user_id``; return how many. Flushes."""
    return _erase(or_(AuditPersonal.actor_id == user_id, AuditPersonal.subject_id == user_id))


def erase_older_than(cutoff: datetime) -> int:
    """Erase the personal details of entries written before ``cutoff``; return how many."""
    from telecentre.audit.models import AuditEntry
    older = select(AuditEntry.id).where(AuditEntry.at < cutoff).scalar_subquery()
    return _erase(AuditPersonal.entry_id.in_(older))


def _erase(condition) -> int:
    count = db.session.execute(
        update(AuditPersonal).where(condition, AuditPersonal.erased_at.is_(None))
        .values(login=None, ip=None, details=None, erased_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return count
