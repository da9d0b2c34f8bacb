"""Two-step sign-in in Debian's headless chromium, every page checked with axe-core."""
import re

import pyotp
import pytest

from tests.conftest import PASSWORD
from tests.browser import browser_context, check_accessibility, screenshot, served, sign_in

pytestmark = pytest.mark.browser

@pytest.fixture
def live_url(app):
    with served(app) as url:
        yield url


@pytest.fixture
def context():
    yield from browser_context(locale="pl-PL", viewport={"width": 1280, "height": 900})


def test_set_up_and_second_step_pages(live_url, context, create_user):
    it = create_user("it", login="it-browser")
    page = context.new_page()
    sign_in(page, live_url, it.login, PASSWORD)
    page.goto(f"{live_url}/account")
    check_accessibility(page, "account")
    page.click("text=Zarządzaj logowaniem dwuetapowym")
    check_accessibility(page, "two-step (off)")
    page.click("main button[type=submit]")
    assert page.locator("img.qr").get_attribute("src").startswith("data:image/svg+xml")
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0  # CSP let it load
    check_accessibility(page, "two-step set-up")
    screenshot(page, "two-step-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("text=Włącz logowanie dwuetapowe")
    codes = re.findall(r"[a-z2-9]{6}-[a-z2-9]{6}", page.locator("ol.recovery-codes").inner_text())
    assert len(codes) == 10
    check_accessibility(page, "recovery codes")
    page.click("text=Zapisałem(-am) kody — dalej")
    check_accessibility(page, "account (on)")
    page.click("header button:has-text('Wyloguj')")
    # Signing in again stops at the second step; a recovery code gets through.
    page.goto(f"{live_url}/login")
    page.fill("#login", it.login)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_url}/login/two-step")
    check_accessibility(page, "second step")
    page.fill("#code", "000000")
    page.click("main form >> nth=0 >> button[type=submit]")
    assert "Ten kod jest niepoprawny" in page.locator(".flashes").inner_text()
    check_accessibility(page, "second step, wrong code")
    page.fill("#recovery_code", codes[0])
    page.click("text=Zaloguj się kodem zapasowym")
    assert page.url == f"{live_url}/"
    page.goto(f"{live_url}/account/two-step")
    check_accessibility(page, "two-step (on)")
    # New recovery codes, proven with one of the old ones.
    page.fill("#renew-code", codes[1])
    page.click("text=Utwórz nowe kody zapasowe")
    fresh = re.findall(r"[a-z2-9]{6}-[a-z2-9]{6}", page.locator("ol.recovery-codes").inner_text())
    assert len(set(fresh)) == 10 and not set(fresh) & set(codes)
    check_accessibility(page, "new recovery codes")


def test_admin_users_page_with_reset_and_the_empty_second_step(live_url, context, create_user):
    from telecentre.auth import two_step
    from telecentre.extensions import db
    it = create_user("it", login="it-reset")
    two_step.begin_enrolment(it)
    db.session.commit()
    admin = create_user("admin", login="admin-browser")
    page = context.new_page()
    page.goto(f"{live_url}/login/two-step")
    check_accessibility(page, "nothing waiting")
    sign_in(page, live_url, admin.login, PASSWORD)
    page.goto(f"{live_url}/admin/users")
    check_accessibility(page, "users with reset")
    page.click("button:has-text('Resetuj')")
    assert "zostało zresetowane" in page.locator(".flashes").inner_text()
