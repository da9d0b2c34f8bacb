"""The site's public screen ("infomat"): free computers now, the next free slot, book or queue.

No sign-in is needed to look. The page refreshes its board by polling a
fragment, and after the site's idle time any page opened from it returns to
its start (``static/console/kiosk-idle.js``), signing out whoever signed in.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from telecentre.audit.services import record
from telecentre.common.access import access
from telecentre.booking.availability import day_availability
from telecentre.common.time import local_today, utcnow
from telecentre.console.room import RoomView, room_view
from telecentre.extensions import db
from telecentre.sites.services import get_site

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


@dataclass
class Board:
    """What the public screen shows."""

    room: RoomView
    free: list  # SeatViews of PCs free now
    next_free: datetime | None  # when a PC is next free, if none is free now
    next_slot: datetime | None = None  # the next slot that can be booked (booking feature)

    @property
    def total(self) -> int:
        """Return how many PCs are in service."""
        return sum(1 for v in self.room.seats if v.seat.kind == "pc"
                   and v.state != "out_of_service")


def next_free_time(room: RoomView) -> datetime | None:
    """Return the earliest time a running session on an in-service PC is due to end.

    Used when no PC is free now; the booking feature's availability refines
    it into the next bookable slot.
    """
    ends = [v.ends_at for v in room.seats
            if v.seat.kind == "pc" and v.state == "in_use" and v.ends_at is not None]
    return min(ends) if ends else None


def next_bookable_slot(site, now: datetime) -> datetime | None:
    """Return the start of the next slot (today or tomorrow) in which a PC can be booked."""
    today = local_today(now)
    for day in (today, today + timedelta(days=1)):
        grid = day_availability(site, day, now=now)
        for slot in grid.slots:
            if slot.bookable and slot.free and slot.end > now:
                return max(slot.start, now)
    return None


def board(site, now: datetime | None = None) -> Board:
    """Return the public board of ``site``: PCs free now and, if none, when one frees up
    and the next slot that can be booked (from the booking feature's availability)."""
    now = now or utcnow()
    room = room_view(site, now)
    free = [v for v in room.seats if v.seat.kind == "pc" and v.state == "free"]
    if free:
        return Board(room=room, free=free, next_free=None)
    return Board(room=room, free=free, next_free=next_free_time(room),
                 next_slot=next_bookable_slot(site, now))


def _context(slug):
    site = get_site(slug)
    return {"site": site, "board": board(site), "idle_seconds": site.policy.kiosk_idle_seconds}


@bp.get("/<slug>")
@access("public")
def start(slug):
    """The start screen of the site's kiosk."""
    return render_template("console/kiosk.html", **_context(slug))


@bp.get("/<slug>/board")
@access("public")
def board_fragment(slug):
    """The board alone, for the kiosk page's polling script."""
    return render_template("console/_board.html", **_context(slug))


@bp.post("/<slug>/leave")
@access("public")
def leave(slug):
    """Back to the kiosk's start, signing out whoever signed in on the public screen."""
    site = get_site(slug)  # 404 for an unknown site
    if current_user.is_authenticated:
        record(current_user, "auth.logout", target=current_user, site=site,
               details={"kiosk": True, "idle": True})
        db.session.commit()
        logout_user()
        session.clear()  # nothing of the last visitor stays on the public screen
    return redirect(url_for("kiosk.start", slug=slug))
