"""Demo history: a year of synthetic but true-to-life usage for the seven sites.

``seed()`` (called by ``make demo``) adds about 400 residents and a year of
sessions, bookings (some released as no-shows) and availability intervals,
then builds the rollups. Patterns: busier mornings and early afternoons,
quieter Fridays and summers, closed on weekends and public holidays (the
sites' opening hours decide), regulars who come back, kiosks with many short
sessions. Spiczyn opens half a year ago, so its charts start there. Runs in
seconds (multi-row inserts) and does nothing when the history is already there.
"""
import random
from datetime import timedelta

from sqlalchemy import select, update

from telecentre.auth.models import User
from telecentre.booking.models import Booking
from telecentre.common.time import local_minute_to_utc, local_today, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import intervals_on, list_sites
from telecentre.stats.models import AvailabilityInterval

RESIDENTS = 400
NEW_SITE, NEW_SITE_AGE = "spiczyn", 182  # days since the newest site opened
WEEKDAY = (1.0, 1.05, 1.0, 0.95, 0.8, 0.6, 0.4)
MONTH = (1.1, 1.1, 1.05, 1.0, 0.95, 0.85, 0.65, 0.6, 0.95, 1.05, 1.1, 0.85)
# Chance that a PC is taken again soon after it is freed, by local hour.
HOUR = {8: 0.35, 9: 0.55, 10: 0.75, 11: 0.8, 12: 0.65, 13: 0.6, 14: 0.7, 15: 0.6, 16: 0.45,
        17: 0.4, 18: 0.3}
KINDS = (("booked", 0.45), ("walk_in", 0.35), ("guest", 0.20))


def seed() -> int:
    """Add a year of demo usage once; return the number of sessions added (0 when present)."""
    if db.session.scalar(select(User.id).where(User.login.like("demo-resident-%")).limit(1)):
        return 0
    rng = random.Random(2026)
    today = local_today()
    first_day = today - timedelta(days=365)
    residents = _residents()
    sessions, bookings, intervals = [], [], []
    device_id = 9000
    for site in list_sites():
        opened = today - timedelta(days=NEW_SITE_AGE) if site.slug == NEW_SITE else first_day
        seats = db.session.scalars(select(Seat).where(Seat.site_id == site.id)).all()
        created = local_minute_to_utc(opened, 0)
        db.session.execute(update(Seat).where(Seat.site_id == site.id).values(created_at=created))
        regulars = rng.sample(residents, 20 + 8 * len(seats))
        devices = [device_id + i for i in range(2)]
        device_id += 10
        intervals += _device_intervals(rng, site, devices, created, utcnow())
        day = opened
        while day < today:
            for open_min, close_min in intervals_on(site, day):
                busy = WEEKDAY[day.weekday()] * MONTH[day.month - 1]
                for seat in seats:
                    intervals.append(_seat_interval(rng, site, seat, day, open_min, close_min))
                    if seat.kind == "kiosk":
                        sessions += _kiosk_day(rng, site, seat, day, open_min, close_min, busy)
                    else:
                        _pc_day(rng, site, seat, day, open_min, close_min, busy,
                                (regulars, residents), sessions, bookings)
            day += timedelta(days=1)
    _bulk(Booking, bookings)
    booking_ids = dict(db.session.execute(select(Booking.code, Booking.id).where(
        Booking.code.like("D%"))).all())
    for row in sessions:
        code = row.pop("code", None)
        row["booking_id"] = booking_ids.get(code) if code else None
    _bulk(UsageSession, sessions)
    _bulk(AvailabilityInterval, [i for i in intervals if i])
    db.session.flush()
    from telecentre.stats.incremental import rebuild_all
    rebuild_all(first_day, today)
    return len(sessions)


def _residents() -> list[int]:
    rows = [{"login": f"demo-resident-{i:03d}", "display_name": f"Mieszkaniec {i:03d}",
             "role": "resident", "active": True, "created_at": utcnow()}
            for i in range(1, RESIDENTS + 1)]
    _bulk(User, rows)
    ids = list(db.session.scalars(select(User.id).where(User.login.like("demo-resident-%"))))
    demo = db.session.scalar(select(User.id).where(User.login == "mieszkaniec"))
    return ids + ([demo] * 5 if demo else [])  # the demo resident is a regular


