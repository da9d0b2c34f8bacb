"""No double booking, ever: many clients at once against a real multi-worker server.

Runs on the test database (SQLite file, or PostgreSQL with
TELECENTRE_TEST_DATABASE_URL); the server is ``telecentre serve --workers 4``.
"""
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from telecentre.auth.services import issue_token
from telecentre.booking.models import Booking
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.sites.services import get_site, set_hours
from tests.booking.conftest import at
from tests.booking.liveserver import LiveServer

CLIENTS = 60

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app, database_url):
    set_hours(None, get_site("cycow"), ["mon-sun 00:00-24:00"])
    db.session.commit()
    live = LiveServer(database_url, workers=4)
    live.start()
    yield live
    live.stop()
    # Shown by pytest when the test failed: the server's own log.
    print(live.output[-5000:])


def tokens_for(users):
    tokens = [issue_token(user, 1)[0] for user in users]
    db.session.commit()
    return tokens


def race(url, requests_):
    """Send every (token, body) at the same moment from its own thread; return the replies."""
    barrier = threading.Barrier(len(requests_))
    replies = [None] * len(requests_)

    def one(i, token, body):
        session = requests.Session()
        barrier.wait()
        reply = session.post(url + "/api/v1/bookings", json=body, timeout=120,
                             headers={"Authorization": f"Bearer {token}"})
        replies[i] = (reply.status_code, reply.json())

    threads = [threading.Thread(target=one, args=(i, t, b)) for i, (t, b) in enumerate(requests_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    db.session.rollback()  # end the test's read snapshot so it sees what the server committed
    return replies


def slot():
    day = local_today() + timedelta(days=1)
    start = at(day, "10:00")
    return start.isoformat(), (start + timedelta(minutes=30)).isoformat()


def test_many_residents_one_seat_one_winner(server, create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    residents = [create_user("resident") for _ in range(CLIENTS)]
    start, end = slot()
    body = {"seat_id": seat.id, "start": start, "end": end}
    replies = race(server.url, [(t, body) for t in tokens_for(residents)])
    statuses = sorted(code for code, _ in replies)
    assert statuses.count(201) == 1, replies
    assert statuses.count(409) == CLIENTS - 1, replies
    assert {body["error"] for code, body in replies if code == 409} == {"seat_taken"}
    count = db.session.scalar(select(func.count(Booking.id)).where(Booking.seat_id == seat.id))
    assert count == 1


def test_one_resident_many_seats_one_booking(server, create_seat, create_user):
    seats = [create_seat("cycow", f"PC-{i:02d}") for i in range(1, CLIENTS + 1)]
    resident = create_user("resident")
    token = tokens_for([resident])[0]
    start, end = slot()
    replies = race(server.url, [(token, {"seat_id": s.id, "start": start, "end": end})
                                for s in seats])
    statuses = sorted(code for code, _ in replies)
    assert statuses.count(201) == 1, replies
    assert statuses.count(409) == CLIENTS - 1, replies
    assert {body["error"] for code, body in replies if code == 409} == {"overlapping_booking"}
    count = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.resident_id == resident.id))
    assert count == 1


def test_any_free_seat_fills_every_seat_once(server, create_seat, create_user):
    seats = [create_seat("cycow", f"PC-{i:02d}") for i in range(1, 6)]
    residents = [create_user("resident") for _ in range(40)]
    start, end = slot()
    body = {"site": "cycow", "start": start, "end": end}
    replies = race(server.url, [(t, body) for t in tokens_for(residents)])
    statuses = sorted(code for code, _ in replies)
    assert statuses.count(201) == len(seats), replies
    assert statuses.count(409) == len(residents) - len(seats), replies
    assert {body["error"] for code, body in replies if code == 409} == {"no_free_seat"}
    booked = db.session.scalars(select(Booking.seat_id)).all()
    assert sorted(booked) == sorted(s.id for s in seats)
