"""Discovery in a real browser: IT accepts a proposed device and ignores another on the
proposals page, then reads the site's topology (a picture beside a table); both pages
pass axe-core in Polish, English and Ukrainian, with no id used twice."""
from pathlib import Path

import pytest
from sqlalchemy import select

from telecentre.common.crypto import encrypt
from telecentre.extensions import db
from telecentre.monitoring.discovery_models import NeighbourLink, ProposedDevice
from telecentre.monitoring.models import Device
from telecentre.sites.services import get_site
from tests.browser import check_accessibility, needs_chromium, sign_in
from tests.conftest import PASSWORD
from tests.ui.conftest import OWN

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]


@pytest.fixture
def lab(app, live, fresh, create_user, create_device):
    """Cyców with two switches linked both ways, a neighbour not monitored, two proposals
    (their communities encrypted with the live server's key, which accepting decrypts)."""
    own_key = app.config["SECRETS_KEY_FILE"]
    app.config["SECRETS_KEY_FILE"] = str(Path(live._dir.name) / "secrets.keys")
    fresh()
    site = get_site(OWN)
    site.subnets = ["10.20.3.0/24"]
    users = {lang: create_user("it", login=f"disc-it-{lang}", locale=lang)
             for lang in ("pl", "en", "uk")}
    core = create_device(site, name="sw-core", address="10.20.3.1")
    floor = create_device(site, name="sw-floor", address="10.20.3.2")
    db.session.add_all([
        NeighbourLink(site_id=site.id, device_id=core.id, protocol="lldp", local_port="Gi0/1",
                      neighbour_name="sw-floor", neighbour_address="10.20.3.2",
                      neighbour_port="ge-0/0/1", neighbour_device_id=floor.id),
        NeighbourLink(site_id=site.id, device_id=floor.id, protocol="cdp",
                      local_port="ge-0/0/1", neighbour_name="sw-core", neighbour_port="Gi0/1",
                      neighbour_device_id=core.id),
        NeighbourLink(site_id=site.id, device_id=core.id, protocol="lldp", local_port="Gi0/2",
                      neighbour_name="ap-hall", neighbour_address="10.20.3.3",
                      neighbour_port="eth0")])
    proposals = [ProposedDevice(site_id=site.id, address="10.20.3.3", found_by="lldp",
                                via_device_id=core.id, sys_name="ap-hall",
                                sys_descr="Ubiquiti UniFi U6-Lite 6.6.55",
                                suggested_kind="access_point", snmp_version="2c",
                                community_secret=encrypt("hall-comm")),
                 ProposedDevice(site_id=site.id, address="10.20.3.40", found_by="scan",
                                sys_name="kiosk-x", sys_descr="Linux 6.1.0 x86_64",
                                suggested_kind="pc", snmp_version="2c",
                                community_secret=encrypt("hall-comm"))]
    db.session.add_all(proposals)
    db.session.commit()
    yield {"users": users, "proposals": proposals}
    app.config["SECRETS_KEY_FILE"] = own_key


def test_proposals_and_topology_pages(live, chromium, lab):
    for lang, locale in (("pl", "pl-PL"), ("en", "en-GB"), ("uk", "uk-UA")):
        context = chromium.new_context(locale=locale)
        try:
            page = context.new_page()
            sign_in(page, live.url, lab["users"][lang].login, PASSWORD)
            page.goto(f"{live.url}/it/discovery")
            assert page.locator("table.proposals tbody tr").count() == 2
            check_accessibility(page, f"discovery ({lang})")
            page.goto(f"{live.url}/it/health/{OWN}/topology")
            assert page.locator("svg.topology[role=img] title").count() == 1
            assert page.locator("svg.topology line").count() == 2
            assert page.locator("table.topology-links tbody tr").count() == 3
            check_accessibility(page, f"topology ({lang})")
        finally:
            context.close()


def test_it_accepts_one_proposal_and_ignores_the_other(live, chromium, lab):
    hall, kiosk = lab["proposals"]
    context = chromium.new_context(locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, live.url, lab["users"]["en"].login, PASSWORD)
        page.goto(f"{live.url}/it/discovery")
        row = page.locator("table.proposals tbody tr", has_text="10.20.3.3")
        assert row.locator(f"#p{hall.id}-kind").input_value() == "access_point"
        row.locator(f"#p{hall.id}-name").fill("ap-hall-1")
        with page.expect_navigation():
            row.get_by_role("button", name="Accept").click()
        assert page.url == f"{live.url}/it/discovery", page.locator("main").inner_text()
        assert "ap-hall-1" in page.locator(".flash, [role=status], main").first.inner_text()
        with page.expect_navigation():
            page.locator("table.proposals tbody tr", has_text="10.20.3.40").get_by_role(
                "button", name="Ignore").click()
        assert page.url == f"{live.url}/it/discovery", page.locator("main").inner_text()
        assert page.get_by_text("Nothing proposed right now.").is_visible()
        check_accessibility(page, "discovery after decisions")
    finally:
        context.close()
    db.session.rollback()
    device = db.session.scalar(select(Device).where(Device.address == "10.20.3.3"))
    assert (device.name, device.kind) == ("ap-hall-1", "access_point")
    assert db.session.get(ProposedDevice, kiosk.id).status == "ignored"
