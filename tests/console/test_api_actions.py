"""The console's actions through the JSON API (bearer token): same services as the forms,
clear refusals that change nothing, and the site scoping of the pages."""
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.agent_api.models import Command
from telecentre.booking.models import Booking, QueueEntry
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from tests.conftest import Auth
from tests.console.conftest import OTHER, OWN

API = f"/api/v1/console/sites/{OWN}"


def _bearer(client, user):
    return {"Authorization": f"Bearer {Auth(client).token(user)}"}


def _commands():
    db.session.rollback()
    return [(c.kind, c.args) for c in db.session.scalars(select(Command).order_by(Command.id))]


def test_session_actions_queue_commands_for_the_pc(client, attendant, room, enroll):
    enroll("PC-01")
    headers = _bearer(client, attendant)
    usage, seat = room["usage"], room["seats"]["PC-01"]
    reply = client.post(f"{API}/sessions/{usage.id}/extend", json={"minutes": 15},
                        headers=headers)
    assert reply.status_code == 202
    assert reply.get_json()["kind"] == "extend" and reply.get_json()["status"] == "pending"
    assert client.post(f"{API}/seats/{seat.id}/message", json={"text": "Zamykamy"},
                       headers=headers).status_code == 202
    assert client.post(f"{API}/seats/{seat.id}/lock", headers=headers).status_code == 202
    reply = client.post(f"{API}/sessions/{usage.id}/end", json={"reason": "Koniec"},
                        headers=headers)
    assert reply.status_code == 200 and reply.get_json()["id"] == usage.id
    assert _commands() == [("extend", {"minutes": 15}), ("message", {"text": "Zamykamy"}),
                           ("lock", {}), ("end_session", {"reason": "Koniec"})]


def test_bad_bodies_are_refused_and_change_nothing(client, attendant, room, enroll):
    enroll("PC-01")
    headers = _bearer(client, attendant)
    usage, seat = room["usage"], room["seats"]["PC-01"]
    for body in ({"minutes": 0}, {"minutes": 999}, {"minutes": "soon"}, {},
                 {"minutes": 5, "extra": 1}):
        reply = client.post(f"{API}/sessions/{usage.id}/extend", json=body, headers=headers)
        assert reply.status_code == 422, body
        assert reply.get_json()["error"] == "invalid_body" and reply.get_json()["message"]
    reply = client.post(f"{API}/sessions/{usage.id}/extend", data="minutes=5", headers=headers)
    assert reply.status_code == 400
    assert client.post(f"{API}/seats/{seat.id}/message", json={"text": ""},
                       headers=headers).status_code == 422
    assert client.post(f"{API}/seats/{seat.id}/out-of-service", json={},
                       headers=headers).status_code == 422
    assert _commands() == []


def test_walk_in_and_a_busy_seat(client, attendant, room, enroll):
    enroll("PC-04")
    headers = _bearer(client, attendant)
    seat = room["seats"]["PC-04"]
    # Anna sits at PC-01: a second computer is refused, naming where she sits.
    reply = client.post(f"{API}/seats/{seat.id}/walk-in",
                        json={"resident_id": room["anna"].id}, headers=headers)
    assert reply.status_code == 409 and reply.get_json()["error"] == "already_in_session"
    assert "PC-01" in reply.get_json()["message"]
    reply = client.post(f"{API}/seats/{seat.id}/walk-in",
                        json={"resident_id": room["piotr"].id}, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    assert body["seat_id"] == seat.id and body["kind"] == "walk_in" and body["minutes_left"] > 0
    reply = client.post(f"{API}/seats/{seat.id}/walk-in",
                        json={"resident_id": room["anna"].id}, headers=headers)
    assert reply.status_code == 409 and reply.get_json()["error"] == "seat_busy"
    count = db.session.scalar(select(func.count()).select_from(UsageSession)
                              .where(UsageSession.seat_id == seat.id))
    assert count == 1
    # No agent on PC-06: refused with what to do.
    reply = client.post(f"{API}/seats/{room['seats']['PC-06'].id}/walk-in",
                        json={"resident_id": room["piotr"].id}, headers=headers)
    assert reply.status_code == 409 and reply.get_json()["error"] == "no_agent"
    # An unknown resident is a 404, not a session.
    reply = client.post(f"{API}/seats/{seat.id}/walk-in", json={"resident_id": 999999},
                        headers=headers)
    assert reply.status_code == 404


def test_out_of_service_and_back(client, attendant, create_seat, create_user, create_booking):
    a = create_seat(OWN, "A-01")
    create_seat(OWN, "B-02")
    ola = create_user("resident", login="ola")
    booking = create_booking(a, ola, utcnow() + timedelta(hours=2), code="MOVE01")
    headers = _bearer(client, attendant)
    reply = client.post(f"{API}/seats/{a.id}/out-of-service", json={"reason": "Broken screen"},
                        headers=headers)
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["seat"]["state"] == "out_of_service"
    assert body["seat"]["out_of_service_reason"] == "Broken screen"
    assert [b["id"] for b in body["moved"]] == [booking.id] and body["cancelled"] == []
    assert body["moved"][0]["seat"] == "B-02"
    reply = client.post(f"{API}/seats/{a.id}/in-service", headers=headers)
    assert reply.status_code == 200 and reply.get_json()["state"] != "out_of_service"


def test_check_in_and_the_queue(client, attendant, room, open_site, create_seat):
    open_site(OWN)
    headers = _bearer(client, attendant)
    current = room["current"]
    reply = client.post(f"{API}/bookings/{current.id}/check-in", headers=headers)
    assert reply.status_code == 200 and reply.get_json()["status"] == "checked_in"
    assert db.session.get(Booking, current.id).status == "checked_in"

    reply = client.post(f"{API}/queue", json={"resident_id": room["anna"].id}, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    entry_id = reply.get_json()["id"]
    reply = client.post(f"{API}/queue", json={"resident_id": room["anna"].id}, headers=headers)
    assert reply.status_code == 409  # already waiting
    assert client.delete(f"{API}/queue/{entry_id}", headers=headers).status_code == 204
    db.session.expire_all()
    assert db.session.get(QueueEntry, entry_id).status == "left"
    assert client.delete(f"{API}/queue/{entry_id}", headers=headers).status_code == 409


def test_another_sites_staff_are_refused(client, create_user, room):
    other = create_user("attendant", site=OTHER)
    headers = _bearer(client, other)
    seat = room["seats"]["PC-04"]
    assert client.post(f"{API}/seats/{seat.id}/lock", headers=headers).status_code == 403
    # Their own slug with our seat's id: the seat is not theirs.
    reply = client.post(f"/api/v1/console/sites/{OTHER}/seats/{seat.id}/lock", headers=headers)
    assert reply.status_code == 404
    assert _commands() == []


def test_an_id_beyond_the_database_is_invalid_not_an_error(client, attendant, room):
    headers = _bearer(client, attendant)
    for url in (f"{API}/queue", f"{API}/seats/{room['seats']['PC-04'].id}/walk-in"):
        reply = client.post(url, json={"resident_id": 11251729969}, headers=headers)
        assert reply.status_code == 422, url  # found by Schemathesis: was a 500 on PostgreSQL
        assert reply.get_json()["details"]["fields"] == ["resident_id"]
