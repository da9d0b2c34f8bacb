"""Staff manage residents: edit, block (refused at booking, check-in, walk-in, unlock),
notes, duplicate warning at registration, booking for a resident; one computer per person.
Every refusal is checked to change nothing."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.agent_api.models import Command
from telecentre.audit.models import AuditEntry
from telecentre.auth.blocks import active_block, block
from telecentre.auth.models import ResidentBlock, User
from telecentre.auth.passwords import hash_secret
from telecentre.booking.models import Booking
from telecentre.booking.residents import luhn_digit
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from tests.conftest import Auth
from tests.console.conftest import OWN, named

CYCOW = "Urząd Gminy Cyców"


def _post(client, url, **data):
    token = Auth(client).csrf_token("/")
    return client.post(url, data={"csrf_token": token, **data})


def _counts():
    db.session.rollback()
    return (db.session.scalar(select(func.count(UsageSession.id))),
            db.session.scalar(select(func.count(Booking.id))),
            db.session.scalar(select(func.count(Command.id))))


def _flashes(client, reply):
    return client.get(reply.location).get_data(True)


def test_a_blocked_resident_is_refused_everywhere_and_nothing_changes(
        app, client, login, attendant, room, enroll, open_site):
    open_site()
    piotr, current = room["piotr"], room["current"]
    piotr.card_number, piotr.pin_hash = "2000000008", hash_secret("135790")
    db.session.commit()
    agent_pc3, agent_pc4 = enroll("PC-03"), enroll("PC-04")
    login(client, attendant)
    reply = _post(client, f"/console/{OWN}/residents/{piotr.id}/block",
                  reason="Broke the headphones twice")
    assert reply.status_code == 302
    page = client.get(f"/console/{OWN}/residents/{piotr.id}").get_data(True)
    assert "Broke the headphones twice" in page
    before = _counts()
    # Check-in at the desk: refused with the reason for staff.
    reply = _post(client, f"/console/{OWN}/bookings/{current.id}/check-in")
    assert "Broke the headphones twice" in _flashes(client, reply)
    # Walk-in from the console.
    reply = _post(client, f"/console/{OWN}/seats/{room['seats']['PC-04'].id}/walk-in",
                  resident_id=str(piotr.id))
    assert "Broke the headphones twice" in _flashes(client, reply)
    # Unlock at the PC with the booking code and with card + PIN: neutral words.
    for body, headers in (({"method": "code", "code": "NOW001"}, agent_pc3),
                          ({"method": "card", "card": "2000000008", "pin": "135790"},
                           agent_pc4)):
        reply = client.post("/api/v1/agent/unlock", headers=headers,
                            json={**body, "local_id": f"blocked-{body['method']}"})
        assert reply.status_code == 403 and reply.get_json()["error"] == "resident_blocked"
        assert "headphones" not in reply.get_json()["message"]
        assert "zwrócić się do obsługi" in reply.get_json()["message"]  # Polish first
    # Booking by the resident (API): neutral; booking by staff: the reason.
    resident = app.test_client()
    token = Auth(resident).token(piotr)
    seat = room["seats"]["PC-04"]
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    reply = resident.post("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"},
                          json={"seat_id": seat.id, "start": start.isoformat(),
                                "end": (start + timedelta(minutes=30)).isoformat()})
    assert reply.status_code == 403 and reply.get_json()["error"] == "resident_blocked"
    assert "headphones" not in reply.get_json()["message"]
    reply = _post(client, f"/console/{OWN}/book?resident={piotr.id}", resident=str(piotr.id),
                  day=(local_today() + timedelta(days=1)).isoformat(), time="10:00",
                  minutes="30", seat="0")
    assert reply.status_code == 403 and "Broke the headphones twice" in reply.get_data(True)
    assert _counts() == before
    assert db.session.get(Booking, current.id).status == "booked"
    # Unblocked: the walk-in goes through.
    _post(client, f"/console/{OWN}/residents/{piotr.id}/unblock")
    _post(client, f"/console/{OWN}/seats/{room['seats']['PC-04'].id}/walk-in",
          resident_id=str(piotr.id))
    assert _counts()[0] == before[0] + 1


def test_a_block_with_an_end_day_ends_by_itself(room, attendant):
    now = utcnow()
    block(attendant, room["piotr"], "Late twice", until=now + timedelta(days=1), now=now)
    db.session.commit()
    assert active_block(room["piotr"], now + timedelta(hours=1)) is not None
    assert active_block(room["piotr"], now + timedelta(days=2)) is None


def test_bad_block_input_changes_nothing(client, login, attendant, room):
    login(client, attendant)
    piotr = room["piotr"]
    reply = _post(client, f"/console/{OWN}/residents/{piotr.id}/block", reason="")
    assert "reason" in _flashes(client, reply).lower() or "powód" in _flashes(client, reply)
    _post(client, f"/console/{OWN}/residents/{piotr.id}/block", reason="x",
          until=(local_today() - timedelta(days=3)).isoformat())
    assert db.session.scalar(select(func.count(ResidentBlock.id))) == 0


def test_one_computer_per_person_at_unlock_and_check_in(client, login, attendant, room,
                                                        enroll, open_site, create_booking):
    open_site()
    anna = room["anna"]  # sits at PC-01
    anna.pin_hash = hash_secret("246802")
    db.session.commit()
    headers = enroll("PC-04")
    booking = create_booking(room["seats"]["PC-04"], anna, utcnow() - timedelta(minutes=5),
                             minutes=60, code="ANNA04")
    before = _counts()
    for body in ({"method": "code", "code": "ANNA04"},
                 {"method": "card", "card": "1000000009", "pin": "246802"}):
        reply = client.post("/api/v1/agent/unlock", headers=headers,
                            json={**body, "local_id": f"second-{body['method']}"})
        assert reply.status_code == 409 and reply.get_json()["error"] == "already_in_session"
        assert "PC-01" in reply.get_json()["message"] and CYCOW in reply.get_json()["message"]
    login(client, attendant)
    reply = _post(client, f"/console/{OWN}/bookings/{booking.id}/check-in")
    page = _flashes(client, reply)
    assert "PC-01" in page and ("One computer per person" in page or "Jeden komputer" in page)
    assert _counts() == before
    assert db.session.get(Booking, booking.id).status == "booked"


def test_edit_a_resident(client, login, attendant, room, create_user):
    piotr = room["piotr"]
    login(client, attendant)
    url = f"/console/{OWN}/residents/{piotr.id}/edit"
    assert client.get(url).status_code == 200
    card = "300000000" + luhn_digit("300000000")
    base = {"display_name": "Piotr Nowak-Zieliński", "email": "piotr@example.test",
            "phone": "+48 600 700 800", "card": card, "birth_year": "1961"}
    for bad in ({"card": "3000000001" if card != "3000000001" else "3000000002"},
                {"card": room["anna"].card_number}, {"email": "not-an-address"},
                {"birth_year": "1850"}, {"display_name": ""}):
        reply = _post(client, url, **{**base, **bad})
        assert reply.status_code in (409, 422), bad
        db.session.rollback()
        assert db.session.get(User, piotr.id).display_name == "Piotr Nowak"
    assert _post(client, url, **base).status_code == 302
    db.session.rollback()
    user = db.session.get(User, piotr.id)
    assert (user.display_name, user.card_number, user.birth_year, user.email) == (
        "Piotr Nowak-Zieliński", card, 1961, "piotr@example.test")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.update"))
    assert entry.actor_id == attendant.id and "card_number" in entry.details["fields"]


def test_notes_are_for_staff(app, client, login, attendant, room):
    login(client, attendant)
    piotr = room["piotr"]
    _post(client, f"/console/{OWN}/residents/{piotr.id}/notes",
          text="Needs a large-print keyboard")
    page = client.get(f"/console/{OWN}/residents/{piotr.id}").get_data(True)
    assert "Needs a large-print keyboard" in page
    reply = _post(client, f"/console/{OWN}/residents/{piotr.id}/notes", text="")
    assert reply.status_code == 302
    assert page.count("large-print") == 1


def test_desk_registration_warns_of_a_likely_duplicate(client, login, attendant, create_user):
    named(create_user("resident", site=OWN, login="jan", phone="+48 600 100 200",
                      birth_year=1958), "Jan Kowalski")
    login(client, attendant)
    token = Auth(client).csrf_token(f"/desk/{OWN}/residents/new")
    form = {"display_name": "jan  kowalski", "phone": "600-100-200", "rules_accepted": "y",
            "csrf_token": token}
    for fields in (form, {**form, "phone": "", "birth_year": "1958"}):
        reply = client.post(f"/desk/{OWN}/residents/new", data=fields)
        assert reply.status_code == 409 and 'id="duplicate-warning"' in reply.get_data(True)
        assert db.session.scalar(select(func.count(User.id)).where(
            User.role == "resident")) == 1
    # Another person of the same name (other phone, other year) is not a duplicate.
    other = client.post(f"/desk/{OWN}/residents/new",
                        data={**form, "phone": "500 000 111", "birth_year": "1990"})
    assert other.status_code == 302
    confirmed = client.post(f"/desk/{OWN}/residents/new",
                            data={**form, "confirm_duplicate": "y"})
    assert confirmed.status_code == 302
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "resident")) == 3


def test_staff_book_for_a_resident_with_slip_and_mail(client, login, attendant, create_user,
                                                      create_seat, open_site, mail_sink):
    open_site()
    create_seat(OWN, "PC-21")
    piotr = named(create_user("resident", site=OWN, login="piotr", email="piotr@example.test",
                              locale="en"), "Piotr Nowak")
    login(client, attendant)
    found = client.get(f"/console/{OWN}/book?q=Piotr").get_data(True)
    assert f"resident={piotr.id}" in found
    assert client.get(f"/console/{OWN}/book?resident={piotr.id}").status_code == 200
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    reply = _post(client, f"/console/{OWN}/book", resident=str(piotr.id), day=tomorrow,
                  time="10:00", minutes="30", seat="0")
    assert reply.status_code == 302 and "/slip" in reply.location, \
        re.findall(r'class="(?:flash[^"]*|error)"[^>]*>([^<]+)<', reply.get_data(True))
    slip = client.get(reply.location).get_data(True)
    code = re.search(r'id="booking-code">([^<]+)<', slip).group(1)
    booking = db.session.scalar(select(Booking).where(Booking.resident_id == piotr.id,
                                                      Booking.source == "desk"))
    assert code.replace("-", "").replace(" ", "") == booking.code
    mail_sink.wait(1)
    assert mail_sink.messages[0]["To"] == "piotr@example.test"
    assert code in mail_sink.body()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.create"))
    assert entry.actor_id == attendant.id
    # A time off the grid is refused with the rule, and creates nothing.
    before = _counts()
    bad = _post(client, f"/console/{OWN}/book", resident=str(piotr.id), day=tomorrow,
                time="10:07", minutes="30", seat="0")
    assert bad.status_code == 422
    bad = _post(client, f"/console/{OWN}/book", resident=str(piotr.id), day=tomorrow,
                time="25:00", minutes="30", seat="0")
    assert bad.status_code == 422
    assert _counts() == before


def test_staff_cannot_book_for_a_resident_of_another_site(client, login, attendant,
                                                          create_user, open_site):
    open_site()
    stranger = create_user("resident", site="ludwin", login="stranger")
    login(client, attendant)
    reply = _post(client, f"/console/{OWN}/book", resident=str(stranger.id),
                  day=(local_today() + timedelta(days=1)).isoformat(), time="10:00",
                  minutes="30", seat="0")
    assert reply.status_code == 422
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_search_finds_by_phone_and_email_but_only_at_the_site(client, login, attendant,
                                                               create_user):
    named(create_user("resident", site=OWN, login="maria", phone="+48 601 202 303",
                      email="maria@example.test"), "Maria Lis")
    create_user("resident", site="ludwin", login="far", phone="+48 601 202 303")
    login(client, attendant)
    for query in ("601 202 303", "maria@example"):
        page = client.get(f"/console/{OWN}/residents?q={query}").get_data(True)
        assert "Maria Lis" in page and "Far" not in page, query


def test_deleting_the_account_deletes_its_notes_and_blocks(room, attendant, create_user):
    from telecentre.auth.models import ResidentNote
    from telecentre.console.resident_admin import add_note
    from telecentre.stats.privacy import delete_account
    piotr = room["piotr"]
    add_note(attendant, piotr, attendant.site, "Needs help with printing")
    block(attendant, piotr, "Damaged headphones")
    db.session.commit()
    delete_account(create_user("admin"), piotr)
    db.session.commit()
    assert db.session.scalar(select(func.count(ResidentNote.id))) == 0
    assert db.session.scalar(select(func.count(ResidentBlock.id))) == 0
