"""The attendant's actions through the console's forms: commands reach the agent's queue,
walk-ins, out of service with bookings moved or cancelled, the queue, guest codes."""
from datetime import timedelta

from sqlalchemy import select

from telecentre.agent_api.models import Command
from telecentre.booking.models import Booking, QueueEntry
from telecentre.common.time import utcnow
from telecentre.console.models import GuestPass, ResidentNotice
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from tests.conftest import Auth
from tests.console.conftest import OWN, named


def _post(client, url, **data):
    token = Auth(client).csrf_token("/")
    return client.post(url, data={"csrf_token": token, **data})


def _commands():
    db.session.rollback()
    return [(c.kind, c.args) for c in db.session.scalars(select(Command).order_by(Command.id))]


def _flash(client):
    return client.get(f"/console/{OWN}").get_data(as_text=True)


def test_extend_end_message_lock_queue_agent_commands(client, login, attendant, room, enroll):
    enroll("PC-01")
    usage = room["usage"]
    login(client, attendant)
    assert _post(client, f"/console/{OWN}/sessions/{usage.id}/extend", minutes="15") \
        .status_code == 302
    seat = room["seats"]["PC-01"]
    _post(client, f"/console/{OWN}/seats/{seat.id}/message", text="Za 5 minut zamykamy")
    _post(client, f"/console/{OWN}/seats/{seat.id}/lock", confirm="yes")
    _post(client, f"/console/{OWN}/sessions/{usage.id}/end", reason="Koniec", confirm="yes")
    assert _commands() == [("extend", {"minutes": 15}),
                           ("message", {"text": "Za 5 minut zamykamy"}),
                           ("lock", {}), ("end_session", {"reason": "Koniec"})]
    # The agent is online: the record stays open until the PC reports the end.
    assert db.session.get(UsageSession, usage.id).ended_at is None
    page = _flash(client)
    assert "extend" in page and "lock" in page  # waiting for the computer, on the map
    from telecentre.audit.models import AuditEntry
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"console.extend", "console.message", "console.lock", "console.end"} <= actions


def test_bad_extend_and_offline_seat_change_nothing(client, login, attendant, room):
    login(client, attendant)
    usage = room["usage"]
    for minutes in ("0", "abc", "999"):
        _post(client, f"/console/{OWN}/sessions/{usage.id}/extend", minutes=minutes)
    # No agent at PC-01: extending is refused with a clear message; ending closes the record.
    _post(client, f"/console/{OWN}/sessions/{usage.id}/extend", minutes="10")
    assert _commands() == []
    _post(client, f"/console/{OWN}/sessions/{usage.id}/end", confirm="yes")
    assert db.session.get(UsageSession, usage.id).end_reason == "ended_by_staff"


def test_walk_in_starts_the_record_and_unlocks_the_pc(client, login, attendant, room, enroll):
    enroll("PC-04")
    seat = room["seats"]["PC-04"]
    login(client, attendant)
    # Anna already sits at PC-01 (one computer per person), so Piotr walks in.
    reply = _post(client, f"/console/{OWN}/seats/{seat.id}/walk-in",
                  resident_id=str(room["piotr"].id))
    assert reply.status_code == 302
    usage = db.session.scalar(select(UsageSession).where(UsageSession.seat_id == seat.id,
                                                         UsageSession.ended_at.is_(None)))
    assert usage.user_id == room["piotr"].id and usage.kind == "walk_in"
    [(kind, args)] = _commands()
    assert kind == "unlock" and args["local_id"] == usage.local_id
    assert args["session_id"] == usage.id and args["minutes"] > 0
    # A second walk-in on the busy seat is refused and changes nothing.
    _post(client, f"/console/{OWN}/seats/{seat.id}/walk-in", resident_id=str(room["anna"].id))
    assert len(_commands()) == 1


def test_out_of_service_moves_or_cancels_bookings_and_tells_residents(
        client, login, attendant, create_seat, create_user, create_booking):
    a, b = create_seat(OWN, "A-01"), create_seat(OWN, "B-02")
    ola, jan = named(create_user("resident", login="ola"), "Ola"), \
        named(create_user("resident", login="jan"), "Jan")
    start = utcnow() + timedelta(hours=2)
    movable = create_booking(a, ola, start, code="MOVE01")
    create_booking(b, jan, start + timedelta(hours=1))  # B is taken an hour later
    stuck = create_booking(a, jan, start + timedelta(hours=1), code="STUCK1")
    login(client, attendant)
    # First the confirmation step: it lists the bookings and residents, and changes nothing.
    asked = _post(client, f"/console/{OWN}/seats/{a.id}/out-of-service", reason="Broken screen")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "A-01" in page and "Ola" in page and "Jan" in page and 'name="confirm"' in page
    assert 'value="Broken screen"' in page
    db.session.rollback()
    assert db.session.get(type(a), a.id).in_service
    reply = _post(client, f"/console/{OWN}/seats/{a.id}/out-of-service", reason="Broken screen",
                  confirm="yes")
    assert reply.status_code == 302
    db.session.rollback()
    assert db.session.get(Booking, movable.id).seat_id == b.id
    assert db.session.get(Booking, stuck.id).status == "cancelled"
    assert not a.in_service and a.out_of_service_reason == "Broken screen"
    texts = {n.user_id: n.text for n in db.session.scalars(select(ResidentNotice))}
    assert "B-02" in texts[ola.id] and "A-01" in texts[jan.id]
    _post(client, f"/console/{OWN}/seats/{a.id}/in-service")
    db.session.rollback()
    assert db.session.get(type(a), a.id).in_service


