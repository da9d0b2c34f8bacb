"""Looking up the session log and signing what is handed over."""
import base64
import hashlib
import json
import os
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.exceptions import InvalidSignature
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.auth.models import User
from telecentre.booking.residents import resident_by_card
from telecentre.common.errors import InvalidInput
from telecentre.common.time import local_day_bounds, local_today, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site


def log_days() -> int:
    """How many days back the session log reaches (its own retention)."""
    return int(current_app.config["SESSION_LOG_DAYS"])


def find_resident(query: str) -> User | None:
    """Return the resident with this login or card number, or None."""
    query = (query or "").strip()
    if not query:
        return None
    user = resident_by_card(query)
    if user is None:
        user = db.session.scalar(select(User).where(User.login == query.lower(),
                                                    User.role == "resident"))
    return user


def lookup(viewer, *, resident: User | None, seat: Seat | None, first: date,
           last: date) -> list[dict]:
    """Return the sessions of ``resident`` or on ``seat`` between local days ``first``–``last``.

    Exactly one of ``resident`` and ``seat`` is given. Refuses a period
    outside the log's reach. Audits the look-up (who looked, at whom or what,
    which period). Flushes.
    """
    if (resident is None) == (seat is None):
        raise InvalidInput(_("Look up either one resident or one computer."))
    oldest = local_today() - timedelta(days=log_days())
    if first > last:
        raise InvalidInput(_("The period ends before it starts."))
    if first < oldest or last > local_today():
        raise InvalidInput(_("The log reaches from %(first)s to today.", first=oldest.isoformat()))
    lo, hi = local_day_bounds(first)[0], local_day_bounds(last)[1]
    query = (select(UsageSession, Seat.name, Site.name, User.login, User.display_name)
             .join(Seat, Seat.id == UsageSession.seat_id)
             .join(Site, Site.id == UsageSession.site_id)
             .outerjoin(User, User.id == UsageSession.user_id)
             .where(UsageSession.started_at >= lo, UsageSession.started_at < hi)
             .order_by(UsageSession.started_at))
    if resident is not None:
        query = query.where(UsageSession.user_id == resident.id)
    else:
        query = query.where(UsageSession.seat_id == seat.id)
    rows = [{"site": site, "seat": seat_name, "started_at": s.started_at,
             "ended_at": s.ended_at, "kind": s.kind, "login": login, "name": name,
             "end_reason": s.end_reason}
            for s, seat_name, site, login, name in db.session.execute(query)]
    record(viewer, "records.sessions_viewed", target=resident if resident else seat,
           site=seat.site_id if seat else None,
           details={"first": first.isoformat(), "last": last.isoformat(), "rows": len(rows)})
    return rows


def _key_path() -> Path:
    return Path(current_app.config["RECORDS_SIGNING_KEY_FILE"])


def signing_key() -> Ed25519PrivateKey:
    """Return the Ed25519 key that signs reports (kept outside the database; made once)."""
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_pem() -> str:
    """Return the public key that checks reports (publish it to whoever receives them)."""
    return signing_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(pem: str) -> str:
    """Return a short fingerprint of a public key."""
    return hashlib.sha256(pem.encode()).hexdigest()[:16]


def _canonical(report: dict) -> bytes:
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def signed_report(viewer, rows: list[dict], subject: str, first: date, last: date) -> dict:
    """Return the report of ``rows`` with an Ed25519 signature over its canonical JSON."""
    report = {
        "issuer": current_app.config["PUBLIC_BODY_NAME"], "subject": subject,
        "period": [first.isoformat(), last.isoformat()], "issued_at": utcnow().isoformat(),
        "issued_by": viewer.login,
        "sessions": [{"site": r["site"], "seat": r["seat"], "kind": r["kind"],
                      "resident": r["login"], "name": r["name"],
                      "started_at": r["started_at"].isoformat(),
                      "ended_at": r["ended_at"].isoformat() if r["ended_at"] else None}
                     for r in rows],
    }
    signature = signing_key().sign(_canonical(report))
    return {"report": report, "signature": base64.b64encode(signature).decode(),
            "key_id": key_id(public_key_pem())}


def verify_report(document: dict, pem: str) -> bool:
    """Return True when ``document`` was signed by the key whose public half is ``pem``."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(base64.b64decode(document["signature"]), _canonical(document["report"]))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False
    return True
