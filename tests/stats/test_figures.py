"""Every figure on a small hand-made history of June 2026, checked against hand-worked numbers.

Cyców is open mon–fri 08:00–16:00. In June 2026 it has 22 weekdays; 4 June is
Corpus Christi (a public holiday), 5 June is closed by an exception and 12 June
open only 10:00–14:00: 19 full days and 4 hours, i.e. 156 open hours per seat,
312 seat-hours for its PC and kiosk. Milejów's one PC has 21 days × 8 h = 168.
The history itself (every session, booking and interval) is the ``history``
fixture in ``conftest.py``, shared with the indicator, page and browser tests.
"""
from datetime import date

import pytest

from telecentre.stats import figures

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


def test_site_month_summary(history):
    s = figures.summary([history["cycow"].id], *JUNE)
    assert s["sessions"] == 6
    assert s["unique_users"] == 3  # r1, r2, r3; guest and kiosk users have no account
    assert s["hours_used"] == pytest.approx(220 / 60)
    assert s["hours_open"] == 312
    assert s["occupancy"] == pytest.approx(13200 / 1123200)
    assert (s["bookings_due"], s["no_shows"]) == (3, 1)
    assert s["no_show_rate"] == pytest.approx(1 / 3)
    assert s["average_minutes"] == pytest.approx(220 / 6)
    assert s["median_minutes"] == 35  # 10 20 30 | 40 60 60
    assert s["share"] == pytest.approx({"booked": 2 / 6, "walk_in": 2 / 6, "guest": 1 / 6,
                                        "kiosk": 1 / 6})
    assert s["hours_share"]["booked"] == pytest.approx(120 / 220)
    assert s["seat_availability"] == pytest.approx(155 / 156)  # the kiosk is not monitored
    assert s["network_availability"] == pytest.approx((148 + 56) / (156 + 56))


def test_county_counts_a_resident_once(history):
    ids = [history["cycow"].id, history["milejow"].id]
    county = figures.summary(ids, *JUNE, county=True)
    assert county["sessions"] == 7 and county["unique_users"] == 3
    assert county["hours_open"] == 312 + 168
    milejow = figures.summary([history["milejow"].id], *JUNE)
    assert (milejow["unique_users"], milejow["hours_open"]) == (1, 168)


def test_seat_figures(history):
    pc = history["pc"]
    s = figures.summary([history["cycow"].id], *JUNE, seat_id=pc.id)
    assert (s["sessions"], s["unique_users"], s["hours_open"]) == (5, 3, 156)
    assert s["median_minutes"] == 40  # 20 30 40 60 60, from the raw sessions of the seat
    seats = {r["name"]: r for r in figures.by_seat(history["cycow"].id, *JUNE)}
    assert seats["Infomat-1"]["sessions"] == 1 and seats["Infomat-1"]["availability"] is None
    assert seats["PC-01"]["hours_used"] == pytest.approx(210 / 60)
    assert seats["PC-01"]["availability"] == pytest.approx(155 / 156)
    # The seat's hours come from its raw sessions: only the PC's, not the kiosk's.
    hours = {h["hour"]: h for h in figures.by_hour([history["cycow"].id], *JUNE, pc.id)}
    assert hours[9]["sessions"] == 2 and hours[9]["hours_used"] == pytest.approx(100 / 60)
    assert hours[12]["sessions"] == 0 and hours[10]["hours_open"] == 20


def test_days_hours_and_heatmap(history):
    cycow = history["cycow"].id
    days = {d["day"]: d for d in figures.by_day([cycow], *JUNE)}
    assert days[date(2026, 6, 1)]["sessions"] == 4 and days[date(2026, 6, 1)]["unique_users"] == 2
    assert days[date(2026, 6, 4)]["hours_open"] == 0  # Corpus Christi
    assert days[date(2026, 6, 5)]["hours_open"] == 0  # closed by exception
    assert days[date(2026, 6, 12)]["hours_open"] == 8  # 4 hours × 2 seats
    hours = {h["hour"]: h for h in figures.by_hour([cycow], *JUNE)}
    assert hours[9]["sessions"] == 2 and hours[9]["hours_used"] == pytest.approx(100 / 60)
    assert hours[16]["hours_used"] == 0.5 and hours[16]["occupancy"] is None  # after closing
    assert hours[10]["hours_open"] == 20 * 2  # 19 full days + the short day, two seats
    heat = figures.heatmap([cycow], *JUNE)
    # Mondays at 9: 60 minutes used of 5 Mondays × 2 seats × 1 hour.
    assert heat["cells"][(0, 9)]["occupancy"] == pytest.approx(0.1)
    # Tuesdays at 15: 30 of 5 Tuesdays (2, 9, 16, 23, 30) × 2 seats.
    assert heat["cells"][(1, 15)]["occupancy"] == pytest.approx(0.5 / 10)
    assert heat["hours"] == list(range(8, 17))


def test_months_and_growth(history):
    cycow = history["cycow"].id
    months = {m["month"]: m for m in figures.by_month([cycow], 2026)}
    june, may = months[date(2026, 6, 1)], months[date(2026, 5, 1)]
    assert (june["sessions"], june["unique_users"], june["hours_open"]) == (6, 3, 312)
    # May 2026: 21 weekdays less 1 May (a holiday) = 20 days × 8 h × 2 seats.
    assert (may["sessions"], may["unique_users"], may["hours_open"]) == (1, 1, 320)
    assert june["no_show_rate"] == pytest.approx(1 / 3) and may["no_show_rate"] is None
    g = figures.growth_figures([cycow], 2026, 6)
    assert g["month_on_month"]["sessions"] == 5.0  # 1 → 6
    assert g["month_on_month"]["unique_users"] == 2.0  # 1 → 3
    assert g["year_on_year"]["sessions"] == 5.0  # June 2025: 1
    assert g["year_on_year"]["hours_used"] == pytest.approx((220 - 30) / 30)
    yearly = figures.growth_figures([cycow], 2026, None)
    assert yearly["mom_month"] == date(2026, 6, 1)
    assert yearly["year_on_year"]["sessions"] == 6.0  # 7 in 2026 against 1 in 2025


def test_median_from_counts():
    assert figures.median_from_counts([]) is None
    assert figures.median_from_counts([(5, 1)]) == 5
    assert figures.median_from_counts([(10, 2), (30, 1)]) == 10
    assert figures.median_from_counts([(10, 1), (20, 1), (40, 2)]) == 30
