"""One computer per person: a resident already in a session anywhere in the county cannot
start a second one. Every path that starts a resident's session (walk-in at the console,
check-in at the desk, card or code unlock at the PC, accepting a queue offer) calls
``ensure_not_seated_elsewhere`` before it writes anything."""
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site


def where_seated(user, *, except_seat: Seat | None = None) -> tuple[str, str] | None:
    """Return ``(site name, seat name)`` of the resident's running session (other than on
    ``except_seat``), or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    query = (select(Site.name, Seat.name).select_from(UsageSession)
             .join(Seat, Seat.id == UsageSession.seat_id).join(Site, Site.id == Seat.site_id)
             .where(UsageSession.user_id == user.id, UsageSession.ended_at.is_(None))
             .order_by(UsageSession.started_at.desc()).limit(1))
    if except_seat is not None:
        query = query.where(UsageSession.seat_id != except_seat.id)
    row = db.session.execute(query).first()
    return (row[0], row[1]) if row else None


def ensure_not_seated_elsewhere(user, *, seat: Seat | None = None,
                                for_staff: bool = True) -> None:
    """Raise a 409 DomainError (code ``already_in_session``) naming the site and seat when
    ``user`` already has a running session on a seat other than ``seat``.

    ``for_staff`` words the message for the attendant (the resident's name) or for the
    resident at the PC ("you").
    """
    found = where_seated(user, except_seat=seat)
    if found is None:
        return
    site_name, seat_name = found
    if for_staff:
        message = _("%(name)s is already using %(seat)s at %(site)s. One computer per person: "
                    "end that session first.", name=user.display_name, seat=seat_name,
                    site=site_name)
    else:
        message = _("You are already using %(seat)s at %(site)s. One computer per person: "
                    "end that session first.", seat=seat_name, site=site_name)
    raise DomainError(message, code="already_in_session", status=409)
