"""Site resolvers for the console's URLs: the object must belong to the site in the URL.

Each returns the site when the object named in the URL exists *and* belongs
to the site named by ``slug``; otherwise None, which ``enforce`` turns into
a 404. An attendant asking about another site therefore gets 403 (the slug is
not theirs) or 404 (the object is not of the slug's site) — never the object.
"""
from sqlalchemy import exists, select

from telecentre.auth.models import User
from telecentre.booking.models import Booking
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site
from telecentre.sites.resolvers import site_from_slug


def _matching(slug: str, site_id: int | None) -> Site | None:
    site = site_from_slug(slug)
    return site if site is not None and site.id == site_id else None


def seat_site(slug: str, seat_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when seat ``seat_id`` is one of its seats."""
    seat = db.session.get(Seat, seat_id)
    return _matching(slug, seat.site_id if seat else None)


def session_site(slug: str, session_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when usage session ``session_id`` ran there."""
    session = db.session.get(UsageSession, session_id)
    return _matching(slug, session.site_id if session else None)


def booking_site(slug: str, booking_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when booking ``booking_id`` is for one of its seats."""
    booking = db.session.get(Booking, booking_id)
    return _matching(slug, booking.site_id if booking else None)


def resident_known_at(site: Site, user: User) -> bool:
    """Return True when ``user`` is a resident the site's staff may see.

    That is a resident registered at the site (home site) or one who has a
    booking or a session there. Residents of other sites stay invisible.
    """
    if user.role != "resident":
        return False
    if user.site_id == site.id:
        return True
    booked = db.session.scalar(select(exists().where(Booking.resident_id == user.id,
                                                     Booking.site_id == site.id)))
    if booked:
        return True
    return bool(db.session.scalar(select(exists().where(UsageSession.user_id == user.id,
                                                        UsageSession.site_id == site.id))))


def resident_site(slug: str, resident_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when resident ``resident_id`` is known there."""
    site = site_from_slug(slug)
    user = db.session.get(User, resident_id)
    if site is None or user is None or not resident_known_at(site, user):
        return None
    return site


def guest_pass_site(slug: str, pass_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when guest pass ``pass_id`` was issued there."""
    from telecentre.console.models import GuestPass
    guest = db.session.get(GuestPass, pass_id)
    return _matching(slug, guest.site_id if guest else None)


def queue_entry_site(slug: str, entry_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when queue entry ``entry_id`` is in its queue."""
    from telecentre.booking.models import QueueEntry
    entry = db.session.get(QueueEntry, entry_id)
    return _matching(slug, entry.site_id if entry else None)
