"""Guest passes: issuing them (one or a group at once), listing, revoking and redeeming.

A guest pass is a one-time code for a number of minutes at any computer of
its site, for a visitor without an account. The attendant prints them; the
visitor types the code on the computer's lock screen, where the agent sends it
to the unlock endpoint like a booking code.
"""
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from telecentre.audit.services import record
from telecentre.common.errors import Conflict, InvalidInput, NotFound
from telecentre.common.time import local_day_bounds, local_today, utcnow
from telecentre.console.models import GuestPass
from telecentre.extensions import db
from telecentre.sites.models import Site

# The booking codes' alphabet (no look-alike characters), two characters longer, so that a
# guest code can never be mistaken for a six-character booking code.
ALPHABET = "ACEFHJKMNPRTWXY3479"
LENGTH = 8
MAX_PASSES = 40
MAX_MINUTES = 480


def new_code() -> str:
    """Return a random guest code (19^8 ≈ 1.7e10 possibilities)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """Return a typed guest code as stored (upper case, no spaces or dashes), or None."""
    code = "".join(ch for ch in (text or "").upper() if ch not in " -_.")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display(code: str) -> str:
    """Return the code grouped for reading: ``ACEF-HJKM``."""
    return f"{code[:4]}-{code[4:]}"


def parse_request(count, minutes, days=1) -> tuple[int, int, int]:
    """Validate the form values of a pass request; raise InvalidInput with a clear message."""
    try:
        count, minutes, days = int(count), int(minutes), int(days)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the number of passes and the minutes as whole numbers.")) \
            from None
    if not 1 <= count <= MAX_PASSES:
        raise InvalidInput(_("Issue between 1 and %(n)d passes at once.", n=MAX_PASSES))
    if not 5 <= minutes <= MAX_MINUTES:
        raise InvalidInput(_("A pass gives between 5 and %(n)d minutes.", n=MAX_MINUTES))
    if not 1 <= days <= 7:
        raise InvalidInput(_("A pass is valid for 1 to 7 days."))
    return count, minutes, days


def issue_passes(actor, site: Site, count: int, minutes: int, *, days: int = 1, note: str = "",
                 now: datetime | None = None) -> list[GuestPass]:
    """Issue ``count`` passes of ``minutes`` at ``site``, valid to the end of the ``days``-th day.

    All share one batch (for printing together). Flushes and audits once.
    """
    now = now or utcnow()
    count, minutes, days = parse_request(count, minutes, days)
    note = (note or "").strip()
    if len(note) > 120:
        raise InvalidInput(_("The note may have at most 120 characters."))
    expires = local_day_bounds(local_today(now) + timedelta(days=days - 1))[1]
    batch = secrets.token_hex(6)
    passes = [_insert(actor, site, minutes, batch, note, now, expires) for _ in range(count)]
    record(actor, "guest_pass.issue", site=site,
           details={"batch": batch, "count": count, "minutes": minutes, "note": note,
                    "expires_at": expires.isoformat()})
    return passes


def _insert(actor, site, minutes, batch, note, now, expires) -> GuestPass:
    for _attempt in range(8):
        guest = GuestPass(site_id=site.id, code=new_code(), minutes=minutes, batch=batch,
                          note=note, created_at=now, created_by_id=getattr(actor, "id", None),
                          expires_at=expires)
        try:
            with db.session.begin_nested():
                db.session.add(guest)
                db.session.flush()
            return guest
        except IntegrityError:
            continue  # the same code drawn twice at this site: draw again
    raise Conflict(_("Could not find a free guest code. Please try again."))


def batch_of(site: Site, batch: str) -> list[GuestPass]:
    """Return the passes of one batch of ``site``; NotFound when there are none."""
    passes = list(db.session.scalars(select(GuestPass).where(
        GuestPass.site_id == site.id, GuestPass.batch == batch).order_by(GuestPass.id)))
    if not passes:
        raise NotFound(_("There is no such sheet of guest passes at this site."))
    return passes


def recent_passes(site: Site, now: datetime | None = None, days: int = 7) -> list[GuestPass]:
    """Return the site's passes issued in the last ``days`` days, newest first."""
    since = (now or utcnow()) - timedelta(days=days)
    return list(db.session.scalars(select(GuestPass).where(
        GuestPass.site_id == site.id, GuestPass.created_at >= since)
        .order_by(GuestPass.id.desc()).limit(200)))


def revoke_pass(actor, guest: GuestPass, now: datetime | None = None) -> GuestPass:
    """Make an unused pass unusable (lost sheet, visitor left). Flushes and audits."""
    now = now or utcnow()
    if guest.state(now) != "valid":
        raise Conflict(_("This pass cannot be revoked: it is already used, revoked or expired."))
    guest.revoked_at = now
    record(actor, "guest_pass.revoke", target=guest, site=guest.site_id,
           details={"batch": guest.batch})
    db.session.flush()
    return guest


def find_valid(site_id: int, text: str, now: datetime) -> GuestPass | None:
    """Return the valid pass of the site with the code typed as ``text``, or None."""
    code = normalise(text)
    if code is None:
        return None
    guest = db.session.scalar(select(GuestPass).where(GuestPass.site_id == site_id,
                                                      GuestPass.code == code))
    return guest if guest is not None and guest.state(now) == "valid" else None


def mark_used(guest: GuestPass, session, now: datetime) -> None:
    """Record that ``guest`` started ``session`` (a pass is good for one session). Flushes."""
    guest.used_at = now
    guest.session_id = session.id
    record(None, "guest_pass.use", target=guest, site=guest.site_id,
           details={"seat_id": session.seat_id, "session": session.id})
    db.session.flush()


def grant_for(seat, guest: GuestPass, now: datetime):
    """Return the Grant of a guest session on ``seat``: the pass's minutes, cut short by the
    seat's next booking and by closing time; raise the protocol's refusal when it may not start.

    The policy's session length does not apply: the attendant chose the minutes.
    """
    from telecentre.sessions import services as sessions
    if sessions.holding_booking(seat, now) is not None:
        raise sessions.refusal(409, "seat_busy", _("This computer is booked by someone else now."))
    closing = sessions.minutes_to_closing(seat, now)
    if closing is None:
        raise sessions.refusal(422, "closed", _("The room is closed now."))
    limits = [("guest_pass", float(guest.minutes)), ("closing", closing)]
    upcoming = sessions.next_booking_start(seat, now)
    if upcoming is not None:
        limits.append(("next_booking", (upcoming - now).total_seconds() / 60))
    limited_by, minutes = min(limits, key=lambda item: item[1])
    if minutes < sessions.MIN_GRANT_MINUTES:
        raise sessions.refusal(409, "seat_busy", _("This computer is booked by someone else now."))
    return sessions.Grant(round(minutes, 2), limited_by)
