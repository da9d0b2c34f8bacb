"""The walk-in queue: join, offers when a seat frees, accept, expiry, leave, the desk."""
from datetime import timedelta

import pytest

from telecentre.booking import queue
from telecentre.booking.models import Booking, QueueEntry
from telecentre.booking.policies import update_policy
from telecentre.booking.residents import register_at_desk
from telecentre.booking.services import cancel_booking, create_booking
from telecentre.common.errors import Conflict, PolicyViolation
from telecentre.extensions import db
from telecentre.sites.services import get_site
from tests.booking.conftest import MONDAY, at


@pytest.fixture
def full_site(clock, create_seat, create_user, create_agent):
    """Cycow with one PC (with its agent), booked 10:00–10:45 by someone; it is 10:05."""
    seat = create_seat("cycow", "PC-01")
    create_agent(seat)
    holder = create_user("resident")
    booking = create_booking(holder, holder, seat=seat, start=at(MONDAY, "10:00"),
                             end=at(MONDAY, "10:45"))
    db.session.commit()
    clock.set(at(MONDAY, "10:05"))
    return get_site("cycow"), seat, holder, booking


def test_seat_freed_goes_to_the_first_in_line(app, clock, full_site, create_user):
    site, seat, holder, booking = full_site
    first, second = create_user("resident"), create_user("resident")
    a = queue.join_queue(first, site, first)
    db.session.commit()
    clock.set(at(MONDAY, "10:06"))
    b = queue.join_queue(second, site, second)
    db.session.commit()
    assert (a.status, queue.position(a), queue.position(b)) == ("waiting", 1, 2)
    with pytest.raises(Conflict):
        queue.join_queue(first, site, first)
    db.session.rollback()
    cancel_booking(holder, booking)
    db.session.commit()
    a, b = db.session.get(QueueEntry, a.id), db.session.get(QueueEntry, b.id)
    assert a.status == "offered" and a.offered_seat_id == seat.id
    assert a.offered_until == at(MONDAY, "10:06") + timedelta(minutes=5)
    assert b.status == "waiting" and queue.position(b) == 1
    with pytest.raises(Conflict):
        queue.accept_offer(second, b)  # nothing on offer for the second
    db.session.rollback()
    taken = queue.accept_offer(first, db.session.get(QueueEntry, a.id))
    db.session.commit()
    assert (taken.seat_id, taken.source, taken.start) == (seat.id, "queue", at(MONDAY, "10:00"))
    assert taken.end == at(MONDAY, "11:00")  # the longest booking from the running slot
    assert db.session.get(QueueEntry, a.id).status == "accepted"


def test_an_offer_that_runs_out_goes_to_the_next(app, clock, full_site, create_user):
    site, seat, holder, booking = full_site
    first, second = create_user("resident"), create_user("resident")
    queue.join_queue(first, site, first)
    db.session.commit()
    queue.join_queue(second, site, second)
    db.session.commit()
    cancel_booking(holder, booking)
    db.session.commit()
    clock.set(at(MONDAY, "10:12"))
    assert queue.offer_free_seats(site) == 1
    db.session.commit()
    entries = {e.resident_id: e for e in db.session.scalars(db.select(QueueEntry))}
    assert entries[first.id].status == "expired"
    assert entries[second.id].status == "offered"
    with pytest.raises(Conflict):
        queue.accept_offer(first, entries[first.id])


def test_leaving_with_an_offer_passes_it_on(app, clock, full_site, create_user):
    site, seat, holder, booking = full_site
    first, second = create_user("resident"), create_user("resident")
    a = queue.join_queue(first, site, first)
    db.session.commit()
    queue.join_queue(second, site, second)
    db.session.commit()
    cancel_booking(holder, booking)
    db.session.commit()
    queue.leave_queue(first, db.session.get(QueueEntry, a.id))
    db.session.commit()
    assert queue.entry_of(second, site).status == "offered"


def test_free_seat_is_offered_on_joining_and_walk_in_seats_count(app, clock, create_seat,
                                                                 create_user, create_agent):
    walk_in = create_seat("cycow", "PC-09", bookable=False)
    create_agent(walk_in)
    clock.set(at(MONDAY, "11:20"))
    resident = create_user("resident")
    entry = queue.join_queue(resident, get_site("cycow"), resident)
    db.session.commit()
    assert entry.status == "offered" and entry.offered_seat_id == walk_in.id
    booking = queue.accept_offer(resident, entry)
    db.session.commit()
    assert booking.seat_id == walk_in.id and booking.start == at(MONDAY, "11:15")


def test_queue_refused_when_closed_or_walk_ins_off(app, clock, create_user):
    site, resident = get_site("cycow"), create_user("resident")
    clock.set(at(MONDAY, "17:00"))
    with pytest.raises(PolicyViolation) as info:
        queue.join_queue(resident, site, resident)
    assert info.value.details["rule"] == "opening_hours"
    db.session.rollback()
    clock.set(at(MONDAY, "10:00"))
    update_policy(None, site, {"walk_in_allowed": False})
    db.session.commit()
    with pytest.raises(PolicyViolation) as info:
        queue.join_queue(resident, site, resident)
    assert info.value.details["rule"] == "walk_in_allowed"


def test_the_no_show_job_offers_the_released_seat(app, clock, full_site, create_user):
    from telecentre.booking.services import release_no_shows
    site, seat, holder, booking = full_site
    waiting = create_user("resident")
    queue.join_queue(waiting, site, waiting)
    db.session.commit()
    clock.set(at(MONDAY, "10:10"))
    assert release_no_shows() == 1
    db.session.commit()
    assert db.session.get(Booking, booking.id).status == "released"
    assert queue.entry_of(waiting, site).offered_seat_id == seat.id


def test_desk_puts_a_card_holder_in_the_queue(app, clock, full_site, create_user, login):
    site, *_ = full_site
    attendant = create_user("attendant", site="cycow")
    resident, pin = register_at_desk(attendant, site, "Anna Nowak", rules_accepted=True)
    db.session.commit()
    client = login(app.test_client(), attendant)
    from tests.conftest import Auth
    token = Auth(client).csrf_token("/desk/cycow")
    bad = client.post("/desk/cycow/queue", data={"card": resident.card_number, "pin": "000000",
                                                 "csrf_token": token}, follow_redirects=True)
    assert "Wrong card number or PIN" in bad.get_data(as_text=True) or \
        "Błędny numer karty lub PIN" in bad.get_data(as_text=True)
    ok = client.post("/desk/cycow/queue", data={"card": resident.card_number, "pin": pin,
                                                "csrf_token": token}, follow_redirects=True)
    assert ok.status_code == 200
    entry = queue.entry_of(resident, site)
    assert entry.added_by_id == attendant.id
    page = client.get("/desk/cycow").get_data(as_text=True)
    assert "Anna Nowak" in page
