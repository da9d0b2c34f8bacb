"""The console's pages: the live room map, the fragment it polls, seats, residents, kiosk."""
from datetime import timedelta

from telecentre.common.time import utcnow
from tests.console.conftest import OTHER, OWN, named


def _tile(html, seat):
    start = html.index(f'id="seat-{seat.id}"')
    return html[start:html.index("</li>", start)]


def test_room_map_shows_every_state(client, login, attendant, room):
    login(client, attendant)
    reply = client.get(f"/console/{OWN}")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    seats = room["seats"]
    in_use = _tile(html, seats["PC-01"])
    assert 'data-state="in_use"' in in_use and "Anna Kowalska" in in_use
    assert "minutes left" in in_use or "minut" in in_use
    assert any(f"{n} " in in_use for n in (19, 20))  # 30 granted, 10 used
    assert 'data-state="booked_soon"' in _tile(html, seats["PC-02"])
    assert 'data-state="booked"' in _tile(html, seats["PC-03"])
    assert 'data-state="free"' in _tile(html, seats["PC-04"])
    broken = _tile(html, seats["PC-05"])
    assert 'data-state="out_of_service"' in broken and "Broken keyboard" in broken
    bare = _tile(html, seats["PC-06"])
    assert 'data-state="no_agent"' in bare and "brak agenta" in bare  # Polish first
    assert "Walk-in" not in bare  # never offered for a walk-in
    assert "Piotr Nowak" in html  # today's bookings
    assert 'data-live-url="/console/cycow/live"' in html
    assert "console/live.js" in html


def test_live_fragment_follows_changes(client, login, attendant, room, start_usage):
    login(client, attendant)
    first = client.get(f"/console/{OWN}/live").get_data(as_text=True)
    assert 'data-state="free"' in _tile(first, room["seats"]["PC-04"])
    start_usage(room["seats"]["PC-04"], room["piotr"], minutes=45, ago=0)
    second = client.get(f"/console/{OWN}/live").get_data(as_text=True)
    tile = _tile(second, room["seats"]["PC-04"])
    assert 'data-state="in_use"' in tile and "Piotr Nowak" in tile
    assert "<html" not in second  # a fragment, not a page


def test_attendant_is_sent_to_own_site_and_cannot_switch(client, login, attendant):
    login(client, attendant)
    reply = client.get("/console/")
    assert reply.status_code == 302 and reply.location.endswith(f"/console/{OWN}")
    assert client.get(f"/console/?site={OTHER}").status_code == 403
    assert client.get(f"/console/{OTHER}").status_code == 403
    page = client.get(f"/console/{OWN}").get_data(as_text=True)
    assert 'name="site"' not in page  # no switcher for attendants


def test_it_switches_sites(client, login, create_user):
    login(client, create_user("it"))
    assert "Urząd Gminy Ludwin" in client.get("/console/").get_data(as_text=True)
    reply = client.get(f"/console/?site={OTHER}")
    assert reply.status_code == 302 and reply.location.endswith(f"/console/{OTHER}")
    page = client.get(f"/console/{OTHER}").get_data(as_text=True)
    assert 'name="site"' in page and f'value="{OWN}"' in page
    assert client.get("/console/?site=nowhere").status_code == 404


def test_seat_session_booking_and_resident_pages(client, login, attendant, room):
    login(client, attendant)
    seat = room["seats"]["PC-01"]
    page = client.get(f"/console/{OWN}/seats/{seat.id}").get_data(as_text=True)
    assert "Anna Kowalska" in page
    page = client.get(f"/console/{OWN}/sessions/{room['usage'].id}").get_data(as_text=True)
    assert "PC-01" in page
    page = client.get(f"/console/{OWN}/bookings/{room['soon'].id}").get_data(as_text=True)
    assert "SOON01" in page
    page = client.get(f"/console/{OWN}/residents/{room['anna'].id}").get_data(as_text=True)
    assert "1000000009" in page


