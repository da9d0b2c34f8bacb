"""Every booking rule of a site's policy, each refusal naming its rule."""
from datetime import date, timedelta

import pytest

from telecentre.booking.codes import ALPHABET
from telecentre.booking.policies import apply_preset, update_policy
from telecentre.booking.services import create_booking
from telecentre.common.errors import Conflict, PolicyViolation
from telecentre.extensions import db
from telecentre.sites.services import add_exception, get_site, public_holiday
from tests.booking.conftest import MONDAY, at


def book(resident, start, end, seat=None, site=None, **kw):
    booking = create_booking(resident, resident, seat=seat, site=site, start=start, end=end, **kw)
    db.session.commit()
    return booking


def refused(rule, resident, start, end, **kw):
    with pytest.raises(PolicyViolation) as info:
        book(resident, start, end, **kw)
    db.session.rollback()
    assert info.value.details["rule"] == rule, info.value.message
    return info.value


@pytest.fixture
def seat(create_seat):
    return create_seat("cycow", "PC-01")


@pytest.fixture
def resident(create_user):
    return create_user("resident")


def test_a_booking_gets_a_typeable_code(clock, seat, resident):
    booking = book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    assert booking.status == "booked" and booking.source == "web"
    assert len(booking.code) == 6 and set(booking.code) <= set(ALPHABET)
    assert not set(booking.code) & set("0O1IL2Z5S8B")


def test_slot_grid(clock, seat, resident):
    refused("slot_minutes", resident, at(MONDAY, "10:05"), at(MONDAY, "10:35"), seat=seat)
    refused("slot_minutes", resident, at(MONDAY, "10:00"), at(MONDAY, "10:20"), seat=seat)


def test_longest_booking(clock, seat, resident):
    error = refused("max_booking_minutes", resident, at(MONDAY, "10:00"), at(MONDAY, "11:15"),
                    seat=seat)
    assert "60" in error.message
    assert book(resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"), seat=seat)


def test_opening_hours_weekend_and_holiday(clock, seat, resident):
    refused("opening_hours", resident, at(MONDAY, "07:30"), at(MONDAY, "08:15"), seat=seat)
    refused("opening_hours", resident, at(MONDAY, "15:45"), at(MONDAY, "16:15"), seat=seat)
    saturday = MONDAY + timedelta(days=5)
    error = refused("closed", resident, at(saturday, "10:00"), at(saturday, "10:30"), seat=seat)
    assert "2026-12-12" in error.message
    christmas = date(2026, 12, 25)  # a Friday, a public holiday
    clock.set(at(date(2026, 12, 21), "07:00"))
    error = refused("closed", resident, at(christmas, "10:00"), at(christmas, "10:30"),
                    seat=seat)
    assert public_holiday(christmas) in error.message  # the holiday, by name


def test_dated_exceptions_close_and_open(clock, seat, resident):
    site = get_site("cycow")
    tuesday, saturday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=5)
    add_exception(None, site, tuesday, None, "inventory")
    add_exception(None, site, saturday, "10:00-12:00", "open Saturday")
    db.session.commit()
    error = refused("closed", resident, at(tuesday, "10:00"), at(tuesday, "10:30"), seat=seat)
    assert "inventory" in error.message
    refused("opening_hours", resident, at(saturday, "11:45"), at(saturday, "12:15"), seat=seat)
    assert book(resident, at(saturday, "10:00"), at(saturday, "10:45"), seat=seat)


def test_past_and_book_now(clock, seat, resident):
    clock.set(at(MONDAY, "10:07"))
    refused("past", resident, at(MONDAY, "09:45"), at(MONDAY, "10:15"), seat=seat)
    now = book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)  # running slot
    assert now.start == at(MONDAY, "10:00")


def test_days_ahead(clock, seat, resident):
    far = MONDAY + timedelta(days=15)
    refused("days_ahead", resident, at(far, "10:00"), at(far, "10:30"), seat=seat)
    ok = MONDAY + timedelta(days=14)
    assert book(resident, at(ok, "10:00"), at(ok, "10:30"), seat=seat)


def test_own_overlap_is_a_conflict(clock, create_seat, seat, resident):
    other = create_seat("leczna", "PC-09")
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    with pytest.raises(Conflict) as info:
        book(resident, at(MONDAY, "10:15"), at(MONDAY, "10:45"), seat=other)
    assert info.value.code == "overlapping_booking"


