"""Demo data for booking: the municipal preset at one site and a booking for the demo resident."""
from datetime import timedelta

from sqlalchemy import select

from telecentre.auth.models import User
from telecentre.booking.codes import new_code
from telecentre.booking.models import Booking
from telecentre.booking.policies import apply_preset
from telecentre.booking.slots import opening_ranges
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.services import get_site


def seed() -> None:
    """Apply the municipal preset in Ludwin; book the next open morning for ``mieszkaniec``.

    Runs inside the demo's seeding transaction (after other writes), so it
    inserts the booking directly, on a fresh seat and day where nothing can clash.
    """
    ludwin = get_site("ludwin")
    if not ludwin.policy.preset:
        apply_preset(None, ludwin, "municipal")
    resident = db.session.scalar(select(User).where(User.login == "mieszkaniec"))
    if resident is None or db.session.scalar(
            select(Booking.id).where(Booking.resident_id == resident.id).limit(1)):
        return
    site = get_site("starostwo")
    seat = db.session.scalar(select(Seat).where(Seat.site_id == site.id, Seat.kind == "pc",
                                                Seat.bookable).order_by(Seat.name))
    if seat is None:
        return
    for ahead in range(1, 8):
        ranges = opening_ranges(site, local_today() + timedelta(days=ahead))
        if ranges:
            start = ranges[0][0] + timedelta(hours=2)
            db.session.add(Booking(site_id=site.id, seat_id=seat.id, resident_id=resident.id,
                                   start=start, end=start + timedelta(minutes=30),
                                   code=new_code(), source="web"))
            db.session.flush()
            return
