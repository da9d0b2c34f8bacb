"""Editing and deleting devices (pages and services) and the device API.

Secrets are write-only everywhere: never in a page, a JSON reply or the audit
log; left blank on an edit they are kept.
"""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from telecentre.alerts.models import Alert
from telecentre.audit.models import AuditEntry
from telecentre.common.errors import InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring.models import Device, DeviceState, HourlySample, Sample
from telecentre.monitoring.services import (
    credentials_for,
    delete_device,
    save_device,
    update_device,
)
from telecentre.stats.availability import mark_up
from telecentre.stats.models import AvailabilityInterval
from tests.conftest import Auth

COMMUNITY = "s3cret-comm"
V2 = {"name": "sw-1", "kind": "switch", "address": "10.20.3.2", "port": "161",
      "snmp_version": "2c", "community": COMMUNITY}
V3 = {"name": "ups-1", "kind": "ups", "address": "10.20.3.9", "snmp_version": "3",
      "v3_user": "monitor", "v3_auth_key": "auth-key-123", "v3_priv_key": "priv-key-456"}
SECRETS = (COMMUNITY, "auth-key-123", "priv-key-456")


@pytest.fixture
def cycow(app, site):
    s = site("cycow")
    s.subnets = ["10.20.3.0/24"]
    db.session.commit()
    return s


@pytest.fixture
def sw(cycow):
    device, _created = save_device(None, cycow, V2)
    db.session.commit()
    return device


@pytest.fixture
def it_user(create_user):
    return create_user("it", login="it-admin")


@pytest.fixture
def it_headers(auth, it_user):
    return {"Authorization": f"Bearer {auth.token(it_user)}"}


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def _no_secret_in(text):
    return not any(secret in text for secret in SECRETS)


# ---------------------------------------------------------------- services

def test_edit_with_blank_secret_keeps_it_and_renames(sw, it_user):
    update_device(it_user, sw, {"name": "sw-core", "kind": "router", "community": "  "})
    db.session.commit()
    db.session.refresh(sw)
    assert (sw.name, sw.kind) == ("sw-core", "router")
    assert credentials_for(sw).community == COMMUNITY
    entry = _audit("device.update")[-1]
    assert entry.who == "it-admin"
    assert entry.details["changed"] == ["kind", "name"]
    assert _no_secret_in(json.dumps(entry.details))


def test_edit_changes_a_secret_when_given_and_audits_only_that_it_changed(sw, it_user):
    update_device(it_user, sw, {"community": "new-comm"})
    db.session.commit()
    assert credentials_for(sw).community == "new-comm"
    details = _audit("device.update")[-1].details
    assert details["changed"] == ["credentials"] and "new-comm" not in json.dumps(details)


def test_edit_outside_the_subnets_changes_nothing(sw, it_user):
    with pytest.raises(InvalidInput) as exc:
        update_device(it_user, sw, {"address": "192.168.9.9", "name": "renamed"})
    assert "192.168.9.9" in exc.value.message and "10.20.3.0/24" in exc.value.message
    db.session.rollback()
    db.session.refresh(sw)
    assert (sw.name, sw.address) == ("sw-1", "10.20.3.2")
    assert _audit("device.update") == []


def test_edit_to_a_name_already_taken_is_refused(sw, cycow, it_user):
    save_device(None, cycow, {**V2, "name": "sw-2", "address": "10.20.3.3"})
    with pytest.raises(InvalidInput) as exc:
        update_device(it_user, sw, {"name": "sw-2"})
    assert "sw-2" in exc.value.message


