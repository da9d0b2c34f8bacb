"""What the audit chain needs from outside the database: its key and the anchor of its end.

- The key (``AUDIT_KEY_FILE``, default ``<instance>/audit.key``, made on first
  use, 0600) keys every hash of the chain (HMAC-SHA256). Back it up with the
  other key files, never inside the database's backup.
- The anchor (``AUDIT_ANCHOR_FILE``, default ``<instance>/audit.anchor``) holds
  the newest sealed ``seq`` and hash, rewritten after every seal that commits,
  and the same is logged (``audit head seq=… hash=…``), so a central log keeps
  the history. ``telecentre audit verify`` checks the chain against it: a
  chain shorter than the anchor was cut; a different hash at the anchored
  ``seq`` means the chain was rewritten.

The anchor names the database it belongs to, so an instance folder shared by
several databases (tests, a restored copy) is not mistaken for a cut chain.
"""
import json
import logging
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("telecentre.audit")


def _path(name: str, default: str) -> Path:
    value = current_app.config.get(name)
    return Path(value) if value else Path(current_app.instance_path) / default


def audit_key() -> bytes:
    """The chain's HMAC key, read from its file (created once, 0600, when missing)."""
    cache = current_app.extensions.setdefault("telecentre.audit", {})
    if "key" not in cache:
        path = _path("AUDIT_KEY_FILE", "audit.key")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)  # several workers at once: the first one's key wins
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        cache["key"] = bytes.fromhex(path.read_text().strip())
    return cache["key"]


def _database() -> str:
    from telecentre.extensions import db
    return db.engine.url.render_as_string(hide_password=True)


def read_anchor() -> dict | None:
    """The anchor for this database, or None when there is none (or it is another's)."""
    path = _path("AUDIT_ANCHOR_FILE", "audit.anchor")
    try:
        anchor = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"broken": True}
    if not isinstance(anchor, dict) or anchor.get("database") != _database():
        return None
    return anchor


def write_anchor(seq: int, digest: str, force: bool = False) -> None:
    """Log the chain's head and write it to the anchor file (never backwards unless forced)."""
    log.info("audit head seq=%d hash=%s", seq, digest)
    current = read_anchor()
    if not force and current and not current.get("broken") and current.get("seq", 0) >= seq:
        return
    path = _path("AUDIT_ANCHOR_FILE", "audit.anchor")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"database": _database(), "seq": seq, "hash": digest}, fh)
    os.replace(tmp, path)


def anchor_after_commit(session, seq: int, digest: str, force: bool = False) -> None:
    """Anchor the head once ``session`` commits (never for a seal that rolled back)."""
    session.info["audit_head"] = (current_app._get_current_object(), seq, digest, force)


@event.listens_for(Session, "after_commit")
def _committed(session):
    head = session.info.pop("audit_head", None)
    if head is not None:
        app, seq, digest, force = head
        with app.app_context():
            write_anchor(seq, digest, force)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("audit_head", None)


def check_anchor(last_seq: int, last_hash: str | None) -> list[str]:
    """Problems of a chain that ends at ``last_seq`` with ``last_hash``, judged by the anchor."""
    anchor = read_anchor()
    if anchor is None:
        return []
    if anchor.get("broken"):
        return ["the audit anchor file cannot be read"]
    from sqlalchemy import select

    from telecentre.audit.models import AuditEntry
    from telecentre.extensions import db
    seq, digest = anchor.get("seq", 0), anchor.get("hash")
    if last_seq < seq:
        return [f"the chain ends at entry {last_seq} but was anchored at {seq}: "
                "entries were cut off its end"]
    stored = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
    if stored != digest:
        return [f"entry {seq} differs from its anchored hash: the chain was rewritten"]
    return []
