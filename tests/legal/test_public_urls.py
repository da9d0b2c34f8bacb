"""Absolute links and calendar UIDs come from PUBLIC_BASE_URL, never the Host header."""
import re
from datetime import timedelta

import pytest

from telecentre.common.time import utcnow
from tests.conftest import Auth

EVIL = "attacker.example"


def _same_session_at(client, host):
    """Send the signed-in session's cookie to ``host`` too (requests below claim that Host)."""
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value, domain=host)


def test_feed_url_and_uids_ignore_the_host_header(make_app, create_seat, create_user,
                                                  create_booking, login):
    app = make_app(PUBLIC_BASE_URL="https://telecentrum.powiat.example")
    client = app.test_client()
    resident = create_user("resident")
    booking = create_booking(create_seat("cycow", "PC-01"), resident,
                             utcnow() + timedelta(days=1))
    login(client, resident)
    _same_session_at(client, EVIL)
    reply = client.get("/bookings", environ_overrides={"HTTP_HOST": EVIL})
    assert reply.status_code == 200, reply.status_code
    page = reply.get_data(True)
    url = re.search(r'id="feed"[^>]*value="([^"]+)"', page).group(1)
    assert url.startswith("https://telecentrum.powiat.example/calendar/")
    api = client.get("/api/v1/calendar-feed",
                     environ_overrides={"HTTP_HOST": EVIL}).get_json()
    assert api["url"].startswith("https://telecentrum.powiat.example/calendar/")
    ics = client.get(f"/bookings/{booking.id}.ics",
                     environ_overrides={"HTTP_HOST": EVIL}).get_data(True)
    assert f"UID:booking-{booking.id}@telecentrum.powiat.example" in ics
    assert EVIL not in ics and EVIL not in page


@pytest.mark.parametrize("value", ["telecentrum.example", "ftp://x.example", "https://",
                                   "https://x.example/?a=1"])
def test_a_bad_public_base_url_is_refused_at_start(make_app, value):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        make_app(PUBLIC_BASE_URL=value)


def test_agent_page_shows_the_public_address(make_app, create_user):
    app = make_app(PUBLIC_BASE_URL="https://telecentrum.powiat.example")
    client = app.test_client()
    auth = Auth(client)
    auth.login(create_user("it"))
    token = auth.csrf_token("/it/agents/")
    _same_session_at(client, EVIL)
    page = client.post("/it/agents/enrollment-tokens", environ_overrides={"HTTP_HOST": EVIL},
                       data={"site": "cycow", "hours": "1", "csrf_token": token}).get_data(True)
    assert "--enrollment-token" in page
    assert "https://telecentrum.powiat.example" in page and EVIL not in page
