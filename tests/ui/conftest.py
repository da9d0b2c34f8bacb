"""Fixtures of the browser tests of the whole interface: one real server process
(``telecentre serve``) and one chromium per module, and a seeded county to look at."""
from datetime import timedelta

import pytest

from telecentre.common.db import begin_write
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from tests.booking.liveserver import LiveServer
from tests.browser import browser
from tests.conftest import SECRET_KEY

PORTS = range(5400, 5450)  # this branch's range
OWN = "cycow"


@pytest.fixture(scope="module")
def live(database_url, tmp_path_factory):
    """``telecentre serve`` (gunicorn, 2 workers) on the tests' database, with the tests'
    secret key (signed values such as calendar feed addresses are made by the tests)."""
    server = LiveServer(database_url, workers=2, ports=PORTS, secret_key=SECRET_KEY,
                        env={"TELECENTRE_SESSION_LOG_ENABLED": "true",  # its pages too
                             "TELECENTRE_RECORDS_SIGNING_KEY_FILE": str(
                                 tmp_path_factory.mktemp("records") / "signing.pem")})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium for the module; each test opens its own contexts."""
    yield from browser()


@pytest.fixture
def fresh(app):
    """Return ``fresh()``: end the test's read snapshot and start writing (a live server
    writes between the test's own steps)."""
    def start():
        db.session.rollback()
        begin_write(db.session)
    return start


@pytest.fixture
def county(app, create_seat, create_user, create_booking, create_device, create_alert,
           create_agent):
    """Seed Cyców with a room worth looking at; return ``county(lang)`` → a dict of the rows.

    Cyców is open around the clock (tests must not depend on the hour). Its room has a
    free seat, one in use by a resident, one accessible with no agent enrolled yet, one
    booked later today (PC-11 and PC-14 have agents heard from just now); the
    accounts (one per role, speaking ``lang``), a device with an open alert.
    """
    from telecentre.sessions.models import UsageSession
    from telecentre.sites.services import add_exception, get_site, set_hours

    def make(lang="pl"):
        site = get_site(OWN)
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        for day in (local_today(), local_today() + timedelta(days=1)):  # public holidays too
            add_exception(None, site, day, "00:00-24:00", "tests")
        db.session.commit()
        users = {role: create_user(role, site=OWN if role == "attendant" else None,
                                   login=f"ui-{role}", locale=lang)
                 for role in ("resident", "attendant", "it", "admin")}
        users["resident"].display_name = "Anna Kowalska"
        users["admin"].records_access = True  # named for the session log
        seats = {name: create_seat(OWN, name, accessible=(name == "PC-13"))
                 for name in ("PC-11", "PC-12", "PC-13", "PC-14")}
        for name in ("PC-11", "PC-14"):
            create_agent(seats[name])
        now = utcnow()
        usage = UsageSession(site_id=site.id, seat_id=seats["PC-12"].id, kind="booked",
                             user_id=users["resident"].id, started_at=now - timedelta(minutes=10),
                             minutes_granted=60)
        db.session.add(usage)
        # An ended session, so that pages show an end reason (a code until translated).
        db.session.add(UsageSession(site_id=site.id, seat_id=seats["PC-11"].id, kind="walk_in",
                                    user_id=users["resident"].id, minutes_granted=30,
                                    started_at=now - timedelta(minutes=50),
                                    ended_at=now - timedelta(minutes=20), end_reason="time_up"))
        db.session.commit()
        later = create_booking(seats["PC-14"], users["resident"],
                               now.replace(second=0, microsecond=0) + timedelta(hours=3),
                               minutes=60, code="UI2345")
        device = create_device(OWN, name="switch-cycow")
        alert = create_alert(OWN, title="Switch does not answer")
        return {"site": site, "users": users, "seats": seats, "usage": usage,
                "booking": later, "device": device, "alert": alert}

    return make
