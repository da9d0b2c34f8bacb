"""Browser helpers shared by every browser test: Debian's chromium through Playwright,
axe-core WCAG 2.1 A/AA checks, keyboard-only moves, sign-in and screenshots.

The browser tests never download a browser: they use ``/usr/bin/chromium`` and are
skipped where it (or Playwright, or axe-playwright-python) is missing.
"""
import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WCAG = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

needs_chromium = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                    reason="needs Debian's chromium")


def launch(playwright):
    """Launch Debian's headless chromium with the project's flags (skip without it)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def browser():
    """Yield a chromium browser (for a module-scoped fixture: one browser per module)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


def browser_context(**options):
    """Yield a fresh Playwright browser context in its own chromium."""
    for chromium in browser():
        context = chromium.new_context(**options)
        try:
            yield context
        finally:
            context.close()


def axe_violations(page, disable=()):
    """Run axe-core (WCAG 2.1 A and AA) on the page; return (violations, readable report).

    ``disable`` names axe rules not to run (only for HTML fragments, whose document-level
    parts — language, title, skip link — belong to the page that shows them).
    """
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    options = dict(WCAG)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = axe().run(page, options=options)
    violations = results.response["violations"]
    return violations, results.generate_report() if violations else ""


DUPLICATE_IDS = """() => {
  const seen = {}, twice = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen[el.id]) { twice.add(el.id); } seen[el.id] = true;
  }
  return [...twice];
}"""


def duplicate_ids(page) -> list[str]:
    """Return the ids used more than once on the page (WCAG 2.1 4.1.1; axe no longer
    checks it, as WCAG 2.2 dropped the criterion, but labels and ARIA still need unique ids)."""
    return page.evaluate(DUPLICATE_IDS)


def check_accessibility(page, name: str) -> None:
    """Fail with axe-core's report when the page has any WCAG 2.1 A/AA violation."""
    violations, report = axe_violations(page)
    assert not violations, f"{name}:\n{report}"
    assert duplicate_ids(page) == [], f"{name}: ids used twice"


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (keyboard-only use)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def sign_in(page, base_url: str, login: str, password: str) -> None:
    """Sign in through the login form, like a person."""
    page.goto(f"{base_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``; return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextlib.contextmanager
def served(app):
    """Serve ``app`` (the test's own, with its settings and database) with werkzeug in a
    thread on a free loopback port the kernel picks; yields the base URL."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