def test_resident_search_by_name_and_card(client, login, attendant, room, create_user):
    named(create_user("resident", site=OTHER, login="anna-elsewhere", card_number="1000000017"),
          "Anna Zielińska")
    login(client, attendant)
    by_name = client.get(f"/console/{OWN}/residents?q=anna").get_data(as_text=True)
    assert "Anna Kowalska" in by_name and "Zielińska" not in by_name
    by_card = client.get(f"/console/{OWN}/residents?q=1000 0000").get_data(as_text=True)
    assert "Anna Kowalska" in by_card and "Zielińska" not in by_card
    short = client.get(f"/console/{OWN}/residents?q=a", headers={"Accept-Language": "en"})
    assert short.status_code == 422 and "at least two" in short.get_data(as_text=True)
    api = client.get(f"/api/v1/console/sites/{OWN}/residents?q=%25")  # a LIKE wildcard is text
    assert api.status_code == 422 or api.get_json() == []


def test_recent_actions_on_the_console(client, login, attendant, room):
    from telecentre.audit.services import record
    from telecentre.extensions import db
    record(attendant, "queue.accept", site=room["seats"]["PC-01"].site_id,
           details={"seat": "PC-01"})
    db.session.commit()
    login(client, attendant)
    page = client.get(f"/console/{OWN}").get_data(as_text=True)
    # The action in words (the label registry), not its code.
    assert "queue.accept" not in page and f"/sites/{OWN}/audit" in page
    from telecentre.common.labels import AUDIT_ACTIONS
    from flask_babel import force_locale
    with force_locale("pl"):
        assert str(AUDIT_ACTIONS["queue.accept"]) in page


def test_room_api(client, login, attendant, room):
    login(client, attendant)
    body = client.get(f"/api/v1/console/sites/{OWN}/room").get_json()
    states = {s["name"]: s["state"] for s in body["seats"]}
    assert states == {"PC-01": "in_use", "PC-02": "booked_soon", "PC-03": "booked",
                      "PC-04": "free", "PC-05": "out_of_service", "PC-06": "no_agent"}
    pc1 = next(s for s in body["seats"] if s["name"] == "PC-01")
    assert pc1["session"]["who"] == "Anna Kowalska" and 18 <= pc1["session"]["minutes_left"] <= 20
    assert body["counts"]["running"] == 1


def test_kiosk_page_needs_no_login(client, room):
    reply = client.get(f"/kiosk/{OWN}")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert 'data-kiosk-idle="120"' in html
    # PC-04 is free; PC-02 is free until its booking in ten minutes.
    assert "PC-04" in html and "PC-02" in html and "PC-01" not in html.split('id="board"')[1]
    assert "PC-06" not in html.split('id="board"')[1]  # no agent: not free
    board = client.get(f"/kiosk/{OWN}/board").get_data(as_text=True)
    assert "<html" not in board and "PC-04" in board


def test_kiosk_shows_when_a_computer_frees_up(client, create_seat, start_usage):
    seat = create_seat(OWN, "PC-01")
    usage = start_usage(seat, minutes=30, ago=10)
    html = client.get(f"/kiosk/{OWN}/board").get_data(as_text=True)
    from telecentre.common.templating import localtime
    ends = usage.started_at + timedelta(minutes=30)
    with client.application.test_request_context():
        assert localtime(ends, "HH:mm") in html
    assert utcnow() < ends


def test_kiosk_leave_signs_out(client, login, create_user):
    from tests.conftest import Auth
    user = create_user("resident")
    login(client, user)
    token = Auth(client).csrf_token("/")
    reply = client.post(f"/kiosk/{OWN}/leave", data={"csrf_token": token})
    assert reply.status_code == 302 and reply.location.endswith(f"/kiosk/{OWN}")
    assert client.get("/api/v1/me").status_code == 401
    assert client.post(f"/kiosk/{OWN}/leave").status_code == 400  # CSRF still checked


def test_no_walk_in_is_offered_on_a_seat_without_an_agent(client, login, attendant, room):
    login(client, attendant)
    page = client.get(f"/console/{OWN}/residents?seat={room['seats']['PC-06'].id}&q=Kowalska",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no enrolled agent" in page and "Start on PC-06" not in page
    assert "Add to the queue" in page
    ok = client.get(f"/console/{OWN}/residents?seat={room['seats']['PC-04'].id}&q=Kowalska",
                    headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Start on PC-04" in ok
