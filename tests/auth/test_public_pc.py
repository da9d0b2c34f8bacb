"""Short sessions for sign-ins from public PCs and kiosks."""
import uuid

import pytest

from telecentre.extensions import db
from tests.conftest import Auth

PC_ADDRESS = "10.20.1.15"      # where an enrolled agent's heartbeats come from
OFFICE_ADDRESS = "10.20.9.40"  # the attendant's own desk PC: no agent there


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _agent(seat, address):
    from telecentre.agent_api.models import Agent
    agent = Agent(id=str(uuid.uuid4()), site_id=seat.site_id, seat_id=seat.id,
                  secret_hash="0" * 64, address=address)
    db.session.add(agent)
    db.session.commit()
    return agent


def _usage(seat, now):
    from telecentre.sessions.models import UsageSession
    usage = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in",
                         started_at=now, minutes_granted=60)
    db.session.add(usage)
    db.session.commit()
    return usage


def _signed_in(client):
    return client.get("/api/v1/me").status_code == 200


@pytest.fixture
def public_seat(create_seat):
    seat = create_seat(site="cycow")
    _agent(seat, PC_ADDRESS)
    return seat


def test_public_pc_session_expires_after_the_short_idle_time(app, clock, public_seat,
                                                              create_user):
    resident = create_user("resident")
    client = _client(app, PC_ADDRESS)
    assert Auth(client).login(resident).status_code == 302
    clock.advance(minutes=4)
    assert _signed_in(client)
    clock.advance(minutes=4)  # 4 min since the last request: still within 5
    assert _signed_in(client)
    clock.advance(minutes=5, seconds=1)
    assert not _signed_in(client)


def test_office_address_keeps_the_normal_idle_time(app, clock, public_seat, create_user):
    attendant = create_user("attendant", site="cycow")
    client = _client(app, OFFICE_ADDRESS)
    assert Auth(client).login(attendant).status_code == 302
    clock.advance(minutes=20)
    assert _signed_in(client)
    clock.advance(minutes=29)
    assert _signed_in(client)
    clock.advance(minutes=30, seconds=1)
    assert not _signed_in(client)


def test_staff_on_a_public_pc_gets_the_short_absolute_limit(app, clock, public_seat,
                                                             create_user):
    attendant = create_user("attendant", site="cycow")
    client = _client(app, PC_ADDRESS)
    assert Auth(client).login(attendant).status_code == 302
    for _ in range(7):  # busy, never idle: 28 minutes
        clock.advance(minutes=4)
        assert _signed_in(client)
    clock.advance(minutes=3)  # 31 minutes after signing in
    assert not _signed_in(client)


def test_public_cookie_is_never_persistent(app, public_seat, create_user):
    user = create_user("resident")
    public = _client(app, PC_ADDRESS)
    reply = Auth(public).login(user)
    cookie = reply.headers["Set-Cookie"]
    assert "Expires=" not in cookie and "Max-Age" not in cookie
    assert "Expires=" not in public.get("/api/v1/me").headers.get("Set-Cookie", "")
    office = _client(app, OFFICE_ADDRESS)
    assert "Expires=" in Auth(office).login(user).headers["Set-Cookie"]


def test_session_ends_with_the_usage_session_on_that_seat(app, clock, public_seat,
                                                           create_user):
    from telecentre.common.time import utcnow
    usage = _usage(public_seat, utcnow())
    resident = create_user("resident")
    client = _client(app, PC_ADDRESS)
    assert Auth(client).login(resident).status_code == 302
    clock.advance(minutes=1)
    assert _signed_in(client)
    usage.ended_at, usage.end_reason = utcnow(), "time_up"
    db.session.commit()
    assert not _signed_in(client)


def test_configured_networks_are_public(make_app, create_user):
    app = make_app(PUBLIC_PC_NETWORKS=["192.168.50.0/24"])
    with app.app_context():
        from telecentre.auth.public_pc import classify
        assert classify("192.168.50.7").public
        assert not classify("192.168.51.7").public
        assert not classify("not an address").public


def test_loopback_heartbeats_say_nothing_about_the_machine(app, create_seat):
    from telecentre.auth.public_pc import classify
    _agent(create_seat(), "127.0.0.1")
    assert not classify("127.0.0.1").public


def test_address_shared_by_several_agents_is_public_without_a_seat(app, create_seat):
    from telecentre.auth.public_pc import classify
    from telecentre.common.time import utcnow
    first, second = create_seat(), create_seat()
    _agent(first, "192.0.2.10")
    _agent(second, "192.0.2.10")
    _usage(first, utcnow())
    place = classify("192.0.2.10")
    assert place.public and place.usage_id is None


def test_revoked_agents_do_not_count(app, create_seat):
    from telecentre.auth.public_pc import classify
    from telecentre.common.time import utcnow
    agent = _agent(create_seat(), "10.20.1.99")
    assert classify("10.20.1.99").public
    agent.revoked_at = utcnow()
    db.session.commit()
    assert not classify("10.20.1.99").public


def test_session_that_moves_to_a_public_pc_becomes_short(app, clock, public_seat, create_user):
    user = create_user("it")
    client = _client(app, OFFICE_ADDRESS)
    assert Auth(client).login(user).status_code == 302
    client.environ_base["REMOTE_ADDR"] = PC_ADDRESS
    assert _signed_in(client)
    clock.advance(minutes=6)
    assert not _signed_in(client)


def test_bad_public_networks_are_refused_at_start(make_app):
    with pytest.raises(ValueError, match="PUBLIC_PC_NETWORKS"):
        make_app(PUBLIC_PC_NETWORKS=["10.20.1"])


def test_remember_me_is_dropped_on_a_public_pc(app, public_seat, create_user):
    from flask import session
    from flask_login import login_user
    user = create_user("resident")
    for address, remembered in ((PC_ADDRESS, False), (OFFICE_ADDRESS, True)):
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
            login_user(user, remember=True)
            assert ("_remember" in session) is remembered
            assert session.permanent is remembered
