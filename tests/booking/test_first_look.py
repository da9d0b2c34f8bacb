"""A booking's first look: the site's version, the copy of its rules, the early refusal."""
import pytest
from sqlalchemy import event, select, update

from telecentre.auth.blocks import block
from telecentre.booking.policies import update_policy
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site
from telecentre.sites.services import add_exception, get_site, set_hours
from tests.booking.conftest import MONDAY, at


@pytest.fixture
def bearer(auth):
    def make(user):
        return {"Authorization": f"Bearer {auth.token(user)}"}
    return make


def versions():
    return dict(db.session.execute(select(Site.slug, Site.config_version)).all())


def body(seat, start="10:00", end="10:30"):
    return {"seat_id": seat.id, "start": f"2026-12-07T{start}:00+01:00",
            "end": f"2026-12-07T{end}:00+01:00"}


def test_the_version_rises_with_every_change_a_booking_is_checked_against(
        app, create_seat, create_user, create_booking):
    from tests.booking.conftest import at
    cycow = get_site("cycow")
    steps = [
        ("a seat added", lambda: create_seat("cycow", "PC-01")),
        ("weekly hours", lambda: set_hours(None, cycow, ["mon-fri 09:00-15:00"])),
        ("a dated exception", lambda: add_exception(None, cycow, MONDAY, None, "audit")),
        ("the policy", lambda: update_policy(None, cycow, {"max_booking_minutes": 30})),
        ("a seat out of service", lambda: setattr(
            db.session.scalar(select(Seat).where(Seat.name == "PC-01")), "in_service", False)),
        ("the site's name", lambda: setattr(cycow, "name", "Gminne Centrum w Cycowie")),
        ("a bulk update of seats", lambda: db.session.execute(
            update(Seat).where(Seat.site_id == cycow.id).values(accessible=True))),
    ]
    for what, change in steps:
        before = versions()
        change()
        db.session.commit()
        after = versions()
        assert after["cycow"] > before["cycow"], what
        if what != "a bulk update of seats":  # a bulk statement raises every site's
            assert {k: v for k, v in after.items() if k != "cycow"} == {
                k: v for k, v in before.items() if k != "cycow"}, what
    # What a booking writes is not what it is checked against: no change.
    before = versions()
    seat = create_seat("milejow", "PC-09")
    after_seat = versions()
    create_booking(seat, create_user("resident"), at(MONDAY, "10:00"))
    create_user("resident")
    db.session.commit()
    assert versions() == after_seat and after_seat["milejow"] > before["milejow"]


def test_the_api_sees_every_change_at_once(client, clock, bearer, create_seat, create_user):
    """A copy of the old rules would refuse what the new ones allow: each change shows at once."""
    seat = create_seat("cycow", "PC-01")
    headers = bearer(create_user("resident"))
    cycow = get_site("cycow")
    update_policy(None, cycow, {"max_open_bookings": 10, "daily_minutes": 480})
    db.session.commit()
    slots = iter(f"{h:02d}:{m:02d}" for h in range(8, 16) for m in (0, 30))

    def ask():
        start = next(slots)
        end = f"{int(start[:2]) + (start[3:] == '30'):02d}:{'00' if start[3:] == '30' else '30'}"
        reply = client.post("/api/v1/bookings", json=body(seat, start, end), headers=headers)
        return reply.status_code, (reply.get_json().get("details") or {}).get("rule")

    def change(apply):
        apply()
        db.session.commit()

    seat_row = db.session.get(Seat, seat.id)
    cases = [
        (lambda: update_policy(None, cycow, {"max_booking_minutes": 15}),
         lambda: update_policy(None, cycow, {"max_booking_minutes": 60}), "max_booking_minutes"),
        (lambda: setattr(seat_row, "in_service", False),
         lambda: setattr(seat_row, "in_service", True), "seat_out_of_service"),
        (lambda: setattr(seat_row, "bookable", False),
         lambda: setattr(seat_row, "bookable", True), "seat_not_bookable"),
        (lambda: add_exception(None, cycow, MONDAY, None, "inwentaryzacja"),
         lambda: cycow.exceptions.clear(), "closed"),
        (lambda: set_hours(None, cycow, ["mon-fri 15:00-16:00"]),
         lambda: set_hours(None, cycow, ["mon-fri 08:00-16:00"]), "opening_hours"),
    ]
    for tighten, loosen, rule in cases:
        change(tighten)
        assert ask() == (422, rule)
        change(loosen)
        assert ask() == (201, None), rule


def test_a_loser_is_answered_without_loading_the_site(client, clock, bearer, create_seat,
                                                      create_user):
    seat = create_seat("cycow", "PC-01")
    first = bearer(create_user("resident"))
    loser = bearer(create_user("resident"))
    assert client.post("/api/v1/bookings", json=body(seat), headers=first).status_code == 201
    client.post("/api/v1/bookings", json=body(seat), headers=loser)  # the copy is filed
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        reply = client.post("/api/v1/bookings", json=body(seat), headers=loser)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert reply.status_code == 409 and reply.get_json()["error"] == "seat_taken"
    assert reply.get_json()["details"]["seat"] == "PC-01"
    reads = [s for s in seen if "bookings" in s or "opening_hours" in s or "site_policies" in s]
    assert not [s for s in reads if "opening_hours" in s or "site_policies" in s], reads
    assert len([s for s in seen if "FROM bookings" in s]) == 1, seen