def test_out_of_service_needs_a_reason(client, login, attendant, create_seat):
    seat = create_seat(OWN, "A-01")
    login(client, attendant)
    _post(client, f"/console/{OWN}/seats/{seat.id}/out-of-service", reason=" ")
    db.session.rollback()
    assert db.session.get(type(seat), seat.id).in_service


def test_queue_add_call_next_and_remove(client, login, attendant, open_site, create_seat,
                                        create_user, create_agent):
    open_site(OWN)
    create_agent(create_seat(OWN, "Q-01"))
    anna = create_user("resident", site=OWN, login="anna")
    piotr = create_user("resident", site=OWN, login="piotr")
    login(client, attendant)
    _post(client, f"/console/{OWN}/queue", resident_id=str(anna.id))
    _post(client, f"/console/{OWN}/queue", resident_id=str(piotr.id))
    entries = db.session.scalars(select(QueueEntry).order_by(QueueEntry.id)).all()
    assert [e.resident_id for e in entries] == [anna.id, piotr.id]
    called = _post(client, f"/console/{OWN}/queue/call-next")
    flashed = client.get(called.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    db.session.rollback()
    first = db.session.get(QueueEntry, entries[0].id)
    assert first.status == "accepted" and first.booking_id is not None, flashed[:3000]
    assert "Q-01" in flashed.split("flashes")[1].split("</div>")[0]
    _post(client, f"/console/{OWN}/queue/{entries[1].id}/remove")
    db.session.rollback()
    assert db.session.get(QueueEntry, entries[1].id).status == "left"


def test_check_in_from_the_console(client, login, attendant, room):
    login(client, attendant)
    _post(client, f"/console/{OWN}/bookings/{room['current'].id}/check-in")
    db.session.rollback()
    assert db.session.get(Booking, room["current"].id).status == "checked_in"


def test_guest_code_unlocks_a_pc_once(client, enroll, attendant):
    from telecentre.console.guests import display, issue_passes
    headers = enroll("PC-G")
    guest = issue_passes(attendant, attendant.site, 1, 45)[0]
    db.session.commit()
    body = {"method": "code", "code": display(guest.code).lower(), "local_id": "guest-0001"}
    reply = client.post("/api/v1/agent/unlock", json=body, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    session = reply.get_json()["session"]
    assert session["limited_by"] == "guest_pass" and session["minutes"] == 45
    db.session.rollback()
    used = db.session.get(GuestPass, guest.id)
    assert used.used_at is not None and used.session.kind == "guest"
    again = client.post("/api/v1/agent/unlock", headers=headers,
                        json={**body, "local_id": "guest-0002"})
    assert again.status_code == 403 and again.get_json()["error"] == "wrong_code"


def test_unknown_or_foreign_resident_is_refused_with_a_message(client, login, attendant, room,
                                                                create_user):
    stranger = create_user("resident", site="ludwin", login="stranger")
    login(client, attendant)
    seat = room["seats"]["PC-04"]
    for resident_id in ("", "abc", str(stranger.id)):
        for url in (f"/console/{OWN}/seats/{seat.id}/walk-in", f"/console/{OWN}/queue"):
            reply = _post(client, url, resident_id=resident_id)
            assert reply.status_code == 302
    assert db.session.scalar(select(QueueEntry.id)) is None
    assert _commands() == []


def test_end_and_lock_ask_first_and_change_nothing_until_confirmed(client, login, attendant,
                                                                   room, enroll):
    enroll("PC-01")
    usage, seat = room["usage"], room["seats"]["PC-01"]
    login(client, attendant)
    for url in (f"/console/{OWN}/sessions/{usage.id}/end", f"/console/{OWN}/seats/{seat.id}/lock"):
        asked = _post(client, url, reason="Koniec")
        assert asked.status_code == 200
        page = asked.get_data(as_text=True)
        assert "PC-01" in page and "Anna Kowalska" in page and 'name="confirm"' in page
    assert _commands() == []  # nothing reached the computer
    assert db.session.get(UsageSession, usage.id).ended_at is None
    # A free seat locks at once: there is nothing to lose.
    enroll("PC-04")
    _post(client, f"/console/{OWN}/seats/{room['seats']['PC-04'].id}/lock")
    assert _commands() == [("lock", {})]