def _pc_day(rng, site, seat, day, open_min, close_min, busy, people, sessions, bookings):
    """Fill one PC's opening interval with sessions (and their bookings and no-shows).

    ``people`` is (the site's regulars, everyone): most sessions are by regulars.
    """
    regulars, everyone = people
    t = open_min + rng.randint(0, 40)
    while t < close_min - 10:
        if rng.random() > HOUR.get(t // 60, 0.2) * busy:
            t += rng.randint(15, 50)
            continue
        length = max(10, min(int(rng.lognormvariate(3.7, 0.45)), 120))
        end = min(t + length, close_min + (5 if rng.random() < 0.1 else 0))
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        user = None if kind == "guest" else rng.choice(regulars if rng.random() < 0.8
                                                       else everyone)
        start_at, end_at = local_minute_to_utc(day, t), local_minute_to_utc(day, end)
        row = {"site_id": site.id, "seat_id": seat.id, "user_id": user, "kind": kind,
               "started_at": start_at, "ended_at": end_at, "end_reason": "logout",
               "minutes_granted": 60, "code": None}
        if kind == "booked":
            code = f"D{len(bookings):07d}"
            bookings.append(_booking(site, seat, user, start_at, end_at, "completed", code))
            row["code"] = code
        elif rng.random() < 0.12 and user:  # a booking nobody came for, released by the job
            bookings.append(_booking(site, seat, user, start_at, start_at + timedelta(
                minutes=30), "released", f"D{len(bookings):07d}"))
            t += 30
            continue
        sessions.append(row)
        t = end + rng.randint(2, 25)


def _booking(site, seat, user, start, end, status, code) -> dict:
    return {"site_id": site.id, "seat_id": seat.id, "resident_id": user, "start": start,
            "end": end, "status": status, "code": code, "source": "web",
            "created_at": start - timedelta(days=1),
            "checked_in_at": start if status == "completed" else None}


def _kiosk_day(rng, site, seat, day, open_min, close_min, busy) -> list[dict]:
    """Many short anonymous sessions on a kiosk."""
    rows, t = [], open_min + rng.randint(0, 20)
    while t < close_min - 3:
        if rng.random() < 0.5 * busy:
            length = rng.randint(2, 12)
            rows.append({"site_id": site.id, "seat_id": seat.id, "user_id": None,
                         "kind": "kiosk", "started_at": local_minute_to_utc(day, t),
                         "ended_at": local_minute_to_utc(day, min(t + length, close_min)),
                         "end_reason": "idle", "minutes_granted": 30})
            t += length
        t += rng.randint(5, 40)
    return rows


def _seat_interval(rng, site, seat, day, open_min, close_min) -> dict | None:
    """The agent is up from a little before opening to closing, except on a rare bad day."""
    if rng.random() < 0.015:
        return None  # the PC did not start that day
    start = open_min - 10 + (rng.randint(60, 180) if rng.random() < 0.03 else 0)
    return {"kind": "seat", "subject_id": seat.id, "site_id": site.id, "open": False,
            "started_at": local_minute_to_utc(day, max(start, 0)),
            "ended_at": local_minute_to_utc(day, close_min)}


def _device_intervals(rng, site, devices, since, until) -> list[dict]:
    """Network devices are up day and night, with an outage of 1–6 hours every few weeks."""
    rows = []
    for device in devices:
        t = since
        while t < until:
            outage_at = t + timedelta(days=rng.uniform(10, 40))
            rows.append({"kind": "device", "subject_id": device, "site_id": site.id,
                         "open": False, "started_at": t, "ended_at": min(outage_at, until)})
            t = outage_at + timedelta(hours=rng.uniform(1, 6))
    return rows


def _bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    for i in range(0, len(rows), chunk):
        db.session.execute(model.__table__.insert(), rows[i:i + chunk])
