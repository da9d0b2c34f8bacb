"""DST change days on a 15-minute grid, availability, no-show release and the scheduler job."""
from datetime import date, timedelta

import pytest

from telecentre.booking.availability import day_availability
from telecentre.booking.models import Booking
from telecentre.booking.services import check_in, create_booking, release_no_shows
from telecentre.common.time import to_local
from telecentre.extensions import db
from telecentre.sites.services import add_exception, get_site, set_hours
from tests.booking.conftest import MONDAY, at

SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)


@pytest.fixture
def always_open(app):
    site = get_site("cycow")
    set_hours(None, site, ["mon-sun 00:00-24:00"])
    db.session.commit()
    return site


def labels(avail):
    return [to_local(s.start).strftime("%H:%M") for s in avail.slots]


def test_spring_day_has_23_hours_of_slots(clock, always_open, create_seat):
    create_seat("cycow", "PC-01")
    clock.set(at(SPRING, "00:00") - timedelta(days=1))
    avail = day_availability(always_open, SPRING)
    assert len(avail.slots) == 23 * 4
    names = labels(avail)
    assert names[6:10] == ["01:30", "01:45", "03:00", "03:15"]
    assert not any(n.startswith("02:") for n in names)
    for first, second in zip(avail.slots, avail.slots[1:], strict=False):
        assert second.start - first.start == timedelta(minutes=15)


