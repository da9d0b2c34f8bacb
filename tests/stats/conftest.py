"""Helpers for the statistics tests: local times, sessions and a hand-made history."""
from datetime import date, datetime, timezone

import pytest

from telecentre.common.time import WARSAW
from telecentre.extensions import db

UTC = timezone.utc
LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)  # seats exist from then on


def local(y, m, d, hh=0, mm=0, fold=0):
    """Return the UTC instant of a Warsaw wall-clock time (fold=1: the second 02:xx in October)."""
    return datetime(y, m, d, hh, mm, tzinfo=WARSAW, fold=fold).astimezone(UTC)


@pytest.fixture
def add_session(app):
    """Return ``add_session(seat, user, kind, start, end)`` that stores a usage session."""
    from telecentre.sessions.models import UsageSession

    def make(seat, user, kind, start, end=None, **fields):
        row = UsageSession(site_id=seat.site_id, seat_id=seat.id,
                           user_id=user.id if user else None, kind=kind, started_at=start,
                           ended_at=end, **fields)
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture
def old_seat(create_seat):
    """Return a factory of seats that have existed since 2024."""

    def make(site="cycow", name=None, kind="pc"):
        return create_seat(site=site, name=name, kind=kind, created_at=LONG_AGO)

    return make


HISTORY_NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)


@pytest.fixture
def history(app, site, old_seat, create_user, create_booking, add_session, monkeypatch):
    """Build the hand-made history of ``test_figures`` and its rollups; return the actors."""
    from telecentre.sites.services import add_exception
    from telecentre.stats.incremental import rebuild_all
    from telecentre.stats.models import AvailabilityInterval
    # On PostgreSQL every rollup insert then goes through COPY, as in a large rebuild.
    monkeypatch.setattr("telecentre.stats.rollup.COPY_ABOVE", 0)
    cycow, milejow = site("cycow"), site("milejow")
    add_exception(None, cycow, date(2026, 6, 5), None, "inventory")
    add_exception(None, cycow, date(2026, 6, 12), "10:00-14:00", "short day")
    pc, kiosk = old_seat("cycow", "PC-01"), old_seat("cycow", "Infomat-1", kind="kiosk")
    other = old_seat("milejow", "PC-01")
    r1, r2, r3, r4 = (create_user(login=f"r{i}") for i in range(1, 5))
    # Monday 1 June
    add_session(pc, r1, "booked", local(2026, 6, 1, 9), local(2026, 6, 1, 10))      # 60
    add_session(pc, r2, "walk_in", local(2026, 6, 1, 10, 30), local(2026, 6, 1, 11))  # 30
    add_session(pc, None, "guest", local(2026, 6, 1, 14), local(2026, 6, 1, 14, 20))  # 20
    add_session(kiosk, None, "kiosk", local(2026, 6, 1, 12), local(2026, 6, 1, 12, 10))  # 10
    # Tuesday 2 June
    add_session(pc, r1, "walk_in", local(2026, 6, 2, 9), local(2026, 6, 2, 9, 40))  # 40
    add_session(pc, r3, "booked", local(2026, 6, 2, 15, 30), local(2026, 6, 2, 16, 30))  # 60
    # r1 also at Milejów: one more resident for the site, none more for the county.
    add_session(other, r1, "walk_in", local(2026, 6, 3, 10), local(2026, 6, 3, 10, 30))  # 30
    # May and June a year before, for growth.
    add_session(pc, r1, "walk_in", local(2026, 5, 4, 9), local(2026, 5, 4, 10))
    add_session(pc, r4, "walk_in", local(2025, 6, 2, 9), local(2025, 6, 2, 9, 30))
    # Bookings due: two used, one released as a no-show; a cancelled one does not count.
    create_booking(pc, r1, local(2026, 6, 1, 9), 60, status="completed")
    create_booking(pc, r3, local(2026, 6, 2, 15, 30), 60, status="checked_in")
    create_booking(pc, r2, local(2026, 6, 2, 11), 30, status="released")
    create_booking(pc, r2, local(2026, 6, 3, 11), 30, status="cancelled")
    # Heartbeats of the PC: down 12:00–13:00 on 1 June, otherwise up all month.
    # Two network devices: 501 down all of Monday 15 June; 502 monitored from 20 June.
    for kind, subject, start, end in (
            ("seat", pc.id, local(2026, 6, 1, 8), local(2026, 6, 1, 12)),
            ("seat", pc.id, local(2026, 6, 1, 13), local(2026, 7, 1)),
            ("device", 501, local(2026, 6, 1), local(2026, 6, 15)),
            ("device", 501, local(2026, 6, 16), local(2026, 7, 1)),
            ("device", 502, local(2026, 6, 20), local(2026, 7, 1))):
        db.session.add(AvailabilityInterval(kind=kind, subject_id=subject, site_id=cycow.id,
                                            started_at=start, ended_at=end, open=False))
    db.session.commit()
    rebuild_all(date(2025, 6, 1), date(2025, 6, 30), now=HISTORY_NOW)
    rebuild_all(date(2026, 5, 1), date(2026, 6, 30), now=HISTORY_NOW)
    db.session.commit()
    return {"cycow": cycow, "milejow": milejow, "pc": pc, "kiosk": kiosk}
