"""The run page in Debian's chromium: live progress arrives without reloading.

An admin runs a slow ad-hoc command through the confirmation step; the run
page shows the host as queued or running and its script polls the API until
the output and the exit code appear.
"""
from __future__ import annotations


import pytest

from tests.browser import browser_context, served
from tests.conftest import PASSWORD


pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(app, live_worker):
    """Serve the app on 127.0.0.1 in a thread (tasks run by the live worker)."""
    with served(app) as url:
        yield url


@pytest.fixture
def page():
    for context in browser_context(locale="en-GB"):
        yield context.new_page()


def test_run_page_shows_live_progress(live_url, page, reachable_seat, admin, adhoc_on):
    seat = reachable_seat(name="PC-LIVE")
    page.goto(f"{live_url}/login")
    page.fill("#login", admin.login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{live_url}/")
    adhoc_on(admin)  # signed in: now with two-step sign-in, and ad-hoc commands turned on
    page.goto(f"{live_url}/it/remote/adhoc")
    page.fill("#command", "echo started; sleep 3; echo finished-here")
    page.check(f"input[name=seat_ids][value='{seat.id}']")
    page.click("text=Check before running")
    assert "echo started; sleep 3" in page.inner_text("pre")
    page.click("button[name=confirmed]")
    page.wait_for_url("**/it/remote/runs/*")
    row = page.locator("tr:has-text('PC-LIVE')")
    first_status = row.locator(".status").inner_text()
    assert first_status in ("queued", "running")  # the command sleeps for 3 s
    # The security policy forbids eval, so wait with a locator, not a JS predicate.
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect(page.locator("#run-status")).to_have_text("finished", timeout=30000)
    assert row.locator(".status").inner_text() == "done"
    assert row.locator(".exit").inner_text() == "0"
    assert "finished-here" in row.locator(".output").inner_text()