def test_switching_to_v3_needs_the_keys_then_keeps_them(sw, it_user):
    with pytest.raises(InvalidInput) as exc:
        update_device(it_user, sw, {"snmp_version": "3", "v3_user": "monitor"})
    assert "8" in exc.value.message  # keys of at least 8 characters
    db.session.rollback()
    update_device(it_user, sw, {"snmp_version": "3", "v3_user": "monitor",
                                "v3_auth_key": "auth-key-123", "v3_priv_key": "priv-key-456"})
    update_device(it_user, sw, {"v3_auth_key": "", "v3_priv_key": "", "port": 1161})
    db.session.commit()
    c = credentials_for(sw)
    assert (c.version, c.user, c.auth_key, c.priv_key) == ("3", "monitor", "auth-key-123",
                                                           "priv-key-456")
    assert sw.community_secret is None and sw.port == 1161


def test_a_new_address_means_discovering_again(sw, it_user):
    sw.discovered_at = utcnow()
    db.session.commit()
    update_device(it_user, sw, {"name": "sw-1b"})
    assert sw.discovered_at is not None
    update_device(it_user, sw, {"address": "10.20.3.77"})
    assert sw.discovered_at is None


def test_delete_takes_state_history_and_alerts_with_it(sw, cycow, it_user):
    now = utcnow()
    sw.state = DeviceState(status="up", metrics={"cpu_percent": 5}, alert_states={})
    db.session.add(Sample(device_id=sw.id, at=now, values={"cpu_percent": 5}))
    db.session.add(HourlySample(device_id=sw.id, hour=now.replace(minute=0, second=0,
                                                                  microsecond=0),
                                count=1, values={"cpu_percent": [5, 5, 5]}))
    mark_up("device", sw.id, cycow.id, now - timedelta(minutes=5))
    from telecentre.alerts.services import open_alert
    open_alert(f"snmp:{sw.id}:cpu", source="snmp", title="CPU", site=cycow)
    db.session.commit()
    device_id = sw.id

    delete_device(it_user, sw)
    db.session.commit()

    assert db.session.get(Device, device_id) is None
    assert db.session.get(DeviceState, device_id) is None
    for model in (Sample, HourlySample):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    alert = db.session.scalar(select(Alert).where(Alert.key == f"snmp:{device_id}:cpu"))
    assert alert.status == "resolved"
    interval = db.session.scalar(select(AvailabilityInterval))
    assert interval is not None and not interval.open
    entry = _audit("device.delete")[-1]
    assert entry.target_id == str(device_id) and entry.details["name"] == "sw-1"


# ---------------------------------------------------------------- pages

def _signed_in(client, user):
    auth = Auth(client)
    assert auth.login(user).status_code == 302
    return auth


def test_edit_page_never_shows_a_secret_and_saves(client, sw, it_user):
    auth = _signed_in(client, it_user)
    page = client.get(f"/it/devices/{sw.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="sw-1"' in html and _no_secret_in(html)
    token = auth.csrf_token(f"/it/devices/{sw.id}/edit")
    reply = client.post(f"/it/devices/{sw.id}/edit", data={
        "csrf_token": token, "name": "sw-hall", "kind": "switch", "address": "10.20.3.20",
        "port": "161", "snmp_version": "2c", "community": "", "v3_auth_protocol": "SHA",
        "v3_priv_protocol": "AES", "enabled": "y"})
    assert reply.status_code == 302, reply.get_data(as_text=True)[:800]
    db.session.refresh(sw)
    assert (sw.name, sw.address, sw.enabled) == ("sw-hall", "10.20.3.20", True)
    assert credentials_for(sw).community == COMMUNITY


def test_edit_page_refuses_an_address_outside_the_subnets_in_polish(client, sw, it_user):
    auth = _signed_in(client, it_user)
    token = auth.csrf_token(f"/it/devices/{sw.id}/edit")
    reply = client.post(f"/it/devices/{sw.id}/edit", headers={"Accept-Language": "pl"}, data={
        "csrf_token": token, "name": "sw-1", "kind": "switch", "address": "172.16.0.1",
        "port": "161", "snmp_version": "2c", "v3_auth_protocol": "SHA",
        "v3_priv_protocol": "AES", "enabled": "y"})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "172.16.0.1" in html and "10.20.3.0/24" in html and "podsieci" in html
    db.session.refresh(sw)
    assert sw.address == "10.20.3.2"


def test_delete_page_needs_the_tick(client, sw, it_user):
    auth = _signed_in(client, it_user)
    token = auth.csrf_token(f"/it/devices/{sw.id}/edit")
    reply = client.post(f"/it/devices/{sw.id}/delete", data={"csrf_token": token})
    assert reply.status_code == 422
    assert db.session.get(Device, sw.id) is not None
    device_id = sw.id
    reply = client.post(f"/it/devices/{device_id}/delete",
                        data={"csrf_token": token, "confirm": "y"})
    assert reply.status_code == 302 and reply.location.endswith("/it/health/cycow")
    db.session.expire_all()
    assert db.session.get(Device, device_id) is None
    assert client.get(f"/it/devices/{device_id}/edit").status_code == 404


def test_attendant_cannot_edit(client, sw, create_user):
    _signed_in(client, create_user("attendant", site="cycow"))
    assert client.get(f"/it/devices/{sw.id}/edit").status_code == 403


# ---------------------------------------------------------------- API

def test_api_lists_and_filters_without_secrets(client, cycow, sw, it_headers, create_device):
    save_device(None, cycow, V3)
    create_device(site="leczna", name="router-l", kind="router", address="10.9.9.1")
    everything = client.get("/api/v1/devices", headers=it_headers)
    assert everything.status_code == 200
    assert {d["name"] for d in everything.get_json()} == {"sw-1", "ups-1", "router-l"}
    assert _no_secret_in(everything.get_data(as_text=True))
    assert "community" not in everything.get_json()[0]
    at_cycow = client.get("/api/v1/devices?site=cycow", headers=it_headers).get_json()
    assert sorted(d["name"] for d in at_cycow) == ["sw-1", "ups-1"]
    ups = client.get("/api/v1/devices?site=cycow&kind=ups", headers=it_headers).get_json()
    assert [(d["name"], d["v3_user"], d["status"]) for d in ups] == [("ups-1", "monitor",
                                                                      "unknown")]
    bad = client.get("/api/v1/devices?kind=toaster", headers=it_headers)
    assert bad.status_code == 422 and "toaster" in bad.get_json()["message"]
    assert client.get("/api/v1/devices?site=atlantis", headers=it_headers).status_code == 404
    # Present but empty is refused, not ignored (found by Schemathesis).
    for query in ("kind=", "site=", "site=cy%00cow"):
        assert client.get(f"/api/v1/devices?{query}", headers=it_headers).status_code == 422


def test_api_one_device_with_last_sample_and_alerts(client, cycow, sw, it_headers):
    now = utcnow()
    sw.state = DeviceState(status="down", polled_at=now, error="timeout",
                           metrics={"cpu_percent": 97.5}, alert_states={})
    from telecentre.alerts.services import open_alert
    open_alert(f"snmp:{sw.id}:cpu", source="snmp", title="CPU", site=cycow, severity="critical",
               details={"device_id": sw.id, "device": "sw-1", "check": "cpu",
                        "metric": "cpu_percent", "value": 97.5, "limit": 90})
    db.session.commit()
    body = client.get(f"/api/v1/devices/{sw.id}", headers=it_headers).get_json()
    assert (body["status"], body["error"]) == ("down", "timeout")
    assert body["last_sample"]["metrics"] == {"cpu_percent": 97.5}
    assert [(a["check"], a["severity"], a["status"]) for a in body["alerts"]] == [
        ("cpu", "critical", "open")]
    assert "sw-1" in body["alerts"][0]["title"]
    assert client.get("/api/v1/devices/999999", headers=it_headers).status_code == 404


def test_api_create_validates_against_the_site_subnets(client, cycow, it_headers):
    body = {"site": "cycow", "name": "ap-1", "kind": "access_point", "address": "10.77.0.1",
            "community": COMMUNITY}
    reply = client.post("/api/v1/devices", json=body,
                        headers={**it_headers, "Accept-Language": "pl"})
    assert reply.status_code == 422
    assert "10.77.0.1" in reply.get_json()["message"] and "podsieci" in reply.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0
    reply = client.post("/api/v1/devices", json={**body, "address": "10.20.3.50",
                                                 "enabled": False}, headers=it_headers)
    assert reply.status_code == 201, reply.get_json()
    made = reply.get_json()
    assert (made["name"], made["site"], made["enabled"], made["status"]) == (
        "ap-1", "cycow", False, "unknown")
    assert _no_secret_in(reply.get_data(as_text=True))
    device = db.session.get(Device, made["id"])
    assert credentials_for(device).community == COMMUNITY and not device.enabled
    assert _audit("device.add")[-1].details["name"] == "ap-1"
    again = client.post("/api/v1/devices", json={**body, "address": "10.20.3.51"},
                        headers=it_headers)
    assert again.status_code == 422 and "ap-1" in again.get_json()["message"]


def test_api_bad_bodies_change_nothing(client, cycow, sw, it_headers):
    for body in ({"site": "cycow"}, {"site": "cycow", "name": "x", "kind": "switch",
                                      "address": "10.20.3.9", "password": "extra"}):
        reply = client.post("/api/v1/devices", json=body, headers=it_headers)
        assert reply.status_code == 422, body
    assert client.post("/api/v1/devices", data="not json", headers=it_headers).status_code == 400
    reply = client.patch(f"/api/v1/devices/{sw.id}", json={"site": "leczna"}, headers=it_headers)
    assert reply.status_code == 422 and "site" in reply.get_json()["message"]
    reply = client.patch(f"/api/v1/devices/{sw.id}", json={"port": 70000}, headers=it_headers)
    assert reply.status_code == 422
    db.session.refresh(sw)
    assert (sw.port, sw.site.slug) == (161, "cycow")


def test_api_patch_keeps_secrets_and_delete_removes(client, sw, it_headers):
    reply = client.patch(f"/api/v1/devices/{sw.id}", headers=it_headers,
                         json={"name": "sw-renamed", "community": "", "enabled": False})
    assert reply.status_code == 200, reply.get_json()
    assert (reply.get_json()["name"], reply.get_json()["enabled"]) == ("sw-renamed", False)
    db.session.refresh(sw)
    assert credentials_for(sw).community == COMMUNITY and not sw.enabled
    assert set(_audit("device.update")[-1].details["changed"]) == {"name", "enabled"}
    device_id = sw.id
    assert client.delete(f"/api/v1/devices/{device_id}", headers=it_headers).status_code == 204
    assert client.get(f"/api/v1/devices/{device_id}", headers=it_headers).status_code == 404
    assert client.delete(f"/api/v1/devices/{device_id}", headers=it_headers).status_code == 404


def test_api_is_for_it_only(client, sw, auth, create_user):
    for role in ("resident", "attendant"):
        headers = {"Authorization": f"Bearer {auth.token(create_user(role))}"}
        assert client.get("/api/v1/devices", headers=headers).status_code == 403
        assert client.delete(f"/api/v1/devices/{sw.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/devices").status_code == 401
    assert db.session.get(Device, sw.id) is not None


def test_openapi_documents_the_device_api_with_write_only_secrets(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/devices"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/devices/{device_id}"]) == {"get", "patch", "delete"}
    schemas = doc["components"]["schemas"]
    for secret in ("community", "v3_auth_key", "v3_priv_key"):
        assert schemas["DeviceIn"]["properties"][secret]["writeOnly"] is True
        assert secret not in schemas["DeviceOut"]["properties"]
        assert secret not in schemas["DeviceDetailOut"]["properties"]
