"""Sessions across midnight and across the DST changes, split by local day and hour by hand."""
from datetime import date

import pytest
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.stats.figures import by_hour, summary
from telecentre.stats.models import DailyUsage, HourlyUsage
from telecentre.stats.rollup import rebuild_range
from telecentre.stats.split import hour_slices
from tests.stats.conftest import local

NOW = local(2026, 11, 1, 12)


def test_hour_slices_on_the_march_change_skip_hour_two():
    # 01:30 CET (00:30 UTC) to 03:30 CEST (01:30 UTC): one real hour.
    pieces = list(hour_slices(local(2026, 3, 29, 1, 30), local(2026, 3, 29, 3, 30)))
    assert pieces == [(date(2026, 3, 29), 1, 1800.0), (date(2026, 3, 29), 3, 1800.0)]


def test_hour_slices_on_the_october_change_fill_hour_two_twice():
    # 01:30 CEST to the second 02:30 (CET): two real hours, 90 minutes of them in hour 2.
    start, end = local(2026, 10, 25, 1, 30), local(2026, 10, 25, 2, 30, fold=1)
    assert (end - start).total_seconds() == 7200
    pieces = list(hour_slices(start, end))
    assert pieces == [(date(2026, 10, 25), 1, 1800.0), (date(2026, 10, 25), 2, 3600.0),
                      (date(2026, 10, 25), 2, 1800.0)]


@pytest.fixture
def always_open(app, site):
    """Ludwin open round the clock, so that the DST days have 23 and 25 open hours."""
    from telecentre.sites.services import set_hours
    ludwin = site("ludwin")
    set_hours(None, ludwin, ["mon-sun 00:00-24:00"])
    db.session.commit()
    return ludwin


def _hourly(seat, day):
    return {h.hour: (h.used_seconds, h.open_seconds, h.sessions) for h in db.session.scalars(
        select(HourlyUsage).where(HourlyUsage.site_id == seat.site_id, HourlyUsage.day == day))}


def test_march_dst_day_and_a_session_across_midnight(always_open, old_seat, create_user,
                                                     add_session):
    seat = old_seat("ludwin")
    resident = create_user()
    # 28 March 23:00 CET → 29 March 00:30 CET: 60 min on the 28th, 30 on the 29th.
    add_session(seat, resident, "walk_in", local(2026, 3, 28, 23), local(2026, 3, 29, 0, 30))
    # 29 March 01:30 CET → 03:30 CEST: 60 real minutes, 30 in hour 1 and 30 in hour 3.
    add_session(seat, resident, "booked", local(2026, 3, 29, 1, 30), local(2026, 3, 29, 3, 30))
    rebuild_range(always_open, date(2026, 3, 28), date(2026, 3, 29), NOW)
    db.session.commit()

    day28 = db.session.scalar(select(DailyUsage).where(DailyUsage.day == date(2026, 3, 28)))
    day29 = db.session.scalar(select(DailyUsage).where(DailyUsage.day == date(2026, 3, 29)))
    assert (day28.sessions, day28.used_seconds, day28.open_seconds) == (1, 3600, 24 * 3600)
    # The 29th has 23 hours; it holds the tail of the first session and all of the second.
    assert (day29.sessions, day29.used_seconds, day29.open_seconds) == (1, 5400, 23 * 3600)
    hours = _hourly(seat, date(2026, 3, 29))
    assert 2 not in hours
    assert hours[0] == (1800, 3600, 0) and hours[1] == (1800, 3600, 1)
    assert hours[3] == (1800, 3600, 0)
    assert sum(v[1] for v in hours.values()) == 23 * 3600
    s = summary([always_open.id], date(2026, 3, 29), date(2026, 3, 29))
    assert s["occupancy"] == pytest.approx(5400 / 82800)
    assert s["average_minutes"] == 60 and s["median_minutes"] == 60
    assert s["unique_users"] == 1
    # By hour of the day over both days: hour 23 has the first session's 60 minutes.
    hourly = {h["hour"]: h for h in by_hour([always_open.id], date(2026, 3, 28),
                                            date(2026, 3, 29))}
    assert hourly[23]["hours_used"] == 1 and hourly[23]["sessions"] == 1
    assert hourly[2]["hours_open"] == 1  # only the 28th has an hour 2


def test_october_dst_day_and_a_session_across_midnight(always_open, old_seat, create_user,
                                                       add_session):
    seat = old_seat("ludwin")
    resident = create_user()
    # 01:30 CEST → second 02:30 (CET): 120 real minutes, 90 of them in hour 2.
    add_session(seat, resident, "walk_in", local(2026, 10, 25, 1, 30),
                local(2026, 10, 25, 2, 30, fold=1))
    # 25 Oct 23:30 CET → 26 Oct 00:15: 30 minutes on the 25th, 15 on the 26th.
    add_session(seat, None, "guest", local(2026, 10, 25, 23, 30), local(2026, 10, 26, 0, 15))
    rebuild_range(always_open, date(2026, 10, 25), date(2026, 10, 26), NOW)
    db.session.commit()
    hours = _hourly(seat, date(2026, 10, 25))
    assert hours[2] == (5400, 7200, 0)
    assert hours[1] == (1800, 3600, 1)
    assert hours[23] == (1800, 3600, 1)
    assert sum(v[1] for v in hours.values()) == 25 * 3600
    s25 = summary([always_open.id], date(2026, 10, 25), date(2026, 10, 25))
    assert s25["sessions"] == 2 and s25["hours_used"] == 2.5 and s25["hours_open"] == 25
    assert s25["average_minutes"] == (120 + 45) / 2
    assert s25["median_minutes"] == (120 + 45) / 2
    assert s25["share"] == {"booked": 0, "walk_in": 0.5, "guest": 0.5, "kiosk": 0}
    assert s25["unique_users"] == 1  # the guest has no account
    s26 = summary([always_open.id], date(2026, 10, 26), date(2026, 10, 26))
    assert (s26["sessions"], s26["hours_used"]) == (0, 0.25)
