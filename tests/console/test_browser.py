"""The console and the kiosk page in Debian's headless chromium: live updates without a
reload, screenshots, and axe-core WCAG 2.1 AA checks."""
from datetime import timedelta

import pytest

from telecentre.common.db import begin_write
from telecentre.common.time import utcnow
from telecentre.extensions import db
from tests.conftest import PASSWORD
from tests.browser import browser_context, check_accessibility, screenshot, sign_in
from tests.console.browser import serve_in_thread
from tests.console.conftest import OWN

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(app):
    url, stop = serve_in_thread(app)
    yield url
    stop()


@pytest.fixture
def context():
    yield from browser_context(locale="pl-PL", viewport={"width": 1280, "height": 900})


def test_map_updates_without_reload(live_url, context, attendant, room, start_usage):
    sync_api = pytest.importorskip("playwright.sync_api")
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/{OWN}")
    free_seat = room["seats"]["PC-04"]
    tile = page.locator(f"#seat-{free_seat.id}")
    assert tile.get_attribute("data-state") == "free"
    check_accessibility(page, "console")
    screenshot(page, "console-room-map")
    marker = page.evaluate("() => (window.__before = 'still the same page')")
    start_usage(free_seat, room["piotr"], minutes=45, ago=0)
    # The page polls every 5 s; wait with a locator (CSP forbids eval'd predicates).
    sync_api.expect(tile).to_have_attribute("data-state", "in_use", timeout=20000)
    sync_api.expect(tile).to_contain_text("Piotr Nowak")
    assert page.evaluate("() => window.__before") == marker  # no reload happened


def test_live_map_replaces_only_the_tiles_that_changed(live_url, context, attendant, room,
                                                       start_usage):
    sync_api = pytest.importorskip("playwright.sync_api")
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/{OWN}")
    changing, staying = room["seats"]["PC-04"], room["seats"]["PC-02"]
    # Mark both tiles' DOM nodes: a replaced node loses its mark.
    page.evaluate("ids => ids.forEach(id => { document.getElementById(id).liveMark = 1; })",
                  [f"seat-{changing.id}", f"seat-{staying.id}"])
    start_usage(changing, room["piotr"], minutes=45, ago=0)
    tile = page.locator(f"#seat-{changing.id}")
    sync_api.expect(tile).to_have_attribute("data-state", "in_use", timeout=20000)
    sync_api.expect(tile).to_contain_text("Piotr Nowak")
    marks = page.evaluate("ids => ids.map(id => document.getElementById(id).liveMark || 0)",
                          [f"seat-{changing.id}", f"seat-{staying.id}"])
    assert marks == [0, 1], marks  # the changed tile is new, the unchanged one untouched
    # The new tile's buttons work (their forms carry a fresh CSRF token).
    page.locator(f"#seat-{changing.id} form[action$='/end'] button").click()
    page.wait_for_load_state()
    check_accessibility(page, "console after a live change")


def test_console_pages_are_accessible(live_url, context, attendant, room):
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    for path in (f"/console/{OWN}/seats/{room['seats']['PC-01'].id}",
                 f"/console/{OWN}/sessions/{room['usage'].id}",
                 f"/console/{OWN}/bookings/{room['soon'].id}",
                 f"/console/{OWN}/residents?q=anna",
                 f"/console/{OWN}/residents/{room['anna'].id}"):
        page.goto(live_url + path)
        check_accessibility(page, path)


def test_kiosk_page(live_url, room, create_booking):
    sync_api = pytest.importorskip("playwright.sync_api")
    gen = browser_context(locale="pl-PL", viewport={"width": 1080, "height": 1920},
                          has_touch=True)
    context = next(gen)
    try:
        page = context.new_page()
        page.goto(f"{live_url}/kiosk/{OWN}")
        board = page.locator("#board")
        assert "PC-04" in board.inner_text()
        check_accessibility(page, "kiosk")
        screenshot(page, "kiosk")
        # PC-04 gets booked from now: the board drops it without a reload.
        seat = room["seats"]["PC-04"]
        db.session.rollback()
        begin_write(db.session)
        create_booking(seat, room["anna"], utcnow() - timedelta(minutes=1), minutes=30)
        sync_api.expect(board.locator(".free-seats")).not_to_contain_text("PC-04", timeout=30000)
        db.session.rollback()
    finally:
        next(gen, None)
