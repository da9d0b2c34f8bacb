"""The walk-in queue never dead-ends: a booking that has ended or was ended early never
blocks an offer, its acceptance or "call next"; a refusal that remains changes nothing;
a PC without an agent is never offered."""
import uuid

import pytest
from sqlalchemy import func, select

from telecentre.audit.models import AuditEntry
from telecentre.booking import queue
from telecentre.booking.models import Booking, QueueEntry
from telecentre.booking.policies import update_policy
from telecentre.booking.services import check_in, create_booking
from telecentre.common.db import begin_write
from telecentre.common.errors import Conflict, DomainError
from telecentre.console import queue_desk
from telecentre.extensions import db
from telecentre.sessions import services as sessions
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import get_site
from tests.booking.conftest import MONDAY, at


@pytest.fixture
def room(clock, create_seat, create_user, create_agent):
    """Cyców with two PCs (each with an agent) and three residents; it is 10:00."""
    clock.set(at(MONDAY, "10:00"))
    seats = [create_seat("cycow", name) for name in ("PC-01", "PC-02")]
    for seat in seats:
        create_agent(seat, seen=at(MONDAY, "10:00"))
    people = [create_user("resident") for _ in range(3)]
    return get_site("cycow"), seats, people


def sit_down(resident, seat, start, end, clock):
    """Book ``seat`` for ``resident`` over [start, end), check in and start the session."""
    booking = create_booking(resident, resident, seat=seat, start=start, end=end)
    db.session.commit()
    check_in(resident, booking)
    usage = sessions.start_session(seat, clock.now, local_id=str(uuid.uuid4()), kind="booked",
                                   minutes=45, limited_by="booking_end", booking=booking)
    db.session.commit()
    return booking, usage


def snapshot():
    """What a refusal must leave as it was: bookings, queue entries, audit entries."""
    bookings = db.session.execute(select(Booking.id, Booking.status, Booking.start, Booking.end)
                                  .order_by(Booking.id)).all()
    entries = db.session.execute(select(QueueEntry.id, QueueEntry.status,
                                        QueueEntry.offered_seat_id, QueueEntry.offered_until)
                                 .order_by(QueueEntry.id)).all()
    return bookings, entries, db.session.scalar(select(func.count(AuditEntry.id)))


