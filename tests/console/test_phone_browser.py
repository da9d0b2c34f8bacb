"""The console room on a 390 × 844 phone in real chromium, in every configured language: the
page itself is never wider than the phone (today's bookings scroll inside their own
labelled, keyboard-reachable box), axe-core clean, and the check-in buttons of today's
table still work without JavaScript (one form for the table, formaction per button)."""
from datetime import timedelta

import pytest

from telecentre.common.time import utcnow
from telecentre.config import Defaults
from tests.browser import browser_context, check_accessibility, screenshot, served, sign_in
from tests.conftest import PASSWORD
from tests.console.conftest import OWN, named

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
# A phone widens its layout viewport to the content: compare with the device, not innerWidth.
WIDTHS = "[document.documentElement.scrollWidth, screen.width]"


@pytest.fixture
def live_url(app):
    with served(app) as url:
        yield url


@pytest.fixture
def long_day(room, create_seat, create_user, create_booking):
    """The console room plus a busy day: long names on many bookings later today."""
    longest = named(create_user("resident", site=OWN, login="longname"),
                    "Aleksandra Wiśniewska-Grzybowska")
    now = utcnow()
    for n in range(6):
        seat = create_seat(OWN, f"Stanowisko-{n:02d}")
        create_booking(seat, longest, now + timedelta(minutes=40 + n), minutes=30)
    return room


@pytest.mark.parametrize("lang", list(Defaults.LANGUAGES))
def test_room_fits_a_phone_and_the_bookings_scroll_in_their_box(live_url, app, attendant,
                                                                 long_day, lang):
    for context in browser_context(locale=lang, **PHONE):
        page = context.new_page()
        sign_in(page, live_url, attendant.login, PASSWORD)
        page.goto(f"{live_url}/console/{OWN}")
        assert page.get_attribute("html", "lang") == lang
        width = page.evaluate(WIDTHS)
        assert width[0] <= width[1], f"the console scrolls sideways on a phone ({lang}): {width}"
        box = page.locator(".table-scroll")
        assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
        assert box.locator("table").count() == 1
        check_accessibility(page, f"console room on a phone ({lang})")
        screenshot(page, f"console-room-phone-{lang}")
        # The check-in of the booking running now (PC-03), from today's table, by the
        # table's one form: the booking is checked in and the page comes back.
        current = long_day["current"]
        button = page.locator(f"button[formaction$='/bookings/{current.id}/check-in']"
                              "[form=booking-actions]")
        button.click()
        page.wait_for_load_state()
        assert page.locator(f"button[formaction$='/bookings/{current.id}/check-in']").count() == 0
