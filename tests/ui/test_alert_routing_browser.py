"""IT sets up an alert route and retries a failed message in real chromium against a real
server; axe-core (WCAG 2.1 A/AA) on the routes page, the route form with its error, and the
messages page. The retried message reaches a webhook receiver on loopback."""
import pytest
from sqlalchemy import select

from telecentre.alerts.models import AlertDelivery, AlertRoute
from telecentre.extensions import db
from tests.browser import check_accessibility, needs_chromium, sign_in
from tests.conftest import PASSWORD
from tests.sinks import FakeSmsGateway

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
expect = pytest.importorskip("playwright.sync_api").expect


def test_routes_and_messages_pages(live, chromium, county, fresh):
    world = county("en")
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    with FakeSmsGateway() as receiver:
        fresh()
        failed = AlertDelivery(alert_id=world["alert"].id, event="opened", channel="webhook",
                               target=receiver.url, webhook_format="slack", status="failed",
                               attempts=5, last_error="HTTP 503 Service Unavailable")
        db.session.add(failed)
        db.session.commit()
        try:
            page = context.new_page()
            sign_in(page, live.url, "ui-it", PASSWORD)
            page.goto(live.url + "/it/alert-routes")
            expect(page.locator("h1")).to_have_text("Alert routes")
            check_accessibility(page, "alert routes")

            page.get_by_role("link", name="Add a route").click()
            page.get_by_label("Name", exact=True).fill("UPS at Cyców")
            page.get_by_label("Cyców").check()
            page.get_by_label("UPS", exact=True).check()
            page.get_by_label("Least severity").select_option("critical")
            page.get_by_label("Webhook address").fill("ftp://hooks.example/x")
            page.get_by_label("Quiet hours from").fill("22:00")
            page.get_by_label("Quiet hours until").fill("07:00")
            page.get_by_role("button", name="Save the route").click()
            expect(page.locator(".flash, [role=alert]").first).to_contain_text(
                "must start with http:// or https://")
            check_accessibility(page, "route form with an error")
            page.get_by_label("Webhook address").fill("https://hooks.slack.example/T1")
            page.get_by_label("Webhook format").select_option("slack")
            page.get_by_role("button", name="Save the route").click()
            expect(page.locator("table")).to_contain_text("UPS at Cyców")
            expect(page.locator("table")).to_contain_text("22:00–07:00")
            fresh()
            route = db.session.scalar(select(AlertRoute))
            assert (route.kinds, route.min_severity, route.webhook_format) == (
                ["ups"], "critical", "slack")
            db.session.rollback()

            page.get_by_role("link", name="Messages that failed").click()
            row = page.locator("tr.delivery-failed")
            expect(row).to_contain_text("HTTP 503 Service Unavailable")
            check_accessibility(page, "failed alert messages")
            row.get_by_role("button", name="Retry now").click()
            expect(page.locator("main")).to_contain_text("The message is being sent again.")
            assert len(receiver.received) == 1
            assert "Switch does not answer" in receiver.received[0]["body"]["text"]
            page.goto(f"{live.url}/it/alerts/{world['alert'].id}")
            expect(page.locator("tr.delivery-sent")).to_have_count(1)
            check_accessibility(page, "an alert and its messages")
        finally:
            context.close()
