"""Heartbeat replies leave the policy and bookings out while the agent's ``sync`` is current."""
from datetime import timedelta

from telecentre.common.time import utcnow
from telecentre.extensions import db

HEARTBEAT = {"state": "locked", "version": "1.0.1", "outbox_pending": 0, "health": {}}


def test_policy_and_bookings_come_again_only_when_they_changed(
    client, enroll, create_seat, create_user, create_booking, open_site
):
    seat = create_seat(open_site, name="PC-01")
    _body, headers = enroll(seat_name="PC-01")
    beat = lambda **extra: client.post(  # noqa: E731
        "/api/v1/agent/heartbeat", json={**HEARTBEAT, **extra}, headers=headers).get_json()
    first = beat()  # an agent that sends no sync gets everything
    assert first["policy"]["warn_minutes"] and first["upcoming_bookings"] == []
    same = beat(sync=first["sync"])
    assert "policy" not in same and "upcoming_bookings" not in same
    assert same["sync"] == first["sync"] and same["commands"] == []
    assert "policy" in beat()  # no sync: everything again
    booking = create_booking(seat, create_user(), utcnow() + timedelta(hours=1), code="K7M-Q2P")
    db.session.commit()
    changed = beat(sync=first["sync"])
    assert changed["sync"] != first["sync"]
    assert [b["booking_id"] for b in changed["upcoming_bookings"]] == [booking.id]
    open_site.policy.kiosk_idle_seconds = 300
    db.session.commit()
    policy_changed = beat(sync=changed["sync"])
    assert policy_changed["policy"]["kiosk_idle_seconds"] == 300
