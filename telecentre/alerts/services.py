"""Opening, acknowledging and resolving alerts."""
from sqlalchemy import select

from telecentre.alerts.models import Alert
from telecentre.audit.services import record
from telecentre.common.errors import NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db


def active_alert(key: str) -> Alert | None:
    """Return the open or acknowledged alert with ``key``, if any."""
    return db.session.scalar(select(Alert).where(Alert.key == key, Alert.status != "resolved"))


def open_alert(key: str, *, source: str, title: str, site=None, severity: str = "warning",
               details: dict | None = None) -> tuple[Alert, bool]:
    """Open the alert ``key`` or refresh the one already active; return (alert, newly_opened)."""
    now = utcnow()
    alert = active_alert(key)
    if alert is not None:
        alert.last_seen_at = now
        alert.severity = severity
        alert.title = title
        if details is not None:
            alert.details = details
        db.session.flush()
        return alert, False
    alert = Alert(key=key, source=source, title=title, severity=severity,
                  site_id=getattr(site, "id", site), details=details or {},
                  opened_at=now, last_seen_at=now)
    db.session.add(alert)
    db.session.flush()
    return alert, True


def resolve_alert(key: str) -> Alert | None:
    """Resolve the active alert ``key``; return it, or None when none was active."""
    alert = active_alert(key)
    if alert is not None:
        alert.status = "resolved"
        alert.resolved_at = utcnow()
        db.session.flush()
    return alert


def acknowledge(actor, alert_id: int) -> Alert:
    """Mark an active alert as seen by ``actor``; raise NotFound for an unknown or resolved one."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.status == "resolved":
        from flask_babel import gettext as _
        raise NotFound(_("There is no active alert with this number."))
    if alert.status == "open":
        alert.status = "acknowledged"
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by_id = actor.id
        record(actor, "alert.acknowledge", target=alert, site=alert.site_id)
    return alert
