"""The residents' pages, the desk and the policy admin, in a browser-like client."""
import re

from sqlalchemy import select

from telecentre.auth.models import User
from telecentre.booking.codes import display_code
from telecentre.booking.models import Booking
from telecentre.extensions import db
from tests.booking.conftest import MONDAY, at
from tests.conftest import Auth


def english(client):
    token = Auth(client).csrf_token("/")
    client.post("/language", data={"lang": "en", "csrf_token": token})


def test_register_book_confirm_cancel(app, client, clock, create_seat):
    seat = create_seat("cycow", "PC-01")
    english(client)
    auth = Auth(client)
    token = auth.csrf_token("/register")
    form = {"login": "kasia", "display_name": "Kasia", "password": "a" * 12,
            "password2": "a" * 12, "csrf_token": token}
    refused = client.post("/register", data=form)
    assert refused.status_code == 422 and "accept the site rules" in refused.get_data(True)
    made = client.post("/register", data={**form, "consent": "y"})
    assert made.status_code == 302
    grid = client.get("/sites/cycow/book?date=2026-12-07").get_data(True)
    assert "08:00" in grid and "15:45" in grid and "1 of 1" in grid
    start = at(MONDAY, "10:00").isoformat()
    page = client.get("/sites/cycow/book/new", query_string={"start": start})
    assert page.status_code == 200 and "60 minutes" in page.get_data(True)
    token = auth.csrf_token(f"/sites/cycow/book/new?start={start.replace('+', '%2B')}")
    done = client.post("/sites/cycow/book/new", query_string={"start": start},
                       data={"minutes": "30", "seat": "0", "csrf_token": token})
    assert done.status_code == 302
    booking = db.session.scalar(db.select(Booking))
    assert booking.seat_id == seat.id and booking.end == at(MONDAY, "10:30")
    detail = client.get(done.location).get_data(True)
    assert display_code(booking.code) in detail
    ics = client.get(f"/bookings/{booking.id}.ics")
    assert ics.mimetype == "text/calendar"
    text = ics.get_data(True)
    assert "DTSTART:20261207T090000Z" in text and "DTEND:20261207T093000Z" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    mine = client.get("/bookings").get_data(True)
    assert display_code(booking.code) in mine
    client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": auth.csrf_token("/bookings")})
    assert db.session.get(Booking, booking.id).status == "cancelled"


def test_calendar_feed_and_renewal(app, client, clock, login, create_seat, create_user,
                                   create_booking):
    resident = create_user("resident")
    create_booking(create_seat("cycow", "PC-01"), resident, at(MONDAY, "10:00"))
    login(client, resident)
    page = client.get("/bookings").get_data(True)
    url = re.search(r'id="feed"[^>]*value="([^"]+)"', page).group(1)
    path = url.split("localhost", 1)[-1]
    feed = app.test_client().get(path)
    assert feed.status_code == 200 and "BEGIN:VEVENT" in feed.get_data(True)
    client.post("/bookings/calendar", data={"csrf_token": Auth(client).csrf_token("/bookings")})
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/calendar/1-deadbeef.ics").status_code == 404


def test_residents_see_only_their_own(app, client, clock, login, create_seat, create_user,
                                      create_booking):
    owner, other = create_user("resident"), create_user("resident")
    booking = create_booking(create_seat("cycow", "PC-01"), owner, at(MONDAY, "10:00"))
    login(client, other)
    assert client.get(f"/bookings/{booking.id}").status_code == 404
    assert client.get(f"/bookings/{booking.id}.ics").status_code == 404
    client.post(f"/bookings/{booking.id}/cancel",
                data={"csrf_token": Auth(client).csrf_token("/bookings")})
    assert db.session.get(Booking, booking.id).status == "booked"