def test_a_seat_whose_booking_ended_early_goes_to_the_queue(app, clock, room):
    site, (pc1, pc2), (anna, piotr, ewa) = room
    booking, usage = sit_down(anna, pc1, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    sit_down(piotr, pc2, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    clock.set(at(MONDAY, "10:05"))
    entry = queue.join_queue(ewa, site, ewa)
    db.session.commit()
    assert entry.status == "waiting"  # both PCs in use
    clock.set(at(MONDAY, "10:20"))
    sessions.end_session(usage, clock.now, "user_logout")  # Anna leaves early
    db.session.commit()
    booking = db.session.get(Booking, booking.id)
    assert (booking.status, booking.end) == ("completed", at(MONDAY, "10:20"))
    assert queue.offer_free_seats(site) == 1
    db.session.commit()
    entry = db.session.get(QueueEntry, entry.id)
    assert (entry.status, entry.offered_seat_id) == ("offered", pc1.id)
    taken = queue.accept_offer(ewa, entry)
    db.session.commit()
    # From where Anna stopped (inside the running 10:15 slot) to the longest allowed end.
    assert (taken.seat_id, taken.start, taken.end) == (pc1.id, at(MONDAY, "10:20"),
                                                      at(MONDAY, "11:15"))


def test_a_resident_whose_booking_ended_early_takes_an_offer(app, clock, room):
    site, (pc1, pc2), (anna, _piotr, _ewa) = room
    _booking, usage = sit_down(anna, pc1, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    clock.set(at(MONDAY, "10:10"))
    sessions.end_session(usage, clock.now, "ended_by_staff")
    db.session.commit()
    clock.set(at(MONDAY, "10:20"))
    entry = queue.join_queue(anna, site, anna)  # she wants another go later on
    db.session.commit()
    assert entry.status == "offered"
    taken = queue.accept_offer(anna, entry)
    db.session.commit()
    assert taken.start == at(MONDAY, "10:15") and taken.resident_id == anna.id


def test_call_next_is_not_blocked_by_an_ended_booking(app, clock, room, create_user):
    site, (pc1, pc2), (anna, piotr, ewa) = room
    attendant = create_user("attendant", site="cycow")
    _booking, usage = sit_down(anna, pc1, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    sit_down(piotr, pc2, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    clock.set(at(MONDAY, "10:05"))
    queue.join_queue(attendant, site, ewa)
    db.session.commit()
    begin_write(db.session)  # as the POST request does
    with pytest.raises(Conflict):
        queue_desk.call_next(attendant, site)  # nothing free yet: a clear refusal
    db.session.rollback()
    clock.set(at(MONDAY, "10:25"))
    sessions.end_session(usage, clock.now, "user_logout")
    db.session.commit()
    begin_write(db.session)
    entry, booking, _passed = queue_desk.call_next(attendant, site)
    db.session.commit()
    assert (booking.seat_id, booking.resident_id, booking.start) == (pc1.id, ewa.id,
                                                                    at(MONDAY, "10:25"))


def test_the_gap_after_an_ended_booking_does_not_block_a_walk_in(app, clock, room):
    site, (pc1, _pc2), (anna, _piotr, _ewa) = room
    update_policy(None, site, {"min_gap_minutes": 30})
    db.session.commit()
    clock.set(at(MONDAY, "09:00"))
    _booking, usage = sit_down(anna, pc1, at(MONDAY, "09:00"), at(MONDAY, "10:00"), clock)
    clock.set(at(MONDAY, "10:00"))
    sessions.end_session(usage, clock.now, "time_up")
    db.session.commit()
    clock.set(at(MONDAY, "10:05"))
    entry = queue.join_queue(anna, site, anna)
    db.session.commit()
    taken = queue.accept_offer(anna, entry)
    db.session.commit()
    assert taken.start == at(MONDAY, "10:00")


def test_a_booking_still_running_refuses_the_offer_and_changes_nothing(app, clock, room):
    site, (pc1, _pc2), (anna, _piotr, _ewa) = room
    sit_down(anna, pc1, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    clock.set(at(MONDAY, "10:05"))
    entry = queue.join_queue(anna, site, anna)
    db.session.commit()
    assert entry.status == "offered"
    before = snapshot()
    # She sits at PC-01: one computer per person names where, before the overlap would.
    with pytest.raises(DomainError) as info:
        queue.accept_offer(anna, entry)
    assert info.value.code == "already_in_session" and "PC-01" in info.value.message
    db.session.rollback()
    assert snapshot() == before


def test_an_expired_offer_refuses_and_changes_nothing(app, clock, room):
    site, _seats, (anna, _piotr, _ewa) = room
    entry = queue.join_queue(anna, site, anna)
    db.session.commit()
    clock.set(at(MONDAY, "10:06"))
    before = snapshot()
    with pytest.raises(Conflict) as info:
        queue.accept_offer(anna, db.session.get(QueueEntry, entry.id))
    assert info.value.code == "no_offer"
    db.session.rollback()
    assert snapshot() == before


def test_an_offered_seat_taken_meanwhile_never_stalls_the_line(app, clock, room):
    site, (pc1, pc2), (anna, piotr, ewa) = room
    sit_down(piotr, pc2, at(MONDAY, "10:00"), at(MONDAY, "10:45"), clock)
    entry = queue.join_queue(anna, site, anna)
    db.session.commit()
    assert db.session.get(QueueEntry, entry.id).offered_seat_id == pc1.id
    # Someone books PC-01 "now" on the web before Anna takes it.
    create_booking(ewa, ewa, seat=pc1, start=at(MONDAY, "10:00"), end=at(MONDAY, "10:30"))
    db.session.commit()
    before = snapshot()
    with pytest.raises(Conflict) as info:
        queue.accept_offer(anna, db.session.get(QueueEntry, entry.id))
    assert info.value.code == "offer_taken"
    db.session.rollback()
    assert snapshot() == before
    queue.offer_free_seats(site)  # the next look at the queue puts her back in line
    db.session.commit()
    entry = db.session.get(QueueEntry, entry.id)
    assert (entry.status, queue.position(entry)) == ("waiting", 1)


def test_a_pc_without_an_agent_is_never_offered(app, clock, create_seat, create_user,
                                               create_agent):
    from telecentre.seats.services import public_state, seat_states
    clock.set(at(MONDAY, "10:00"))
    site = get_site("cycow")
    bare = create_seat("cycow", "PC-07")
    anna = create_user("resident")
    entry = queue.join_queue(anna, site, anna)
    db.session.commit()
    assert entry.status == "waiting" and queue.free_seats_now(site, clock.now) == []
    assert seat_states([bare], clock.now)[bare.id] == "no_agent"
    assert public_state("no_agent") == "offline"
    create_agent(bare, seen=clock.now)
    assert seat_states([bare], clock.now)[bare.id] == "free"
    assert queue.offer_free_seats(site) == 1
    db.session.commit()
    assert db.session.get(QueueEntry, entry.id).offered_seat_id == bare.id


def test_call_next_passes_over_who_cannot_take_the_seat(app, clock, room, create_user):
    site, (pc1, pc2), (anna, piotr, ewa) = room
    attendant = create_user("attendant", site="cycow")
    update_policy(None, site, {"daily_minutes": 60})
    db.session.commit()
    sit_down(piotr, pc2, at(MONDAY, "10:00"), at(MONDAY, "11:00"), clock)
    clock.set(at(MONDAY, "09:00"))
    _booking, usage = sit_down(anna, pc1, at(MONDAY, "09:00"), at(MONDAY, "10:00"), clock)
    clock.set(at(MONDAY, "10:00"))
    sessions.end_session(usage, clock.now, "time_up")  # Anna has used her hour today
    db.session.commit()
    clock.set(at(MONDAY, "10:05"))
    first = queue.join_queue(anna, site, anna)
    second = queue.join_queue(ewa, site, ewa)
    db.session.commit()
    assert db.session.get(QueueEntry, first.id).status == "offered"
    db.session.rollback()
    begin_write(db.session)  # as the POST request does
    _entry, booking, passed = queue_desk.call_next(attendant, site)
    db.session.commit()
    # Ewa gets PC-01; Anna, who cannot book more today, keeps her place and is told why.
    assert (booking.resident_id, booking.seat_id) == (ewa.id, pc1.id)
    assert [name for name, _why in passed] == [anna.display_name]
    first = db.session.get(QueueEntry, first.id)
    assert (first.status, queue.position(first)) == ("waiting", 1)
    assert db.session.get(QueueEntry, second.id).status == "accepted"


def test_call_next_with_nobody_able_refuses_and_changes_nothing(app, clock, room, create_user):
    site, (pc1, pc2), (anna, piotr, _ewa) = room
    attendant = create_user("attendant", site="cycow")
    sit_down(piotr, pc2, at(MONDAY, "10:00"), at(MONDAY, "11:00"), clock)
    sit_down(anna, pc1, at(MONDAY, "10:00"), at(MONDAY, "10:30"), clock)
    clock.set(at(MONDAY, "10:05"))
    queue.join_queue(anna, site, anna)  # sitting at PC-01 with a booking until 10:30
    db.session.commit()
    clock.set(at(MONDAY, "10:35"))
    db.session.execute(db.update(UsageSession).values(ended_at=at(MONDAY, "10:30"),
                                                      end_reason="time_up")
                       .where(UsageSession.seat_id == pc1.id))
    db.session.commit()
    create_booking(anna, anna, seat=pc2, start=at(MONDAY, "11:00"), end=at(MONDAY, "11:15"))
    update_policy(None, site, {"min_gap_minutes": 60})
    db.session.commit()
    queue.offer_free_seats(site)
    db.session.commit()
    before = snapshot()
    db.session.rollback()
    begin_write(db.session)
    with pytest.raises(Conflict) as info:
        queue_desk.call_next(attendant, site)
    assert anna.display_name in info.value.message
    db.session.rollback()
    assert snapshot() == before