def test_autumn_day_repeats_the_hour(clock, always_open, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    clock.set(at(AUTUMN, "00:00") - timedelta(days=1))
    avail = day_availability(always_open, AUTUMN)
    assert len(avail.slots) == 25 * 4
    names = labels(avail)
    assert names.count("02:30") == 2 and names.count("01:30") == 1
    # Book the first 02:30 (summer time) until the second 02:15 (winter time): 60 real minutes.
    resident = create_user("resident")
    start, end = at(AUTUMN, "02:30", fold=0), at(AUTUMN, "02:30", fold=1) - timedelta(minutes=15)
    assert end - start == timedelta(minutes=45)
    booking = create_booking(resident, resident, seat=seat, start=start, end=end)
    db.session.commit()
    assert (to_local(booking.start).utcoffset(), to_local(booking.end).utcoffset()) == \
        (timedelta(hours=2), timedelta(hours=1))
    avail = day_availability(always_open, AUTUMN)
    by_start = {s.start: s for s in avail.slots}
    assert by_start[start].free == []
    assert by_start[at(AUTUMN, "02:30", fold=1)].free == [seat.id]


def test_booking_across_the_spring_gap(clock, always_open, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    resident = create_user("resident")
    clock.set(at(SPRING, "00:00") - timedelta(days=1))
    start = at(SPRING, "01:45")
    booking = create_booking(resident, resident, seat=seat, start=start,
                             end=start + timedelta(minutes=30))
    db.session.commit()
    assert to_local(booking.end).strftime("%H:%M") == "03:15"


def test_availability_follows_exceptions_and_holidays(clock, create_seat):
    create_seat("cycow", "PC-01")
    site = get_site("cycow")
    assert len(day_availability(site, MONDAY).slots) == 32  # 08:00–16:00
    add_exception(None, site, MONDAY, "12:00-14:00", "short day")
    db.session.commit()
    assert labels(day_availability(site, MONDAY))[0] == "12:00"
    clock.set(at(date(2026, 12, 21), "07:00"))
    christmas = day_availability(site, date(2026, 12, 25))
    assert christmas.slots == [] and christmas.holiday


def test_availability_marks_past_and_taken_slots(clock, create_seat, create_user):
    first, second = create_seat("cycow", "PC-01"), create_seat("cycow", "PC-02")
    resident = create_user("resident")
    create_booking(resident, resident, seat=first, start=at(MONDAY, "10:00"),
                   end=at(MONDAY, "10:30"))
    db.session.commit()
    clock.set(at(MONDAY, "09:05"))
    by_label = {to_local(s.start).strftime("%H:%M"): s
                for s in day_availability(get_site("cycow"), MONDAY).slots}
    assert not by_label["08:45"].bookable and by_label["09:00"].bookable  # book now
    assert by_label["10:15"].free == [second.id]
    assert by_label["10:30"].free == [first.id, second.id]


def test_no_shows_are_released_after_the_grace(clock, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    late, arrived = create_user("resident"), create_user("resident")
    other = create_seat("cycow", "PC-02")
    missing = create_booking(late, late, seat=seat, start=at(MONDAY, "10:00"),
                             end=at(MONDAY, "10:30"))
    db.session.commit()
    present = create_booking(arrived, arrived, seat=other, start=at(MONDAY, "10:00"),
                             end=at(MONDAY, "10:30"))
    db.session.commit()
    clock.set(at(MONDAY, "10:02"))
    check_in(arrived, present)
    db.session.commit()
    clock.set(at(MONDAY, "10:09"))
    assert release_no_shows() == 0
    clock.set(at(MONDAY, "10:10"))
    assert release_no_shows() == 1
    db.session.commit()
    assert db.session.get(Booking, missing.id).status == "released"
    assert db.session.get(Booking, present.id).status == "checked_in"
    # The released seat can be booked again at once ("book now").
    walker = create_user("resident")
    again = create_booking(walker, walker, seat=seat, start=at(MONDAY, "10:00"),
                           end=at(MONDAY, "10:30"))
    db.session.commit()
    assert again.status == "booked"
    clock.set(at(MONDAY, "10:31"))
    release_no_shows()
    db.session.commit()
    assert db.session.get(Booking, present.id).status == "completed"


def test_the_scheduler_job_releases(app, clock, create_seat, create_user):
    from telecentre.jobs import load_jobs, run_job
    seat, resident = create_seat("cycow", "PC-01"), create_user("resident")
    booking = create_booking(resident, resident, seat=seat, start=at(MONDAY, "10:00"),
                             end=at(MONDAY, "10:30"))
    db.session.commit()
    clock.set(at(MONDAY, "10:15"))
    jobs = load_jobs(app)
    assert {"booking.release_no_shows", "booking.queue_offers"} <= set(jobs)
    assert run_job(app, jobs["booking.release_no_shows"]) == 1
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "released"


def test_a_booking_with_a_session_is_not_released(clock, create_seat, create_user):
    from telecentre.sessions.models import UsageSession
    seat, resident = create_seat("cycow", "PC-01"), create_user("resident")
    booking = create_booking(resident, resident, seat=seat, start=at(MONDAY, "10:00"),
                             end=at(MONDAY, "10:30"))
    db.session.commit()
    db.session.add(UsageSession(site_id=seat.site_id, seat_id=seat.id, user_id=resident.id,
                                booking_id=booking.id, kind="booked",
                                started_at=at(MONDAY, "10:01")))
    db.session.commit()
    clock.set(at(MONDAY, "10:20"))
    assert release_no_shows() == 0
    db.session.commit()
    assert db.session.get(Booking, booking.id).status == "checked_in"


def test_the_grid_page_shows_offsets_on_the_autumn_day(client, clock, always_open, create_seat):
    create_seat("cycow", "PC-01")
    clock.set(at(AUTUMN, "00:00") - timedelta(days=1))
    page = client.get(f"/sites/cycow/book?date={AUTUMN.isoformat()}").get_data(True)
    assert page.count("02:30</time> <small>(UTC+02)</small>") == 1
    assert page.count("02:30</time> <small>(UTC+01)</small>") == 1
    ordinary = client.get("/sites/cycow/book?date=2026-10-26").get_data(True)
    assert "(UTC+01)" not in ordinary


def test_bookings_commands(runner, clock, create_seat, create_user):
    seat, resident = create_seat("cycow", "PC-01"), create_user("resident")
    create_booking(resident, resident, seat=seat, start=at(MONDAY, "10:00"),
                   end=at(MONDAY, "10:30"))
    db.session.commit()
    listed = runner.invoke(args=["bookings", "list", "cycow", "--date", "2026-12-07"])
    assert listed.exit_code == 0 and "10:00-10:30\tPC-01" in listed.output
    clock.set(at(MONDAY, "10:20"))
    released = runner.invoke(args=["bookings", "release-no-shows"])
    assert released.exit_code == 0 and "1 booking(s) released" in released.output
    preset = runner.invoke(args=["bookings", "preset", "ludwin", "municipal"])
    assert preset.exit_code == 0 and "longest 45 min, gap 15 min" in preset.output
    assert runner.invoke(args=["bookings", "list", "nowhere"]).exit_code == 1
