"""Blocking a resident: no booking, check-in, walk-in or unlock while a block holds.

Staff see the reason; the resident is told only that the account cannot be
used and to ask the staff (``ensure_not_blocked(..., for_staff=False)``).
Services take the acting user, flush and audit; the view commits.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select

from telecentre.audit.services import record
from telecentre.auth.models import ResidentBlock, User
from telecentre.common.errors import Conflict, Forbidden, InvalidInput
from telecentre.common.time import to_local, utcnow
from telecentre.extensions import db

MAX_REASON = 300


# Built once: every booking and unlock of a resident runs it. Binds ``user_id`` and ``now``.
BLOCK_HOLDS = (
    ResidentBlock.user_id == bindparam("user_id"), ResidentBlock.lifted_at.is_(None),
    ResidentBlock.starts_at <= bindparam("now", type_=ResidentBlock.starts_at.type),
    or_(ResidentBlock.ends_at.is_(None),
        ResidentBlock.ends_at > bindparam("now", type_=ResidentBlock.ends_at.type)))
_ACTIVE_BLOCK = select(ResidentBlock).where(*BLOCK_HOLDS).order_by(
    ResidentBlock.starts_at.desc()).limit(1)


def active_block(user, now: datetime | None = None) -> ResidentBlock | None:
    """Return the block that holds ``user`` now (the latest, if several), or None."""
    if user is None or getattr(user, "role", None) != "resident":
        return None
    return db.session.scalar(_ACTIVE_BLOCK, {"user_id": user.id, "now": now or utcnow()})


def ensure_not_blocked(user, *, for_staff: bool, now: datetime | None = None) -> None:
    """Raise Forbidden (code ``resident_blocked``) when a block holds ``user`` now.

    Staff (``for_staff``) are told the reason and until when; the resident gets a
    neutral message that sends them to the staff.
    """
    block = active_block(user, now)
    if block is None:
        return
    if not for_staff:
        raise Forbidden(_("This account cannot be used to book or use a computer now. "
                          "Please ask the staff."), code="resident_blocked")
    if block.ends_at is not None:
        message = _("%(name)s is blocked until %(until)s: %(reason)s",
                    name=user.display_name, reason=block.reason,
                    until=to_local(block.ends_at).strftime("%Y-%m-%d %H:%M"))
    else:
        message = _("%(name)s is blocked: %(reason)s", name=user.display_name,
                    reason=block.reason)
    raise Forbidden(message, code="resident_blocked")


def block(actor, resident: User, reason: str, *, until: datetime | None = None,
          site=None, now: datetime | None = None) -> ResidentBlock:
    """Block ``resident`` from now until ``until`` (open-ended when None). Raises
    InvalidInput for a missing reason or an end in the past, Conflict when already blocked.
    Flushes and audits."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if resident.role != "resident":
        raise Forbidden(_("Only residents can be blocked here."))
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(_("Write the reason (up to %(n)d characters).", n=MAX_REASON))
    if until is not None and until <= now:
        raise InvalidInput(_("The end of the block must be in the future."))
    if active_block(resident, now) is not None:
        raise Conflict(_("%(name)s is already blocked.", name=resident.display_name),
                       code="already_blocked")
    row = ResidentBlock(user_id=resident.id, reason=reason, starts_at=now, ends_at=until,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    from telecentre.auth.recovery import revoke_other_sessions
    revoke_other_sessions(resident)
    record(actor, "resident.block", target=resident, site=site,
           details={"reason": reason, "until": until.isoformat() if until else None})
    return row


def unblock(actor, resident: User, *, site=None, now: datetime | None = None) -> int:
    """Lift every block that holds or will hold ``resident``; return how many. Conflict when
    there is none. Flushes and audits."""
    now = now or utcnow()
    rows = db.session.scalars(select(ResidentBlock).where(
        ResidentBlock.user_id == resident.id, ResidentBlock.lifted_at.is_(None),
        or_(ResidentBlock.ends_at.is_(None), ResidentBlock.ends_at > now))).all()
    if not rows:
        raise Conflict(_("%(name)s is not blocked.", name=resident.display_name),
                       code="not_blocked")
    for row in rows:
        row.lifted_at = now
        row.lifted_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "resident.unblock", target=resident, site=site)
    return len(rows)


def history(resident: User, limit: int = 20) -> list[ResidentBlock]:
    """Return the resident's blocks, newest first."""
    return list(db.session.scalars(select(ResidentBlock).where(
        ResidentBlock.user_id == resident.id).order_by(ResidentBlock.starts_at.desc(),
                                                        ResidentBlock.id.desc()).limit(limit)))