def test_the_refusals_keep_their_order(client, clock, bearer, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    assert client.post("/api/v1/bookings", json=body(seat),
                       headers=bearer(create_user("resident"))).status_code == 201
    # A blocked resident hears of the block, not of the seat.
    blocked = create_user("resident")
    block(None, blocked, "zakłócanie porządku")  # (ends the sessions and tokens it had)
    db.session.commit()
    headers = bearer(blocked)
    reply = client.post("/api/v1/bookings", json=body(seat), headers=headers)
    assert reply.status_code == 403 and reply.get_json()["error"] == "resident_blocked"
    # A broken rule is named even where the seat is taken.
    reply = client.post("/api/v1/bookings", json=body(seat, "10:00", "12:00"),
                        headers=bearer(create_user("resident")))
    assert reply.status_code == 422
    assert reply.get_json()["details"]["rule"] == "max_booking_minutes"
    # Another site named than the seat's.
    reply = client.post("/api/v1/bookings", json={**body(seat), "site": "milejow"},
                        headers=bearer(create_user("resident")))
    assert reply.status_code == 422
    # A seat that does not exist.
    reply = client.post("/api/v1/bookings", json={**body(seat), "seat_id": seat.id + 999},
                        headers=bearer(create_user("resident")))
    assert reply.status_code == 404
    # Staff cannot hold bookings, whatever the seat.
    reply = client.post("/api/v1/bookings", json=body(seat),
                        headers=bearer(create_user("attendant")))
    assert reply.status_code == 403


def test_reads_first_then_one_transaction_from_the_lock_on(client, clock, bearer, create_seat,
                                                           create_user):
    """PostgreSQL: a 409 is two reads in autocommit (no BEGIN, no ROLLBACK); a booking runs
    everything from its queue lock to its commit in one transaction. SQLite: no change."""
    seat = create_seat("cycow", "PC-01")
    first, loser = bearer(create_user("resident")), bearer(create_user("resident"))
    payload = body(seat)
    engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    seen = []

    def note(conn, _cursor, statement, *_args):
        driver = conn.connection.driver_connection
        seen.append((" ".join(statement.split())[:60], getattr(driver, "autocommit", None)))

    def request(headers):
        db.session.rollback()  # the test's reads end here; the request starts afresh
        seen.clear()
        event.listen(engine, "before_cursor_execute", note)
        try:
            return client.post("/api/v1/bookings", json=payload, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", note)

    assert request(first).status_code == 201
    won = list(seen)
    lock = next(i for i, (s, _) in enumerate(won)
                if "pg_advisory_xact_lock" in s or not postgres)
    # The user and the first look without a transaction; the copy of the site (read now,
    # on this app's first booking) in the transaction that follows.
    assert [a for _, a in won[:2]] == ([True, True] if postgres else [None, None]), won
    after = [a for _, a in won[lock:]]
    assert any("INSERT INTO bookings" in s for s, _ in won[lock:])
    assert after == ([False] * len(after) if postgres else [None] * len(after)), won
    assert request(loser).status_code == 409
    assert [a for _, a in seen] == ([True, True] if postgres else [None] * len(seen)), seen
    # "Any free seat of the site": no first look; the token's read, then one transaction.
    payload = {k: v for k, v in payload.items() if k != "seat_id"} | {"site": "cycow"}
    assert request(loser).status_code == 409
    assert [a for _, a in seen] == ([True] + [False] * (len(seen) - 1) if postgres
                                    else [None] * len(seen)), seen
    # The next request on the same pooled connection is transactional again.
    db.session.rollback()
    seen.clear()
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/api/v1/bookings", headers=first).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert seen and all(a is (False if postgres else None) for _, a in seen), seen


def test_the_history_bound_misses_no_booking(client, clock, bearer, create_seat, create_user,
                                             create_booking):
    """Overlap queries read a seat's bookings from a day back (booking.models.LONGEST): a
    booking as long as a day may be, begun the day before, still holds the seat."""
    from datetime import timedelta

    from telecentre.booking.models import LONGEST, Booking
    seat = create_seat("cycow", "PC-01")
    holder = create_user("resident")
    for days in range(30, 2, -1):  # a month of history before it
        create_booking(seat, holder, at(MONDAY, "10:00") - timedelta(days=days),
                       status="completed")
    # From Sunday 09:30 to Monday 10:30: 25 hours, the longest a booking may be.
    create_booking(seat, holder, at(MONDAY, "10:30") - LONGEST, minutes=25 * 60)
    reply = client.post("/api/v1/bookings", json=body(seat, "10:00", "10:30"),
                        headers=bearer(create_user("resident")))
    assert reply.status_code == 409 and reply.get_json()["error"] == "seat_taken"
    with pytest.raises(ValueError):
        Booking(start=at(MONDAY, "10:00"), end=at(MONDAY, "10:00") + LONGEST
                + timedelta(minutes=1))
