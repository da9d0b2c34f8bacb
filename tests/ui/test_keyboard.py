"""Keyboard use that axe-core cannot judge: the skip link, a visible focus on everything
Tab reaches (WCAG 2.4.1, 2.4.7), and no keyboard trap (2.1.2) on the busiest pages."""
import pytest

from tests.browser import needs_chromium, sign_in
from tests.conftest import PASSWORD
from tests.ui.conftest import OWN

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

# What the focused element shows: its outline and its shadow (the focus ring is both).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  if (!el.dataset.tabStop) {  // number each element the first time it has the focus
    window.tabStops = (window.tabStops || 0) + 1;
    el.dataset.tabStop = String(window.tabStops);
  }
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || '').slice(0, 40),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          shadow: style.boxShadow !== 'none', seen: box.width > 0 && box.height > 0,
          key: el.dataset.tabStop};
}"""


def tab_through(page, limit=150):
    """Tab through the page from the top; return what each focused element showed."""
    seen, stops = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None or focus["key"] in seen:
            break  # back at the browser's own controls, or round to the start: no trap
        seen.add(focus["key"])
        stops.append(focus)
    return stops


def assert_focus_visible(page, url):
    page.goto(url)
    stops = tab_through(page)
    assert stops, f"{url}: nothing takes the focus"
    hidden = [s for s in stops if not (s["outline"] and s["shadow"] and s["seen"])]
    assert hidden == [], f"{url}: focus not visible on {hidden}"
    return stops


def test_skip_link_and_visible_focus(live, chromium, county):
    world = county("pl")
    context = chromium.new_context(locale="pl-PL", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live.url + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.locator(".skip-link").is_visible()  # shown when it has the focus
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        for path in ("/", "/login", "/register", "/book", f"/sites/{OWN}/book", "/rules"):
            assert_focus_visible(page, live.url + path)
        sign_in(page, live.url, world["users"]["attendant"].login, PASSWORD)
        for path in (f"/console/{OWN}", f"/console/{OWN}/seats/{world['seats']['PC-12'].id}",
                     f"/console/{OWN}/guest-passes", f"/desk/{OWN}"):
            stops = assert_focus_visible(page, live.url + path)
            assert len(stops) > 10, f"{path}: only {len(stops)} stops"
    finally:
        context.close()
