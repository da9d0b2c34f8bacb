"""The resident's seat × time grid: cell states, the day it opens on, the default length,
and a refusal that names its rule (web page and API), changing nothing."""
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from telecentre.booking.models import Booking
from telecentre.booking.policies import update_policy
from telecentre.extensions import db
from telecentre.sites.services import add_exception, get_site
from tests.booking.conftest import MONDAY, at
from tests.booking.test_pages import english
from tests.conftest import Auth


class Grid(HTMLParser):
    """Read ``table.seat-grid``: the column headers and, per time, each cell's state."""

    def __init__(self, html: str):
        super().__init__()
        self.headers, self.rows = [], {}
        self._in_table = self._in_head = False
        self._row = self._text = self._state = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "seat-grid" in (attrs.get("class") or ""):
            self._in_table = True
        if not self._in_table:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row = []
        elif tag in ("th", "td"):
            self._text, self._state = "", None
        elif "cell" in (attrs.get("class") or "").split():
            self._state = attrs["class"].split()[1]

    def handle_data(self, data):
        if self._text is not None:
            self._text += data

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag == "table":
            self._in_table = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._text is not None:
            text = " ".join(self._text.split())
            if self._in_head:
                self.headers.append(text)
            else:
                self._row.append((self._state, text))
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.rows[self._row[0][1][:5]] = [state for state, _text in self._row[2:]]
            self._row = None


@pytest.fixture
def bearer(auth):
    return lambda user: {"Authorization": f"Bearer {auth.token(user)}"}


@pytest.fixture
def seats(create_seat):
    return [create_seat("cycow", "PC-01", accessible=True), create_seat("cycow", "PC-02"),
            create_seat("cycow", "PC-03")]


@pytest.fixture
def resident(create_user):
    return create_user("resident")


def grid(client, day, **args) -> Grid:
    page = client.get("/sites/cycow/book", query_string={"date": day.isoformat(), **args})
    assert page.status_code == 200
    return Grid(page.get_data(True))


def test_every_cell_has_a_state_in_words(app, client, clock, login, seats, resident,
                                         create_user, create_booking):
    clock.set(at(MONDAY, "10:07"))
    create_booking(seats[0], resident, at(MONDAY, "11:00"), minutes=30)
    create_booking(seats[1], create_user("resident"), at(MONDAY, "12:00"), minutes=15)
    login(client, resident)
    english(client)
    shown = grid(client, MONDAY)
    # Accessible seats are columns like the others (marked), after the time and "any".
    assert shown.headers == ["Time", "Any free computer", "PC-01 ♿ (accessible)", "PC-02",
                             "PC-03"]
    assert "09:45" not in shown.rows  # the times that are over are folded away
    assert shown.rows["10:00"] == ["free", "free", "free"]  # the running slot: "book now"
    assert shown.rows["11:00"] == ["yours", "free", "free"]
    assert shown.rows["12:00"] == ["free", "booked", "free"]
    assert grid(client, MONDAY, earlier="1").rows["09:45"] == ["past", "past", "past"]
    far = MONDAY + timedelta(days=15)  # beyond the 14 days one may book ahead
    assert set(grid(client, far).rows["10:00"]) == {"closed"}


def test_walk_in_share_closes_the_rest_of_the_row(app, client, clock, seats, create_user,
                                                  create_booking):
    update_policy(None, get_site("cycow"), {"walk_in_share_percent": 50})
    db.session.commit()
    create_booking(seats[1], create_user("resident"), at(MONDAY, "10:00"))
    english(client)
    page = client.get("/sites/cycow/book?date=2026-12-07").get_data(True)
    assert Grid(page).rows["10:00"] == ["closed", "booked", "closed"]
    assert "walk-in only" in page


def test_free_cells_book_through_a_confirm_form(app, client, clock, login, seats, resident):
    login(client, resident)
    english(client)
    start = at(MONDAY, "10:00").isoformat()
    page = client.get("/sites/cycow/book/new", query_string={"start": start,
                                                             "seat": seats[2].id})
    text = page.get_data(True)
    # The length defaults to the longest the policy allows (60 minutes by default).
    assert '<option selected value="60">60 minutes</option>' in text
    assert f'<option selected value="{seats[2].id}">PC-03</option>' in text
    token = Auth(client).csrf_token(f"/sites/cycow/book/new?start={start.replace('+', '%2B')}")
    done = client.post("/sites/cycow/book/new", query_string={"start": start},
                       data={"minutes": "60", "seat": str(seats[2].id), "csrf_token": token})
    assert done.status_code == 302
    booking = db.session.scalar(db.select(Booking))
    assert booking.seat_id == seats[2].id and booking.end == at(MONDAY, "11:00")


