"""End to end in Debian's chromium: a real agent process against a real server process.

The attendant signs in, sees the session a resident started at the PC (card +
PIN typed into the agent) appear on the room map, extends it and ends it with
the map's buttons; the agent really gets the commands (its own events say
so). Then the attendant starts a walk-in from the console and the agent's
session is the very record the console created (same local id, the resident
kept). Screenshots go to ``test-artifacts/``.
"""
import functools
import json
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from telecentre import create_app
from telecentre.extensions import db
from tests.agent_api.server_process import ServerProcess, run_in_app
from tests.conftest import PASSWORD
from tests.browser import browser_context, check_accessibility, screenshot, sign_in
from tests.console.browser import free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from agent_process import AgentProcess  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CARD, PIN = "7000000001", "4321"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``telecentre serve`` (gunicorn, 2 workers) on its own SQLite database; heartbeats 1 s."""
    workdir = tmp_path_factory.mktemp("console-e2e")
    server = ServerProcess(workdir, free_port(21100), HEARTBEAT_SECONDS=1)
    server.cli("init")
    server.cli("sites", "hours", "cycow", "mon-sun 00:00-24:00")
    server.app = create_app({"DATABASE_URL": server.env["TELECENTRE_DATABASE_URL"],
                             "SECRET_KEY": server.env["TELECENTRE_SECRET_KEY"],
                             "SECRETS_KEY_FILE": server.env["TELECENTRE_SECRETS_KEY_FILE"],
                             "TESTING": True})
    with server.app.app_context():
        from telecentre.auth.models import User
        from telecentre.auth.passwords import hash_secret
        from telecentre.common.time import local_today
        from telecentre.seats.services import add_seat
        from telecentre.sites.services import add_exception, get_site
        site = get_site("cycow")
        for day in (local_today(), local_today() + timedelta(days=1)):  # public holidays too
            add_exception(None, site, day, "00:00-24:00", "tests")
        add_seat(None, site, "E2E-PC")
        db.session.add(User(login="att-e2e", display_name="Att E2E", role="attendant",
                            site=site, password_hash=hash_secret(PASSWORD)))
        db.session.add(User(login="ewa", display_name="Ewa Wiśniewska", role="resident",
                            site=site, card_number=CARD, pin_hash=hash_secret(PIN)))
        db.session.commit()
        db.session.remove()
    server.start()
    yield server
    server.kill()
    server.log.close()


@pytest.fixture
def data(server):
    """Run ``func()`` against the server's database and return its result."""
    return functools.partial(run_in_app, server.app)


@pytest.fixture
def agent(server, tmp_path):
    token = server.cli("agents", "enrollment-token", "cycow").strip()
    process = AgentProcess(server.url, tmp_path / "agent", token=token,
                           extra=["--seat-name", "E2E-PC"])
    process.wait_for("enrolled")
    process.wait_for("online")
    yield process
    if process.proc.poll() is None:
        process.stop()
    for pipe in (process.proc.stdin, process.proc.stdout, process.proc.stderr):
        pipe.close()


@pytest.fixture
def page(server):
    gen = browser_context(locale="pl-PL", viewport={"width": 1280, "height": 900})
    context = next(gen)
    yield context.new_page()
    next(gen, None)


def _running(data):
    def query():
        from telecentre.sessions.models import UsageSession
        rows = db.session.scalars(select(UsageSession).where(UsageSession.ended_at.is_(None)))
        return [{"id": s.id, "local_id": s.local_id, "user": s.user.login if s.user else None,
                 "minutes": s.minutes_granted, "kind": s.kind} for s in rows]
    return data(query)


def _wait(condition, what, timeout=40.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.25)
    return value


def test_session_at_the_pc_appears_on_the_map_then_extend_and_end(server, data, agent, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    sign_in(page, server.url, "att-e2e", PASSWORD)
    page.goto(f"{server.url}/console/cycow")
    seat_id = data(lambda: __import__("telecentre.seats.services", fromlist=["x"])
                   .list_seats(__import__("telecentre.sites.services", fromlist=["x"])
                               .get_site("cycow"))[0].id)
    tile = page.locator(f"#seat-{seat_id}")
    expect(tile).to_have_attribute("data-state", "free", timeout=20000)

    agent.send(f"{CARD} {PIN}")  # the resident signs in at the PC
    started = agent.wait_for("session_started")
    [usage] = _running(data)
    assert usage["user"] == "ewa" and usage["local_id"] == started["local_id"]
    # The map shows it without a reload (the page polls every few seconds).
    expect(tile).to_have_attribute("data-state", "in_use", timeout=20000)
    expect(tile).to_contain_text("Ewa Wiśniewska")
    granted = usage["minutes"]
    screenshot(page, "console-map-real-agent")
    check_accessibility(page, "console with a real session")

    tile.get_by_role("button", name=re.compile(r"\+15")).click()
    agent.wait_for("session_extended", minutes=15)
    _wait(lambda: _running(data)[0]["minutes"] == granted + 15, "15 more minutes recorded")
    expect(tile).to_contain_text(re.compile(rf"\b({granted + 14}|{granted + 15})\b"),
                                 timeout=20000)

    page.locator(f"#seat-{seat_id}").get_by_role("button", name=re.compile("Zakończ|End")).click()
    page.locator("form.form button.danger").click()  # the confirmation step
    ended = agent.wait_for("session_ended")
    assert ended["reason"] == "ended_by_staff"
    _wait(lambda: _running(data) == [], "the session is closed on the server")
    expect(page.locator(f"#seat-{seat_id}")).to_have_attribute("data-state", "free",
                                                                timeout=20000)


def test_walk_in_from_the_console_unlocks_the_pc(server, data, agent, page):
    expect = pytest.importorskip("playwright.sync_api").expect
    sign_in(page, server.url, "att-e2e", PASSWORD)
    page.goto(f"{server.url}/console/cycow")
    tile = page.locator(".tile", has_text="E2E-PC")
    expect(tile).to_have_attribute("data-state", "free", timeout=30000)
    tile.get_by_role("link", name=re.compile("Walk-in|Bez rezerwacji|Sesja")).click()
    page.fill("#q", "Wiśniewska")
    page.locator("main form[role=search] button[type=submit]").click()
    page.locator("main .results").get_by_role("button", name=re.compile("E2E-PC")).click()
    started = agent.wait_for("session_started")
    [usage] = _running(data)
    # The agent runs the console's own record: same local id, the resident and kind kept.
    assert started["local_id"] == usage["local_id"]
    assert usage["user"] == "ewa" and usage["kind"] == "walk_in"
    time.sleep(2)  # a few heartbeats: the agent's events must not replace the record
    [again] = _running(data)
    assert again["id"] == usage["id"]
    page.goto(f"{server.url}/console/cycow")
    expect(page.locator(".tile", has_text="E2E-PC")).to_have_attribute("data-state", "in_use")
    page.locator(".tile", has_text="E2E-PC").get_by_role(
        "button", name=re.compile("Zakończ|End")).click()
    page.locator("form.form button.danger").click()  # the confirmation step
    agent.wait_for("session_ended")
    _wait(lambda: _running(data) == [], "the session is closed on the server")
    events = json.dumps(agent.events)
    assert "ended_by_staff" in events
