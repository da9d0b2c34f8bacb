"""A booking's first look at its seat: one statement, and the site's rules from memory.

Under contention most requests for a seat lose: ten residents ask for the
same computer at the same time and one gets it. ``look_first`` answers what
every one of them needs before the write in one statement (the site's
``config_version``, whether a block holds the resident, whether another
resident holds the seat then) and hands the rules a copy of the seat, its
site, hours, dated exceptions and policy kept in this process while the
site's version stays the same (``telecentre/sites/versions.py`` raises it with
every change), instead of loading those rows into ORM objects per request.

The copies are plain immutable values with the attributes the rules read
(``rules.check_request``, ``rules.seat_taken``), never ORM objects: they are
shared by the threads of a worker and outlive the session that read them.
"""
from __future__ import annotations

import time
from collections import namedtuple
from dataclasses import dataclass
from typing import ClassVar
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from telecentre.auth.blocks import BLOCK_HOLDS
from telecentre.auth.models import ResidentBlock
from telecentre.booking.models import LONGEST
from telecentre.booking.rules import current_policy
from telecentre.booking.services import HELD_BY_ANOTHER
from telecentre.common.db import READ_FIRST, run_core
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import OpeningException, OpeningHours, Site, SitePolicy

MAX_AGE = 60.0     # seconds: bounds what an edit made past the application can leave stale
MAX_ENTRIES = 5000  # seats; a process that sees more starts over

HoursView = namedtuple("HoursView", [c.name for c in OpeningHours.__table__.columns])
ExceptionView = namedtuple("ExceptionView", [c.name for c in OpeningException.__table__.columns])
PolicyView = namedtuple("PolicyView", [c.name for c in SitePolicy.__table__.columns])


@dataclass(frozen=True)
class SiteView:
    """What the rules read of a site: names, weekly hours, dated exceptions, policy."""

    table_model: ClassVar[type] = Site  # what common.db.serialized locks for it
    id: int
    slug: str
    name: str
    hours: tuple
    exceptions: tuple
    policy: PolicyView


@dataclass(frozen=True)
class SeatView:
    """What the rules read of a seat, with its site."""

    id: int
    site_id: int
    name: str
    kind: str
    bookable: bool
    accessible: bool
    in_service: bool
    site: SiteView


@dataclass(frozen=True)
class FirstLook:
    """The answer of ``look_first``: the seat (with its site), and the two facts read with it."""

    seat: SeatView
    blocked: bool
    held: bool


def _row(view, obj):
    return view(**{name: getattr(obj, name) for name in view._fields})


def view_of(seat: Seat) -> SeatView:
    """Return the copy of a loaded seat with its site."""
    site = seat.site
    site_view = SiteView(id=site.id, slug=site.slug, name=site.name,
                         hours=tuple(_row(HoursView, h) for h in site.hours),
                         exceptions=tuple(_row(ExceptionView, e) for e in site.exceptions),
                         policy=_row(PolicyView, current_policy(site)))
    return SeatView(
        id=seat.id, site_id=seat.site_id, name=seat.name, kind=seat.kind,
        bookable=seat.bookable, accessible=seat.accessible, in_service=seat.in_service,
        site=site_view)


def _cache() -> dict[int, tuple[int, float, SeatView]]:
    """The app's copies: seat id -> (site config_version, when read (monotonic), SeatView).

    One per app, as an app is one database. Dict reads and writes are atomic;
    two threads that both miss each read the seat, and the later copy stays.
    """
    return current_app.extensions.setdefault("booking_seat_views", {})


_site_of = joinedload(Seat.site)
# The seat, its site, policy and hours in one query, the dated exceptions in one more (not
# five lazy loads, one by one). Built once, options and all.
SEAT_TO_BOOK = select(Seat).where(Seat.id == bindparam("seat_id")).options(
    _site_of.joinedload(Site.policy), _site_of.joinedload(Site.hours),
    _site_of.selectinload(Site.exceptions))


def seat_view(seat_id: int, version: int) -> SeatView | None:
    """Return the copy of ``seat_id`` good at site version ``version``; None if it is gone.

    A copy read now is filed under ``version`` although it may be newer (a
    change committed since ``version`` was read): the next request, seeing the
    newer version, reads it again. A copy is never older than its version.
    """
    now = time.monotonic()
    cache = _cache()
    cached = cache.get(seat_id)
    if cached is not None and cached[0] == version and now - cached[1] < MAX_AGE:
        return cached[2]
    seat = db.session.execute(SEAT_TO_BOOK, {"seat_id": seat_id}).unique().scalar_one_or_none()
    if seat is None:
        return None
    view = view_of(seat)
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[seat_id] = (version, now, view)
    return view


# Built once: the version, the block and the other resident's holding, in one statement.
_FIRST_LOOK = select(
    Site.config_version, select(ResidentBlock.id).where(*BLOCK_HOLDS).exists().label("blocked"),
    HELD_BY_ANOTHER.label("held")
).join_from(Seat, Site, Seat.site_id == Site.id).where(
    Seat.id == bindparam("seat_id")).execution_options(**{READ_FIRST: True})


def look_first(seat_id: int, resident_id: int, start: datetime, end: datetime,
               now: datetime) -> FirstLook | None:
    """Return the seat's copy, whether a block holds the resident, and whether another holds it.

    One statement while the site has not changed (two more when it has). None
    when there is no such seat. "Held" is as of this statement, before any
    lock: a request that finds the seat free must still wait its turn
    (``services.queue_for``) and look again.
    """
    row = run_core(db.session, _FIRST_LOOK, {
        "seat_id": seat_id, "user_id": resident_id, "resident_id": resident_id,
        "now": now, "start": start, "end": end, "since": start - LONGEST}).first()
    if row is None:
        return None
    view = seat_view(seat_id, row.config_version)
    if view is None:
        return None
    return FirstLook(seat=view, blocked=bool(row.blocked), held=bool(row.held))
