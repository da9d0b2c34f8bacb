"""Telling residents when the site changes their booking (moved to another seat, cancelled).

A notice is shown on every page the resident opens until dismissed, and is
also e-mailed when the resident gave an address and SMTP is configured
(``TELECENTRE_SMTP_*``); a mail failure never undoes the change.
"""
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.common.outgoing import mail_after_commit
from telecentre.common.errors import NotFound
from telecentre.common.time import utcnow
from telecentre.console.models import ResidentNotice
from telecentre.extensions import db



def tell(user, text: str, *, site=None, booking=None) -> ResidentNotice:
    """Leave ``text`` for ``user`` (and mail it when possible); flushes."""
    notice = ResidentNotice(user_id=user.id, site_id=getattr(site, "id", site),
                            booking_id=getattr(booking, "id", None), text=text[:500],
                            created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    if user.email:
        send_mail(user.email, _("Telecentre: your booking has changed"), text)
    return notice


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one plain-text mail after this transaction commits; False without SMTP settings."""
    config = current_app.config
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, config.get("MAIL_FROM"), to
    msg.set_content(body + "\n")
    return mail_after_commit(msg)


def unseen(user) -> list[ResidentNotice]:
    """Return the notices ``user`` has not dismissed yet, oldest first."""
    return list(db.session.scalars(select(ResidentNotice).where(
        ResidentNotice.user_id == user.id, ResidentNotice.seen_at.is_(None))
        .order_by(ResidentNotice.id).limit(20)))


def dismiss(user, notice_id: int) -> None:
    """Mark the user's own notice as seen; NotFound for anyone else's. Flushes."""
    notice = db.session.get(ResidentNotice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound(_("There is no such message for you."))
    notice.seen_at = notice.seen_at or utcnow()
    db.session.flush()


def for_template() -> list[ResidentNotice]:
    """Return the signed-in resident's notices for the page template (none for others)."""
    if not getattr(current_user, "is_authenticated", False) or current_user.role != "resident":
        return []
    return unseen(current_user)
