"""Browser helpers for the console tests: Debian's chromium through Playwright, axe-core,
a live server in a thread, screenshots into ``test-artifacts/``."""
import os
import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
PORTS = range(21000, 22000)  # this branch's range
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port(start: int = 21000) -> int:
    """Return a loopback port of this branch's range that nobody listens on."""
    for port in range(start, PORTS.stop):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 21000-21999")


def serve_in_thread(app):
    """Serve ``app`` on 127.0.0.1 in a thread; return (base URL, stop function)."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", free_port(21500), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


def browser_context(**options):
    """Yield a fresh Playwright browser context in Debian's chromium (skip without it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(**options)
        try:
            yield context
        finally:
            context.close()
            browser.close()


def check_accessibility(page, name: str) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page; fail with the report on any violation."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    results = axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``; return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, login: str, password: str) -> None:
    """Sign in through the login form, like a person."""
    page.goto(f"{base_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
