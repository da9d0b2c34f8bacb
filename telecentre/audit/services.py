"""Writing the audit log."""
from flask import has_request_context, request

from telecentre.audit.models import AuditEntry
from telecentre.extensions import db


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
        actor_id=getattr(actor, "id", None),
        actor_login=getattr(actor, "login", None) or "system",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        site_id=getattr(site, "id", site),
        ip=ip,
        details=details or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry
