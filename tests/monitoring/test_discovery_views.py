"""The discovery pages: proposals accepted or ignored, scans refused with a clear message,
and a site's topology as a picture with the same links in a table."""
import re

import pytest
from sqlalchemy import func, select

from telecentre.common.crypto import encrypt
from telecentre.extensions import db
from telecentre.monitoring.discovery_models import NeighbourLink, ProposedDevice
from telecentre.monitoring.models import Device
from telecentre.monitoring.services import credentials_for
from telecentre.sites.services import get_site
from tests.conftest import Auth

SUBNET = "127.0.33.0/30"  # nothing listens there; no credentials known, so nothing is sent


@pytest.fixture
def cycow(app):
    site = get_site("cycow")
    site.subnets = [SUBNET]
    db.session.commit()
    return site


@pytest.fixture
def it_client(app, client, create_user):
    auth = Auth(client)
    assert auth.login(create_user("it", login="disc-it")).status_code == 302
    client.auth = auth
    return client


@pytest.fixture
def proposal(cycow):
    row = ProposedDevice(site_id=cycow.id, address="127.0.33.2", port=161, found_by="scan",
                         sys_name="printer-hall", sys_descr="HP LaserJet Pro M404dn",
                         sys_object_id="1.3.6.1.4.1.11.2.3.9.1", suggested_kind="printer",
                         snmp_version="2c", community_secret=encrypt("hall-comm"))
    db.session.add(row)
    db.session.commit()
    return row


def _token(client, prefix):
    page = client.get("/it/discovery").get_data(as_text=True)
    return re.search(rf'name="{prefix}-csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_it_sees_the_proposal_and_accepts_it(it_client, proposal):
    db.session.add(ProposedDevice(site_id=proposal.site_id, address="127.0.33.1",
                                  found_by="cdp", sys_name="sw-core",
                                  sys_descr="Cisco IOS Software, C2960 Software",
                                  sys_object_id="1.3.6.1.4.1.9.1.1208",
                                  suggested_kind="switch"))
    db.session.commit()
    page = it_client.get("/it/discovery", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "127.0.33.2" in page and "printer-hall" in page and "hall-comm" not in page
    # The device profile a sweep would choose, from sysObjectID and sysDescr.
    assert "Device profile: Cisco IOS / IOS-XE" in page
    prefix = f"p{proposal.id}"
    reply = it_client.post("/it/discovery/decide", data={
        "proposal": proposal.id, "decision": "accept", f"{prefix}-csrf_token": _token(
            it_client, prefix), f"{prefix}-name": "printer-hall", f"{prefix}-kind": "printer"})
    assert reply.status_code == 302
    device = db.session.scalar(select(Device).where(Device.address == "127.0.33.2"))
    assert (device.name, device.kind, device.site.slug) == ("printer-hall", "printer", "cycow")
    assert credentials_for(device).community == "hall-comm"
    page = it_client.get("/it/discovery").get_data(as_text=True)
    assert "127.0.33.2" not in page and "127.0.33.1" in page


def test_ignored_proposal_leaves_the_list(it_client, proposal):
    prefix = f"p{proposal.id}"
    reply = it_client.post("/it/discovery/decide", data={
        "proposal": proposal.id, "decision": "ignore",
        f"{prefix}-csrf_token": _token(it_client, prefix)})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProposedDevice, proposal.id).status == "ignored"
    assert db.session.scalar(select(func.count(Device.id))) == 0
    # Deciding again is refused clearly (the proposal is no longer waiting).
    reply = it_client.post("/it/discovery/decide", data={
        "proposal": proposal.id, "decision": "accept",
        f"{prefix}-csrf_token": it_client.auth.csrf_token("/it/discovery")})
    assert reply.status_code == 422


def test_accept_without_credentials_asks_for_a_community(it_client, proposal):
    proposal.snmp_version = proposal.community_secret = None
    db.session.commit()
    prefix = f"p{proposal.id}"
    reply = it_client.post("/it/discovery/decide", headers={"Accept-Language": "pl"}, data={
        "proposal": proposal.id, "decision": "accept",
        f"{prefix}-csrf_token": _token(it_client, prefix), f"{prefix}-kind": "printer"})
    assert reply.status_code == 422
    assert "community" in reply.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Device.id))) == 0


def test_too_large_a_scan_is_refused_in_polish(it_client, cycow):
    prefix = f"s{cycow.id}"
    reply = it_client.post(f"/it/discovery/{cycow.slug}/scan", headers={
        "Accept-Language": "pl"}, data={f"{prefix}-csrf_token": _token(it_client, prefix),
                                        f"{prefix}-ranges": "127.0.0.0/16"})
    assert reply.status_code == 422
    assert "za duży" in reply.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProposedDevice.id))) == 0


def test_scan_now_runs_on_the_task_queue(it_client, cycow):
    prefix = f"s{cycow.id}"
    reply = it_client.post(f"/it/discovery/{cycow.slug}/scan", data={
        f"{prefix}-csrf_token": _token(it_client, prefix), f"{prefix}-ranges": ""})
    assert reply.status_code == 302
    page = it_client.get("/it/discovery", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert SUBNET in page and "Nothing proposed right now." in page


def test_topology_shows_a_picture_and_a_table_of_the_same_links(it_client, cycow,
                                                               create_device):
    core = create_device(cycow, name="sw-core", address="127.0.33.1")
    floor = create_device(cycow, name="sw-floor", address="127.0.33.2")
    db.session.add_all([
        NeighbourLink(site_id=cycow.id, device_id=core.id, protocol="lldp", local_port="Gi0/1",
                      neighbour_name="sw-floor", neighbour_address="127.0.33.2",
                      neighbour_port="ge-0/0/1", neighbour_device_id=floor.id),
        NeighbourLink(site_id=cycow.id, device_id=floor.id, protocol="cdp",
                      local_port="ge-0/0/1", neighbour_name="sw-core", neighbour_port="Gi0/1",
                      neighbour_device_id=core.id),
        NeighbourLink(site_id=cycow.id, device_id=core.id, protocol="lldp", local_port="Gi0/9",
                      neighbour_name="<ap-hall>", neighbour_port="eth0")])
    db.session.commit()
    page = it_client.get(f"/it/health/{cycow.slug}/topology",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<svg' in page and 'role="img"' in page
    assert page.count("<line ") == 2  # core–floor once (both ends say so), core–ap-hall
    assert "&lt;ap-hall&gt;" in page and "<ap-hall>" not in page
    assert "LLDP neighbour" in page and "CDP neighbour" in page and "Gi0/9" in page


def test_cli_scan_refuses_a_range_outside_the_site_and_scans_inside(app, cycow):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["snmp", "scan", "cycow", "10.0.0.0/24"])
    assert refused.exit_code != 0 and "10.0.0.0/24" in refused.output
    done = runner.invoke(args=["snmp", "scan", "cycow"])  # no credentials known: no probe
    assert done.exit_code == 0 and done.output.strip() == "0 probes, proposed: -"