def test_after_closing_time_the_page_opens_on_the_next_open_day(app, client, clock, seats):
    """Wednesday 23 December after 16:00: 24–26 are public holidays, 27 a Sunday and the
    28th closed for inventory, so the page opens on Tuesday the 29th."""
    add_exception(None, get_site("cycow"), date(2026, 12, 28), None, "inventory")
    db.session.commit()
    english(client)
    clock.set(at(date(2026, 12, 23), "15:50"))
    assert "2026-12-23" in client.get("/sites/cycow/book").get_data(True)
    clock.set(at(date(2026, 12, 23), "16:00"))
    page = client.get("/sites/cycow/book").get_data(True)
    assert 'value="2026-12-29"' in page and "Tuesday, 29 December 2026" in page
    assert Grid(page).rows["08:00"] == ["free", "free", "free"]
    # Asked for the closed day itself, the page says why and links the next open day.
    closed = client.get("/sites/cycow/book?date=2026-12-28").get_data(True)
    assert "is closed on 2026-12-28 (inventory)" in closed
    assert "Next open day: Tuesday, 29 December 2026" in closed
    christmas = client.get("/sites/cycow/book?date=2026-12-25").get_data(True)
    assert "public holiday" in christmas


REFUSALS = {
    # name: (rule or code, status, start day, start, seat index or None, what the message says)
    "past": ("past", 422, MONDAY, "09:00", 1, "has passed"),
    "closed": ("closed", 422, MONDAY + timedelta(days=5), "10:00", 1, "does not open on"),
    "too far ahead": ("days_ahead", 422, MONDAY + timedelta(days=20), "10:00", 1,
                      "at most 14 days ahead"),
    "taken": ("seat_taken", 409, MONDAY, "12:00", 1, "PC-02 is already booked at 12:00"),
    "every seat taken": ("no_free_seat", 409, MONDAY, "13:00", None, "Every computer"),
    "own booking elsewhere": ("overlapping_booking", 409, MONDAY, "14:00", 2,
                              "Urząd Miejski w Łęcznej, PC-L1, 2026-12-07 14:00–14:30"),
}


@pytest.fixture
def crowded(clock, seats, resident, create_seat, create_user, create_booking):
    """Monday 10:07; PC-02 taken at 12:00, every seat at 13:00, the resident at Łęczna 14:00."""
    clock.set(at(MONDAY, "10:07"))
    other = create_user("resident")
    create_booking(seats[1], other, at(MONDAY, "12:00"))
    for seat in seats:
        create_booking(seat, create_user("resident"), at(MONDAY, "13:00"))
    create_booking(create_seat("leczna", "PC-L1"), resident, at(MONDAY, "14:00"))
    return seats


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_on_the_page_names_its_rule_and_changes_nothing(app, client, login, crowded,
                                                                  resident, case):
    rule, status, day, hhmm, seat_index, says = REFUSALS[case]
    login(client, resident)
    english(client)
    grid_page = client.get("/sites/cycow/book?date=2026-12-07").get_data(True)
    assert "Urząd Miejski w Łęcznej, PC-L1, 14:00–14:30" in grid_page  # named before booking
    before = db.session.scalar(db.select(db.func.count(Booking.id)))
    args = {"start": at(day, hhmm).isoformat()}
    if seat_index is not None:
        args["seat"] = crowded[seat_index].id
    page = client.get("/sites/cycow/book/new", query_string=args).get_data(True)
    assert f'data-rule="{rule}"' in page and says in page
    token = Auth(client).csrf_token("/bookings")
    posted = client.post("/sites/cycow/book/new", query_string=args, data={
        "minutes": "30", "seat": str(args.get("seat", 0)), "csrf_token": token})
    assert posted.status_code == status and says in posted.get_data(True)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == before


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_in_the_api_has_its_own_code(app, client, bearer, crowded, resident, case):
    rule, status, day, hhmm, seat_index, says = REFUSALS[case]
    body = {"start": at(day, hhmm).isoformat(),
            "end": (at(day, hhmm) + timedelta(minutes=30)).isoformat()}
    if seat_index is None:
        body["site"] = "cycow"
    else:
        body["seat_id"] = crowded[seat_index].id
    before = db.session.scalar(db.select(db.func.count(Booking.id)))
    reply = client.post("/api/v1/bookings", json=body, headers={
        **bearer(resident), "Accept-Language": "en"})
    answer = reply.get_json()
    assert reply.status_code == status, answer
    code = answer["details"]["rule"] if status == 422 else answer["error"]
    assert code == rule and says in answer["message"]
    if rule == "overlapping_booking":
        assert answer["details"]["site"] == "leczna"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == before


def test_the_length_stops_before_the_residents_next_booking_and_quota(
        app, client, clock, login, seats, resident, create_seat, create_booking):
    """With a booking at Łęczna at 10:45 the longest from 10:00 is 45 minutes; with 105 of
    the day's 120 minutes used elsewhere it is 15."""
    create_booking(create_seat("leczna", "PC-L1"), resident, at(MONDAY, "10:45"), minutes=30)
    login(client, resident)
    english(client)
    start = at(MONDAY, "10:00").isoformat()
    page = client.get("/sites/cycow/book/new", query_string={"start": start}).get_data(True)
    assert '<option selected value="45">45 minutes</option>' in page
    assert 'value="60"' not in page
    update_policy(None, get_site("cycow"), {"max_open_bookings": 5})
    db.session.commit()
    create_booking(create_seat("leczna", "PC-L2"), resident, at(MONDAY, "12:00"), minutes=75)
    start = at(MONDAY, "14:00").isoformat()
    page = client.get("/sites/cycow/book/new", query_string={"start": start}).get_data(True)
    assert '<option selected value="15">15 minutes</option>' in page
