"""Fixtures for the console: a room at Cyców with every seat state, and a second site."""
from datetime import timedelta

import pytest

from telecentre.common.db import begin_write
from telecentre.common.time import utcnow
from telecentre.extensions import db

OWN, OTHER = "cycow", "ludwin"


@pytest.fixture
def open_site(app):
    """Return a function that opens a site around the clock (tests must not depend on the hour)."""
    from telecentre.common.time import local_today
    from telecentre.sites.services import add_exception, get_site, set_hours

    def make(slug=OWN):
        site = get_site(slug)
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        for day in (local_today(), local_today() + timedelta(days=1)):  # public holidays too
            add_exception(None, site, day, "00:00-24:00", "tests")
        db.session.commit()
        return site

    return make


@pytest.fixture
def start_usage(app):
    """Return ``start_usage(seat, user=None, kind="walk_in", minutes=30, ago=5)``: a session."""
    from telecentre.sessions.models import UsageSession

    def make(seat, user=None, kind="walk_in", minutes=30, ago=5, ended=False):
        # A live server may have written since this session's snapshot: start afresh as a writer.
        db.session.rollback()
        begin_write(db.session)
        started = utcnow() - timedelta(minutes=ago)
        usage = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind=kind,
                             user_id=user.id if user else None, started_at=started,
                             minutes_granted=minutes,
                             ended_at=started + timedelta(minutes=1) if ended else None,
                             end_reason="time_up" if ended else None)
        db.session.add(usage)
        db.session.commit()
        return usage

    return make


@pytest.fixture
def attendant(create_user):
    """An attendant of Cyców."""
    return create_user("attendant", site=OWN, login="att-cycow")


def named(user, display_name):
    """Give ``user`` a display name (the factory derives one from the login)."""
    user.display_name = display_name
    db.session.commit()
    return user


@pytest.fixture
def room(create_seat, create_user, create_booking, start_usage, create_agent):
    """Cyców's room: one seat in each state (PC-06 has no agent). Returns a dict of the
    objects."""
    anna = named(create_user("resident", site=OWN, login="anna", card_number="1000000009"),
                 "Anna Kowalska")
    piotr = named(create_user("resident", site=OWN, login="piotr"), "Piotr Nowak")
    seats = {name: create_seat(OWN, name) for name in ("PC-01", "PC-02", "PC-03", "PC-04")}
    for name in ("PC-02", "PC-03", "PC-04"):  # PC-01's session runs without one
        create_agent(seats[name])
    seats["PC-05"] = create_seat(OWN, "PC-05", in_service=False,
                                 out_of_service_reason="Broken keyboard")
    seats["PC-06"] = create_seat(OWN, "PC-06")  # installed, no agent enrolled yet
    now = utcnow()
    usage = start_usage(seats["PC-01"], anna, minutes=30, ago=10)  # about 20 minutes left
    soon = create_booking(seats["PC-02"], piotr, now + timedelta(minutes=10), code="SOON01")
    current = create_booking(seats["PC-03"], piotr, now - timedelta(minutes=5), minutes=60,
                             code="NOW001")
    return {"anna": anna, "piotr": piotr, "seats": seats, "usage": usage, "soon": soon,
            "current": current}


@pytest.fixture
def enroll(client, open_site):
    """Enrol a machine through the agent API for a seat name; return its auth headers."""
    from telecentre.agent_api.services import new_enrollment_token

    def make(seat_name, kind="pc"):
        token = new_enrollment_token(None, open_site(OWN), utcnow())
        db.session.commit()
        reply = client.post("/api/v1/agent/enroll", json={
            "token": token, "seat_name": seat_name, "kind": kind, "hostname": seat_name.lower(),
            "os": "linux", "version": "1.0.0"})
        assert reply.status_code == 201, reply.get_json()
        body = reply.get_json()
        return {"Authorization": f"Bearer {body['agent_id']}.{body['secret']}"}

    return make
