"""What a destructive action would hit: the computers, the sessions running on them and
the residents affected — shown on a confirmation step before anything happens."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession


@dataclass
class Impact:
    """The seats an action targets, who sits there now and the bookings it would touch."""

    seats: list[Seat]
    sessions: list[UsageSession] = field(default_factory=list)  # running now
    bookings: list[Booking] = field(default_factory=list)  # open, not over yet
    sites: dict[int, str] = field(default_factory=dict)  # names to show, when several sites

    def session_on(self, seat: Seat) -> UsageSession | None:
        """Return the session running on ``seat``, if any."""
        return next((s for s in self.sessions if s.seat_id == seat.id), None)

    @property
    def residents(self) -> list[str]:
        """Return the names of the residents affected (sitting there or booked), sorted."""
        people = {s.user for s in self.sessions if s.user is not None}
        people |= {b.resident for b in self.bookings}
        return sorted({p.display_name or p.login for p in people})


def impact_of(seats: list[Seat], *, bookings: bool = False,
              now: datetime | None = None) -> Impact:
    """Return what an action on ``seats`` would hit: the running sessions (with their
    users) and, with ``bookings``, the open bookings from now on (for out of service)."""
    now = now or utcnow()
    ids = [s.id for s in seats]
    impact = Impact(seats=list(seats))
    if not ids:
        return impact
    impact.sessions = list(db.session.scalars(
        select(UsageSession).options(selectinload(UsageSession.user))
        .where(UsageSession.seat_id.in_(ids), UsageSession.ended_at.is_(None))
        .order_by(UsageSession.seat_id)))
    if bookings:
        impact.bookings = list(db.session.scalars(
            select(Booking).options(selectinload(Booking.resident))
            .where(Booking.seat_id.in_(ids), Booking.status.in_(OPEN_STATUSES),
                   Booking.end > now).order_by(Booking.start)))
    return impact
