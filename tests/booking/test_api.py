"""The booking API contract: availability, book, list, cancel, queue, registration, desk."""
import pytest

from telecentre.booking.models import Booking
from telecentre.extensions import db
from tests.booking.conftest import MONDAY, at


@pytest.fixture
def bearer(auth):
    def make(user):
        return {"Authorization": f"Bearer {auth.token(user)}"}
    return make


def iso(moment):
    from telecentre.common.time import to_local
    return to_local(moment).isoformat()


def test_book_list_and_cancel(client, clock, bearer, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    resident = create_user("resident")
    headers = bearer(resident)
    body = {"seat_id": seat.id, "start": "2026-12-07T10:00:00+01:00",
            "end": "2026-12-07T10:30:00+01:00"}
    reply = client.post("/api/v1/bookings", json=body, headers=headers)
    assert reply.status_code == 201, reply.get_json()
    booking = reply.get_json()
    assert booking["code"] and booking["seat_id"] == seat.id and booking["site"] == "cycow"
    assert booking["start"] == "2026-12-07T10:00:00+01:00" and booking["status"] == "booked"
    again = client.post("/api/v1/bookings", json=body, headers=bearer(create_user("resident")))
    assert again.status_code == 409 and again.get_json()["error"] == "seat_taken"
    assert "another" in again.get_json()["message"] or "inny" in again.get_json()["message"]
    listed = client.get("/api/v1/bookings", headers=headers).get_json()
    assert [b["id"] for b in listed] == [booking["id"]]
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).status_code == 200
    stranger = bearer(create_user("resident"))
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/bookings/{booking['id']}", headers=stranger).status_code == 404
    cancelled = client.delete(f"/api/v1/bookings/{booking['id']}", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    twice = client.delete(f"/api/v1/bookings/{booking['id']}", headers=headers)
    assert twice.status_code == 409
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201


def test_policy_violation_names_the_rule(client, clock, bearer, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    headers = bearer(create_user("resident"))
    reply = client.post("/api/v1/bookings", headers=headers, json={
        "seat_id": seat.id, "start": "2026-12-07T10:00:00+01:00",
        "end": "2026-12-07T12:00:00+01:00"})
    assert reply.status_code == 422
    assert reply.get_json()["error"] == "policy_violation"
    assert reply.get_json()["details"]["rule"] == "max_booking_minutes"


def test_bad_bodies_change_nothing(client, clock, bearer, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    headers = bearer(create_user("resident"))
    for body in ({"seat_id": seat.id, "start": "2026-12-07T10:00:00",  # no offset
                  "end": "2026-12-07T10:30:00+01:00"},
                 {"start": "2026-12-07T10:00:00+01:00", "end": "2026-12-07T10:30:00+01:00"},
                 {"seat_id": seat.id, "start": "tomorrow", "end": "later"},
                 {"seat_id": seat.id, "start": "2026-12-07T10:00:00+01:00",
                  "end": "2026-12-07T10:30:00+01:00", "extra": 1}):
        reply = client.post("/api/v1/bookings", json=body, headers=headers)
        assert reply.status_code == 422, body
    assert client.post("/api/v1/bookings", data="x", headers=headers).status_code == 400
    missing = client.post("/api/v1/bookings", headers=headers, json={
        "seat_id": 99999, "start": "2026-12-07T10:00:00+01:00",
        "end": "2026-12-07T10:30:00+01:00"})
    assert missing.status_code == 404
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 0


def test_any_free_accessible_seat(client, clock, bearer, create_seat, create_user):
    create_seat("cycow", "PC-01")
    adapted = create_seat("cycow", "PC-02", accessible=True)
    reply = client.post("/api/v1/bookings", headers=bearer(create_user("resident")), json={
        "site": "cycow", "accessible": True, "start": "2026-12-07T10:00:00+01:00",
        "end": "2026-12-07T10:30:00+01:00"})
    assert reply.status_code == 201 and reply.get_json()["seat_id"] == adapted.id


def test_book_now_in_the_running_slot(client, clock, bearer, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    clock.set(at(MONDAY, "10:08"))
    reply = client.post("/api/v1/bookings", headers=bearer(create_user("resident")), json={
        "seat_id": seat.id, "start": iso(at(MONDAY, "10:00")), "end": iso(at(MONDAY, "10:30"))})
    assert reply.status_code == 201


def test_availability(client, clock, create_seat, create_user):
    first = create_seat("cycow", "PC-01")
    second = create_seat("cycow", "PC-02", accessible=True)
    data = client.get("/api/v1/sites/cycow/availability?date=2026-12-07").get_json()
    assert data["slot_minutes"] == 15 and len(data["slots"]) == 32
    assert data["slots"][0]["start"] == "2026-12-07T08:00:00+01:00"
    assert data["slots"][0]["free_seat_ids"] == [first.id, second.id]
    only = client.get("/api/v1/sites/cycow/availability?date=2026-12-07&accessible=1").get_json()
    assert [s["id"] for s in only["seats"]] == [second.id]
    assert client.get("/api/v1/sites/cycow/availability?date=07.12.2026").status_code == 422
    assert client.get("/api/v1/sites/nowhere/availability").status_code == 404
    closed = client.get("/api/v1/sites/cycow/availability?date=2026-12-25").get_json()
    assert closed["slots"] == [] and closed["closed_for"]


@pytest.mark.parametrize("query", [
    "seat_id=null", "seat_id=1.5", "seat_id=99999999999", "accessible=yes", "accessible=null",
    "date=", "date=20261207", "date=2026-W50-1", "date=2026-02-30"])
def test_availability_refuses_query_arguments_it_cannot_read(client, clock, create_seat, query):
    """Schemathesis: ``seat_id=null`` and ``accessible=null`` were ignored (200 with every
    seat), ``date=`` meant today, and Python's fromisoformat took week dates."""
    create_seat("cycow", "PC-01")
    reply = client.get(f"/api/v1/sites/cycow/availability?{query}")
    assert reply.status_code == 422, reply.get_json()
    assert reply.get_json()["details"]["fields"] == [query.split("=")[0]]


def test_availability_reads_flags_and_seat_ids(client, clock, create_seat):
    first = create_seat("cycow", "PC-01")
    second = create_seat("cycow", "PC-02", accessible=True)
    for flag, seats in (("1", [second.id]), ("true", [second.id]), ("0", [first.id, second.id]),
                        ("false", [first.id, second.id])):
        data = client.get(f"/api/v1/sites/cycow/availability?date=2026-12-07&accessible={flag}")
        assert [s["id"] for s in data.get_json()["seats"]] == seats, flag
    data = client.get(f"/api/v1/sites/cycow/availability?date=2026-12-07&seat_id={first.id}")
    assert [s["id"] for s in data.get_json()["seats"]] == [first.id]


def test_lists_refuse_unreadable_query_arguments(client, clock, bearer, create_user):
    resident = bearer(create_user("resident"))
    assert client.get("/api/v1/bookings?past=null", headers=resident).status_code == 422
    assert client.get("/api/v1/bookings?past=1", headers=resident).status_code == 200
    it = bearer(create_user("it"))
    assert client.get("/api/v1/sites/cycow/bookings?date=", headers=it).status_code == 422
    assert client.get("/api/v1/sites/cycow/bookings?date=2026-12-07",
                      headers=it).status_code == 200


def test_queue_api(client, clock, bearer, create_seat, create_user, create_agent):
    seat = create_seat("cycow", "PC-01")
    create_agent(seat)
    clock.set(at(MONDAY, "10:05"))
    holder, walker = bearer(create_user("resident")), bearer(create_user("resident"))
    booked = client.post("/api/v1/bookings", headers=holder, json={
        "seat_id": seat.id, "start": iso(at(MONDAY, "10:00")), "end": iso(at(MONDAY, "10:45"))})
    assert booked.status_code == 201
    joined = client.post("/api/v1/sites/cycow/queue", headers=walker)
    assert joined.status_code == 201 and joined.get_json()["position"] == 1
    assert client.post("/api/v1/sites/cycow/queue", headers=walker).status_code == 409
    assert client.post("/api/v1/sites/cycow/queue/accept", headers=walker).status_code == 409
    client.delete(f"/api/v1/bookings/{booked.get_json()['id']}", headers=holder)
    status = client.get("/api/v1/sites/cycow/queue", headers=walker).get_json()
    assert status["status"] == "offered" and status["offered_seat_id"] == seat.id
    taken = client.post("/api/v1/sites/cycow/queue/accept", headers=walker)
    assert taken.status_code == 201 and taken.get_json()["seat_id"] == seat.id
    assert client.delete("/api/v1/sites/cycow/queue", headers=walker).status_code == 409


def test_self_registration_then_booking(client, clock, auth, create_seat):
    seat = create_seat("cycow", "PC-01")
    refused = client.post("/api/v1/residents", json={"login": "ola", "password": "x" * 12,
                                                     "consent": False})
    assert refused.status_code == 422
    made = client.post("/api/v1/residents", json={"login": "Ola.K", "password": "x" * 12,
                                                  "display_name": "Ola", "consent": True,
                                                  "email": "ola@example.org"})
    assert made.status_code == 201 and made.get_json()["login"] == "ola.k"
    taken = client.post("/api/v1/residents", json={"login": "ola.k", "password": "x" * 12,
                                                   "consent": True})
    assert taken.status_code == 409
    headers = {"Authorization": f"Bearer {auth.token('ola.k', 'x' * 12)}"}
    reply = client.post("/api/v1/bookings", headers=headers, json={
        "seat_id": seat.id, "start": "2026-12-07T10:00:00+01:00",
        "end": "2026-12-07T10:30:00+01:00"})
    assert reply.status_code == 201


def test_desk_registration_and_check_in(client, clock, bearer, create_seat, create_user):
    from telecentre.booking.residents import authenticate_card, valid_card_number
    seat = create_seat("cycow", "PC-01")
    desk = bearer(create_user("attendant", site="cycow"))
    refused = client.post("/api/v1/sites/cycow/residents", headers=desk,
                          json={"display_name": "Jan Nowak"})
    assert refused.status_code == 422  # the rules were not accepted
    card = client.post("/api/v1/sites/cycow/residents", headers=desk,
                       json={"display_name": "Jan Nowak", "phone": "600 100 200",
                             "rules_accepted": True}).get_json()
    twice = client.post("/api/v1/sites/cycow/residents", headers=desk,
                        json={"display_name": "Jan Nowak", "phone": "+48600100200",
                              "rules_accepted": True})
    assert twice.status_code == 409 and twice.get_json()["error"] == "possible_duplicate"
    assert valid_card_number(card["card_number"]) and len(card["pin"]) == 6
    resident = authenticate_card(card["card_number"], card["pin"])
    assert resident is not None and resident.pin_hash != card["pin"]
    db.session.commit()
    other_desk = bearer(create_user("attendant", site="ludwin"))
    assert client.post("/api/v1/sites/cycow/residents", headers=other_desk,
                       json={"display_name": "X"}).status_code == 403
    from telecentre.auth.services import issue_token
    resident_token = issue_token(resident, 1)[0]
    db.session.commit()
    booked = client.post("/api/v1/bookings", headers={
        "Authorization": f"Bearer {resident_token}"}, json={
        "seat_id": seat.id, "start": "2026-12-07T10:00:00+01:00",
        "end": "2026-12-07T10:30:00+01:00"})
    assert booked.status_code == 201
    code = booked.get_json()["code"]
    clock.set(at(MONDAY, "09:50"))
    assert client.post("/api/v1/sites/ludwin/check-in", headers=other_desk,
                       json={"code": code}).status_code == 404
    assert client.post("/api/v1/sites/cycow/check-in", headers=other_desk,
                       json={"code": code}).status_code == 403
    wrong = client.post("/api/v1/sites/cycow/check-in", headers=desk, json={"code": "AAAAAA"})
    assert wrong.status_code == 404
    done = client.post("/api/v1/sites/cycow/check-in", headers=desk,
                       json={"code": f"{code[:3].lower()}-{code[3:]}"})
    assert done.status_code == 200 and done.get_json()["status"] == "checked_in"


def test_code_guessing_is_rate_limited(make_app, clock, create_seat, create_user):
    from tests.conftest import Auth
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_CODE="3 per minute",
                   RATELIMIT_TOKEN="100 per minute")
    client = app.test_client()
    token = Auth(client).token(create_user("attendant", site="cycow"))
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.post("/api/v1/sites/cycow/check-in", headers=headers,
                         json={"code": "AAAAAA"}).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_policy_api(client, bearer, create_user):
    assert client.get("/api/v1/sites/cycow/policy").get_json()["slot_minutes"] == 15
    admin = bearer(create_user("admin"))
    reply = client.put("/api/v1/sites/cycow/policy", headers=admin, json={"preset": "municipal"})
    assert reply.status_code == 200
    assert (reply.get_json()["max_booking_minutes"], reply.get_json()["min_gap_minutes"]) == \
        (45, 15)
    bad = client.put("/api/v1/sites/cycow/policy", headers=admin, json={"days_ahead": 1000})
    assert bad.status_code == 422 and "90" in bad.get_json()["message"]
    attendant = bearer(create_user("attendant", site="cycow"))
    assert client.put("/api/v1/sites/cycow/policy", headers=attendant,
                      json={"days_ahead": 3}).status_code == 403


def test_openapi_lists_the_booking_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/bookings"]
    assert "delete" in paths["/api/v1/bookings/{booking_id}"]
    assert "/api/v1/sites/{slug}/availability" in paths
    assert "/api/v1/sites/{slug}/queue/accept" in paths
    schema = paths["/api/v1/bookings"]["post"]["requestBody"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("BookingIn")
