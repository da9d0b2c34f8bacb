"""Calendar files: one ``.ics`` per booking and a private feed URL per resident.

The feed URL carries ``<user id>-<HMAC of the stored nonce>``; only the nonce
is kept, and a new nonce revokes every earlier URL.
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from telecentre.booking.codes import display_code
from telecentre.booking.models import Booking, CalendarFeed
from telecentre.common.time import utcnow
from telecentre.extensions import db

FEED_DAYS_BACK = 30


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets as RFC 5545 asks, never inside a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _event(booking: Booking, host: str, summary: str, description: str) -> list[str]:
    status = "CANCELLED" if booking.status in ("cancelled", "released") else "CONFIRMED"
    site = booking.seat.site
    return ["BEGIN:VEVENT", f"UID:booking-{booking.id}@{host}", f"DTSTAMP:{_stamp(utcnow())}",
            f"DTSTART:{_stamp(booking.start)}", f"DTEND:{_stamp(booking.end)}",
            f"SUMMARY:{_escape(summary)}", f"LOCATION:{_escape(site.name + ', ' + site.address)}",
            f"DESCRIPTION:{_escape(description)}", f"STATUS:{status}", "END:VEVENT"]


def render_ics(bookings: list[Booking], host: str, summary, description, name: str) -> str:
    """Return an iCalendar document of ``bookings``; ``summary``/``description`` take a booking."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Telecentre//Booking//PL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    for booking in bookings:
        lines += _event(booking, host, summary(booking), description(booking))
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


def booking_summary(booking: Booking) -> str:
    """Return the one-line title of a booking for calendars."""
    return f"{booking.seat.name} · {booking.seat.site.name} ({display_code(booking.code)})"


def _token(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"calendar-feed:{user_id}:{nonce}".encode(), hashlib.sha256)
    return f"{user_id}-{mac.hexdigest()[:32]}"


def feed_token(user, *, renew: bool = False) -> str:
    """Return the resident's feed token, creating it (or a new one when ``renew``). Flushes."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, nonce=secrets.token_hex(16))
        db.session.add(feed)
    elif renew:
        feed.nonce = secrets.token_hex(16)
        feed.created_at = utcnow()
    db.session.flush()
    return _token(user.id, feed.nonce)


def user_for_feed(token: str):
    """Return the user whose feed token this is, or None."""
    user_id, _sep, _mac = (token or "").partition("-")
    if not user_id.isdigit():
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == int(user_id)))
    if feed is None or not hmac.compare_digest(_token(feed.user_id, feed.nonce), token):
        return None
    from telecentre.auth.models import User
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None


def feed_bookings(user) -> list[Booking]:
    """Return the bookings a feed shows: the last 30 days and everything ahead."""
    since = utcnow() - timedelta(days=FEED_DAYS_BACK)
    return list(db.session.scalars(select(Booking).where(
        Booking.resident_id == user.id, Booking.end >= since).order_by(Booking.start)))
