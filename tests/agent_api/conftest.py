"""Fixtures for the agent API: an always-open site, enrolled agents and their headers."""

import pytest

from telecentre.extensions import db


@pytest.fixture
def open_site(app):
    """Cyców, open around the clock (so tests do not depend on the hour they run at)."""
    from datetime import timedelta

    from telecentre.common.time import local_today
    from telecentre.sites.services import add_exception, get_site, set_hours

    site = get_site("cycow")
    set_hours(None, site, ["mon-sun 00:00-24:00"])
    for day in (local_today(), local_today() + timedelta(days=1)):  # open on public holidays too
        add_exception(None, site, day, "00:00-24:00", "tests")
    db.session.commit()
    return site


@pytest.fixture
def enroll(app, client, open_site):
    """Enrol a machine through the API: ``enroll(seat_name=None, kind="pc")`` → (reply, headers)."""
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.common.time import utcnow

    counter = iter(range(1, 1000))

    def make(seat_name=None, kind="pc", hostname=None, site=None):
        token = new_enrollment_token(None, site or open_site, utcnow())
        db.session.commit()
        reply = client.post(
            "/api/v1/agent/enroll",
            json={
                "token": token,
                "seat_name": seat_name,
                "kind": kind,
                "hostname": hostname or f"host-{next(counter)}",
                "os": "linux",
                "version": "1.0.0",
                "ssh_host_key": None,
                "mac": "aa:bb:cc:dd:ee:01",
            },
        )
        assert reply.status_code == 201, reply.get_json()
        body = reply.get_json()
        return body, {"Authorization": f"Bearer {body['agent_id']}.{body['secret']}"}

    return make