def test_seat_taken_and_any_free_seat(clock, create_seat, create_user, seat, resident):
    second = create_seat("cycow", "PC-02")
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    other = create_user("resident")
    with pytest.raises(Conflict) as info:
        book(other, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    assert info.value.code == "seat_taken"
    db.session.rollback()
    anyone = book(other, at(MONDAY, "10:00"), at(MONDAY, "10:30"), site=get_site("cycow"))
    assert anyone.seat_id == second.id
    third = create_user("resident")
    with pytest.raises(Conflict) as info:
        book(third, at(MONDAY, "10:15"), at(MONDAY, "10:45"), site=get_site("cycow"))
    assert info.value.code == "no_free_seat"


def test_accessible_filter(clock, create_seat, resident):
    create_seat("cycow", "PC-01")
    adapted = create_seat("cycow", "PC-02", accessible=True)
    booking = book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), site=get_site("cycow"),
                   accessible=True)
    assert booking.seat_id == adapted.id


def test_minimum_gap_with_the_municipal_preset(clock, create_seat, seat, resident):
    apply_preset(None, get_site("cycow"), "municipal")
    db.session.commit()
    refused("max_booking_minutes", resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"), seat=seat)
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:45"), seat=seat)
    other = create_seat("cycow", "PC-02")
    refused("min_gap_minutes", resident, at(MONDAY, "10:45"), at(MONDAY, "11:00"), seat=other)
    refused("min_gap_minutes", resident, at(MONDAY, "09:30"), at(MONDAY, "10:00"), seat=other)
    assert book(resident, at(MONDAY, "11:00"), at(MONDAY, "11:15"), seat=other)


def test_most_open_bookings(clock, seat, resident):
    book(resident, at(MONDAY, "09:00"), at(MONDAY, "09:15"), seat=seat)
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:15"), seat=seat)
    refused("max_open_bookings", resident, at(MONDAY, "11:00"), at(MONDAY, "11:15"), seat=seat)


def test_daily_minutes_count_across_sites(clock, create_seat, seat, resident):
    update_policy(None, get_site("cycow"), {"max_open_bookings": 5})
    db.session.commit()
    elsewhere = create_seat("leczna", "PC-01")
    book(resident, at(MONDAY, "08:00"), at(MONDAY, "09:00"), seat=elsewhere)
    book(resident, at(MONDAY, "09:00"), at(MONDAY, "09:45"), seat=seat)
    error = refused("daily_minutes", resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
                    seat=seat)
    assert "15" in error.message  # minutes left that day
    assert book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:15"), seat=seat)
    tuesday = MONDAY + timedelta(days=1)
    assert book(resident, at(tuesday, "10:00"), at(tuesday, "11:00"), seat=seat)


def test_walk_in_share_keeps_seats_free(clock, create_seat, create_user):
    site = get_site("cycow")
    seats = [create_seat("cycow", f"PC-0{i}") for i in range(1, 5)]
    update_policy(None, site, {"walk_in_share_percent": 50})
    db.session.commit()
    first, second, third = (create_user("resident") for _ in range(3))
    book(first, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seats[0])
    book(second, at(MONDAY, "10:15"), at(MONDAY, "10:45"), seat=seats[1])
    refused("walk_in_share_percent", third, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
            seat=seats[2])
    assert book(third, at(MONDAY, "10:30"), at(MONDAY, "11:00"), seat=seats[2])


def test_walk_in_only_and_broken_seats_cannot_be_booked(clock, create_seat, resident):
    walk_in = create_seat("cycow", "PC-01", bookable=False)
    broken = create_seat("cycow", "PC-02", in_service=False)
    kiosk = create_seat("cycow", "Infomat-1", kind="kiosk")
    refused("seat_not_bookable", resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
            seat=walk_in)
    refused("seat_not_bookable", resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=kiosk)
    refused("seat_out_of_service", resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
            seat=broken)
    refused("no_seat", resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
            site=get_site("cycow"))


def test_policy_values_are_checked(app):
    from telecentre.common.errors import InvalidInput
    site = get_site("cycow")
    with pytest.raises(InvalidInput):
        update_policy(None, site, {"slot_minutes": 0})
    db.session.rollback()
    with pytest.raises(InvalidInput):
        update_policy(None, site, {"slot_minutes": 20, "max_booking_minutes": 50})
    db.session.rollback()
    policy = apply_preset(None, site, "municipal")
    assert (policy.max_booking_minutes, policy.min_gap_minutes, policy.preset) == \
        (45, 15, "municipal")


def test_the_minimum_gap_holds_across_sites(clock, create_seat, seat, resident):
    """A booking at Łęczna (no gap of its own) is still 15 minutes from one at Cyców (municipal
    preset), whichever is booked first; the refusal names the other booking's site and time."""
    apply_preset(None, get_site("cycow"), "municipal")
    update_policy(None, get_site("leczna"), {"max_open_bookings": 5})
    db.session.commit()
    elsewhere = create_seat("leczna", "PC-07")
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:45"), seat=seat)
    error = refused("min_gap_minutes", resident, at(MONDAY, "10:45"), at(MONDAY, "11:15"),
                    seat=elsewhere)
    assert "Urząd Gminy Cyców" in error.message and "10:00" in error.message
    assert error.details["site"] == "cycow"
    refused("min_gap_minutes", resident, at(MONDAY, "09:30"), at(MONDAY, "10:00"),
            seat=elsewhere)
    assert book(resident, at(MONDAY, "11:00"), at(MONDAY, "11:30"), seat=elsewhere)
    from telecentre.booking.models import Booking
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 2


def test_own_booking_at_another_site_is_named(clock, create_seat, seat, resident):
    other = create_seat("leczna", "PC-09")
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=other)
    with pytest.raises(Conflict) as info:
        book(resident, at(MONDAY, "10:15"), at(MONDAY, "10:45"), seat=seat)
    db.session.rollback()
    assert info.value.code == "overlapping_booking"
    assert "Urząd Miejski w Łęcznej" in info.value.message and "PC-09" in info.value.message
    assert "10:00–10:30" in info.value.message and "2026-12-07" in info.value.message
    assert info.value.details["site"] == "leczna"


