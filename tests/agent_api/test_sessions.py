"""Starting sessions: which limit applies, who may start, and the unlock endpoint."""

import uuid
from datetime import date, timedelta

import pytest

from telecentre.auth.passwords import hash_secret
from telecentre.common.errors import DomainError
from telecentre.common.time import local_minute_to_utc, local_today, utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sessions.services import Grant, grant
from telecentre.sites.services import set_hours


@pytest.fixture
def seat(create_seat, open_site):
    """A PC at the always-open Cyców, with the default policy (session 60, daily 120)."""
    return create_seat(open_site, name="PC-01")


def _unlock(client, headers, **body):
    return client.post(
        "/api/v1/agent/unlock", json={"local_id": str(uuid.uuid4()), **body}, headers=headers
    )


def test_each_limit_wins_when_it_is_the_least(seat, create_user, create_booking, open_site):
    now = local_minute_to_utc(date(2026, 12, 2), 12 * 60)  # a Wednesday noon
    anna = create_user(login="anna")
    assert grant(seat, now, user=anna) == Grant(60.0, "session_length")
    booking = create_booking(seat, anna, now - timedelta(minutes=5), minutes=30)
    assert grant(seat, now, user=anna, booking=booking) == Grant(25.0, "booking_end")
    booking.status = "cancelled"
    db.session.add(
        UsageSession(
            site_id=seat.site_id,
            seat_id=seat.id,
            user_id=anna.id,
            kind="walk_in",
            started_at=now - timedelta(minutes=110),
            ended_at=now - timedelta(minutes=10),
        )
    )
    db.session.commit()
    assert grant(seat, now, user=anna) == Grant(20.0, "daily_quota")
    other = create_booking(seat, create_user(), now + timedelta(minutes=40))
    assert grant(seat, now) == Grant(40.0, "next_booking")
    other.status = "cancelled"
    open_site.exceptions.clear()  # only the weekly hours on that fixed day
    set_hours(None, open_site, ["mon-sun 00:00-12:15"])
    assert grant(seat, now) == Grant(15.0, "closing")
    set_hours(None, open_site, ["mon-sun 00:00-24:00"])
    late = local_minute_to_utc(date(2026, 12, 2), 23 * 60 + 50)
    assert grant(seat, late) == Grant(60.0, "session_length")  # open past midnight, no "closing"


def test_nothing_starts_when_the_room_is_closed_or_the_quota_is_used(seat, create_user, open_site):
    now = local_minute_to_utc(date(2026, 12, 2), 12 * 60)
    anna = create_user(login="anna")
    db.session.add(
        UsageSession(
            site_id=seat.site_id,
            seat_id=seat.id,
            user_id=anna.id,
            kind="walk_in",
            started_at=now - timedelta(minutes=121),
            ended_at=now - timedelta(minutes=1),
        )
    )
    db.session.commit()
    with pytest.raises(DomainError) as quota:
        grant(seat, now, user=anna)
    assert (quota.value.status, quota.value.code) == (422, "quota_exhausted")
    from telecentre.sites.services import add_exception

    add_exception(None, open_site, local_today(now), None, "closed today")
    with pytest.raises(DomainError) as closed:
        grant(seat, now)
    assert (closed.value.status, closed.value.code) == (422, "closed")


def test_booking_code_unlocks_its_own_seat_only(
    client, enroll, seat, create_seat, create_user, create_booking, open_site
):
    _, headers = enroll(seat_name="PC-01")
    anna = create_user(login="anna")
    anna.display_name = "Anna K."  # the factory names users after their login
    now = utcnow()
    booking = create_booking(seat, anna, now - timedelta(minutes=2), minutes=30, code="K7M-Q2P")
    later = create_booking(seat, anna, now + timedelta(hours=2), minutes=30, code="ZZZ-111")
    elsewhere = create_booking(create_seat(open_site, name="PC-02"), anna, now, code="AAA-222")
    assert _unlock(client, headers, method="code", code="NOPE").get_json()["error"] == "wrong_code"
    wrong_seat = _unlock(client, headers, method="code", code=elsewhere.code)
    assert wrong_seat.status_code == 403 and "PC-02" in wrong_seat.get_json()["message"]
    early = _unlock(client, headers, method="code", code=later.code)
    assert (early.status_code, early.get_json()["error"]) == (422, "too_early")
    reply = _unlock(client, headers, method="code", code="k7m q2p")
    assert reply.status_code == 200, reply.get_json()
    session = reply.get_json()["session"]
    assert session["limited_by"] == "booking_end" and 27 < session["minutes"] <= 28
    assert session["user"] == {"display_name": "Anna K."} and session["booking_id"] == booking.id
    assert "Anna K." in reply.get_json()["message"]
    row = db.session.get(UsageSession, session["id"])
    assert (row.kind, row.user_id, row.local_id, row.ended_at) == (
        "booked",
        anna.id,
        session["local_id"],
        None,
    )
    assert db.session.get(type(booking), booking.id).status == "checked_in"


def test_the_same_unlock_retried_gets_the_same_session(
    client, enroll, seat, create_user, create_booking
):
    _, headers = enroll(seat_name="PC-01")
    booking = create_booking(seat, create_user(), utcnow(), code="K7M-Q2P")
    body = {"method": "code", "code": booking.code, "local_id": str(uuid.uuid4())}
    first = client.post("/api/v1/agent/unlock", json=body, headers=headers).get_json()
    second = client.post("/api/v1/agent/unlock", json=body, headers=headers).get_json()
    assert first["session"]["id"] == second["session"]["id"]


def test_walk_in_with_card_and_pin(client, enroll, seat, create_user, create_booking, open_site):
    _, headers = enroll(seat_name="PC-01")
    create_user(login="jan", card_number="100234", pin_hash=hash_secret("4321"))
    assert (
        _unlock(client, headers, method="card", card="100234", pin="0000").get_json()["error"]
        == "wrong_pin"
    )
    assert (
        _unlock(client, headers, method="card", card="999", pin="4321").get_json()["error"]
        == "wrong_pin"
    )
    open_site.policy.walk_in_allowed = False
    db.session.commit()
    assert (
        _unlock(client, headers, method="card", card="100234", pin="4321").get_json()["error"]
        == "walk_in_not_allowed"
    )
    open_site.policy.walk_in_allowed = True
    booked = create_booking(seat, create_user(), utcnow() - timedelta(minutes=1))
    busy = _unlock(client, headers, method="card", card="100234", pin="4321")
    assert (busy.status_code, busy.get_json()["error"]) == (409, "seat_busy")
    booked.status = "cancelled"
    db.session.commit()
    reply = _unlock(client, headers, method="card", card="100234", pin="4321")
    assert (
        reply.status_code == 200 and reply.get_json()["session"]["limited_by"] == "session_length"
    )
    assert db.session.get(UsageSession, reply.get_json()["session"]["id"]).kind == "walk_in"


def test_kiosk_touch_and_out_of_service(client, enroll, seat):
    _, kiosk_headers = enroll(seat_name="KIOSK-1", kind="kiosk")
    reply = _unlock(client, kiosk_headers, method="kiosk")
    assert reply.get_json()["session"]["limited_by"] == "kiosk_limit"
    assert (
        reply.get_json()["session"]["minutes"] == 30 and reply.get_json()["session"]["user"] is None
    )
    _, pc_headers = enroll(seat_name="PC-01")
    assert _unlock(client, pc_headers, method="kiosk").get_json()["error"] == "walk_in_not_allowed"
    seat.in_service = False
    db.session.commit()
    assert _unlock(client, pc_headers, method="kiosk").get_json()["error"] == "seat_out_of_service"
