"""In a real browser (chromium): every chart is drawn from its table, with no script errors."""

import pytest

from tests.browser import browser_context, needs_chromium, served
from tests.conftest import PASSWORD

@pytest.fixture
def live_server(app):
    with served(app) as url:
        yield url


@pytest.fixture
def page():
    for context in browser_context(locale="pl-PL"):
        yield context.new_page()


@needs_chromium
def test_charts_are_drawn_from_their_tables(history, live_server, create_user, page):
    admin = create_user("admin")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("#login", admin.login)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()
    page.goto(f"{live_server}/stats/sites/cycow?year=2026&month=6")
    charts = page.evaluate("""() => Array.from(document.querySelectorAll('canvas'))
        .map(c => { const chart = Chart.getChart(c);
                    return chart ? [c.id, chart.data.labels.length,
                                    chart.data.datasets.map(d => d.label)] : null; })""")
    assert errors == []
    assert ["months-canvas", 12, ["Sesje", "Godziny wykorzystane"]] in charts
    days = [c for c in charts if c and c[0] == "days-canvas"][0]
    assert days[1] == 30  # one point per day of June, as many as the table's rows
    hours = [c for c in charts if c and c[0] == "hours-canvas"][0]
    assert hours[1] == 9  # 08:00–15:00 open, and 16:00 used after closing
    sessions_june = page.evaluate("""() => Chart.getChart(
        document.getElementById('months-canvas')).data.datasets[0].data[5]""")
    assert sessions_june == 6