def test_any_free_seat_gives_accessible_seats_last(clock, create_seat, create_user):
    adapted = create_seat("cycow", "PC-01", accessible=True)
    plain = create_seat("cycow", "PC-02")
    first, second = create_user("resident"), create_user("resident")
    site = get_site("cycow")
    assert book(first, at(MONDAY, "10:00"), at(MONDAY, "10:30"), site=site).seat_id == plain.id
    assert book(second, at(MONDAY, "10:00"), at(MONDAY, "10:30"), site=site).seat_id == \
        adapted.id


def test_a_code_that_clashes_with_an_open_booking_is_drawn_again(clock, monkeypatch, seat,
                                                                resident, create_user,
                                                                create_seat):
    """Codes identify the open bookings of a site: a clash (unique index) inserts nothing
    and the booking goes on with the next code drawn, in the same transaction."""
    from telecentre.booking import services
    first = book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    codes = iter([first.code, first.code, "QWERTY"])
    monkeypatch.setattr(services, "new_code", lambda: next(codes))
    other = create_user("resident")
    second = book(other, at(MONDAY, "10:00"), at(MONDAY, "10:30"),
                  seat=create_seat("cycow", "PC-02"))
    assert second.code == "QWERTY" and second.id != first.id
    assert db.session.get(type(second), second.id).code == "QWERTY"

    monkeypatch.setattr(services, "new_code", lambda: first.code)
    with pytest.raises(Conflict) as info:
        book(create_user("resident"), at(MONDAY, "11:00"), at(MONDAY, "11:30"),
             seat=create_seat("cycow", "PC-03"))
    db.session.rollback()
    assert info.value.code == "code"


def test_the_database_refuses_what_the_checks_let_through(clock, monkeypatch, seat, resident,
                                                         create_user):
    """If two checks race, the insert itself finds the seat taken (PostgreSQL's exclusion
    constraint): a 409 naming the seat, nothing inserted, no error. (SQLite has no such
    constraint: its checks and insert hold the database's one write lock.)"""
    from telecentre.booking import services
    from telecentre.booking.models import Booking
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    book(resident, at(MONDAY, "10:00"), at(MONDAY, "10:30"), seat=seat)
    other = create_user("resident")
    monkeypatch.setattr(services, "held_by_another", lambda *a, **k: False)
    monkeypatch.setattr(services, "seat_is_free", lambda *a, **k: True)
    with pytest.raises(Conflict) as info:
        book(other, at(MONDAY, "10:15"), at(MONDAY, "10:45"), seat=seat)
    db.session.rollback()
    assert "PC-01" in info.value.message
    assert db.session.query(Booking).count() == 1