def test_desk_registers_a_card_and_the_card_signs_in(app, client, clock, login, create_user):
    login(client, create_user("attendant", site="cycow"))
    english(client)
    token = Auth(client).csrf_token("/desk/cycow/residents/new")
    refused = client.post("/desk/cycow/residents/new",
                          data={"display_name": "Zofia Wójcik", "csrf_token": token})
    assert refused.status_code == 422  # the rules were not accepted: nothing created
    assert "must accept the site rules" in refused.get_data(True)
    assert db.session.scalar(select(User).where(User.display_name == "Zofia Wójcik")) is None
    created = client.post("/desk/cycow/residents/new",
                          data={"display_name": "Zofia Wójcik", "csrf_token": token,
                                "rules_accepted": "y"})
    assert created.status_code == 302  # POST, redirect, GET: the card page is a GET
    card_page = client.get(created.location)
    text = card_page.get_data(True)
    assert card_page.status_code == 200 and "Zofia Wójcik" in text
    card = re.search(r'class="code">(\d{10})<', text).group(1)
    pin = re.search(r'class="code" id="card-pin">(\d{6})<', text).group(1)
    again = client.get(created.location).get_data(True)  # a refresh: no new account, no PIN
    assert card in again and pin not in again
    assert len(db.session.scalars(select(User).where(
        User.display_name == "Zofia Wójcik")).all()) == 1
    assert db.session.scalar(select(User).where(User.card_number == card)).consent_at
    resident = app.test_client()
    token = Auth(resident).csrf_token("/login/card")
    bad = resident.post("/login/card", data={"card": card, "pin": "999999", "csrf_token": token})
    assert bad.status_code == 401
    ok = resident.post("/login/card", data={"card": card, "pin": pin, "csrf_token": token})
    assert ok.status_code == 302
    assert resident.get("/bookings").status_code == 200


def test_desk_checks_in_by_code_and_cancels(app, client, clock, login, create_seat, create_user,
                                            create_booking):
    booking = create_booking(create_seat("cycow", "PC-01"), create_user("resident"),
                             at(MONDAY, "10:00"), code="ACE379")
    clock.set(at(MONDAY, "09:55"))  # before signing in: the session's age follows this clock
    login(client, create_user("attendant", site="cycow"))
    token = Auth(client).csrf_token("/desk/cycow")
    client.post("/desk/cycow/check-in", data={"code": "ace 379", "csrf_token": token})
    assert db.session.get(Booking, booking.id).status == "checked_in"
    later = create_booking(create_seat("cycow", "PC-02"), create_user("resident"),
                           at(MONDAY, "12:00"))
    client.post(f"/desk/cycow/bookings/{later.id}/cancel", data={"csrf_token": token})
    assert db.session.get(Booking, later.id).status == "cancelled"
    elsewhere = create_booking(create_seat("ludwin", "PC-01"), create_user("resident"),
                               at(MONDAY, "12:00"))
    reply = client.post(f"/desk/cycow/bookings/{elsewhere.id}/cancel", data={"csrf_token": token})
    assert reply.status_code == 404
    assert db.session.get(Booking, elsewhere.id).status == "booked"


def test_admin_applies_the_municipal_preset(app, client, login, create_user):
    from telecentre.sites.services import get_site
    login(client, create_user("admin"))
    page = client.get("/admin/policies/cycow")
    assert page.status_code == 200
    token = Auth(client).csrf_token("/admin/policies/cycow")
    values = {"slot_minutes": 15, "max_booking_minutes": 60, "daily_minutes": 120,
              "max_open_bookings": 2, "days_ahead": 14, "min_gap_minutes": 0,
              "no_show_grace_minutes": 10, "walk_in_share_percent": 25,
              "walk_in_allowed": "y", "preset": "municipal", "csrf_token": token}
    assert client.post("/admin/policies/cycow", data=values).status_code == 302
    policy = get_site("cycow").policy
    db.session.refresh(policy)
    assert (policy.max_booking_minutes, policy.min_gap_minutes, policy.walk_in_share_percent,
            policy.preset) == (45, 15, 25, "municipal")
    bad = client.post("/admin/policies/cycow", data={**values, "days_ahead": 500, "preset": ""})
    assert bad.status_code == 422
    assert client.get("/admin/policies/").status_code == 200


def test_pages_are_polish_by_default(client, clock, create_seat):
    create_seat("cycow", "PC-01")
    page = client.get("/sites/cycow/book?date=2026-12-07").get_data(True)
    assert "Zarezerwuj" in page
    assert client.get("/book").status_code == 200 and client.get("/rules").status_code == 200
