"""End to end against a real snmpsim agent: CLI sweep, alert mail, acknowledge, resolve."""
import pytest
from sqlalchemy import select

from telecentre.alerts.models import Alert
from telecentre.extensions import db
from telecentre.monitoring import runtime, simdata
from telecentre.monitoring.services import save_device


@pytest.fixture
def monitored(app, site, sim_device, sim_target):
    """Cycow with a router, a UPS (on battery, scriptable) and a dead switch."""
    app.config.update(ALERT_RECIPIENTS=["it@leczna.example"], SNMP_TIMEOUT=0.5,
                      SNMP_RETRIES=1)
    runtime.shutdown()  # the next sweep builds the engine with these settings
    cycow = site("cycow")
    cycow.subnets = ["127.0.1.0/24"]
    ups_data = simdata.base("ups-cycow", "APC Smart-UPS") | simdata.ups(on_battery=True,
                                                                        charge=80, minutes=30)
    _target, set_ups = sim_device("alerting", ups_data)
    for name, kind, community, address, port in (
            ("router", "router", "router", "127.0.1.1", 1161),
            ("ups", "ups", "alerting", "127.0.1.1", 1161),
            ("switch-dead", "switch", "public", "127.0.1.250", 1199)):
        save_device(None, cycow, {"name": name, "kind": kind, "address": address,
                                  "port": port, "snmp_version": "2c", "community": community})
    db.session.commit()
    yield set_ups
    runtime.shutdown()


def _poll(runner):
    result = runner.invoke(args=["snmp", "poll", "--site", "cycow"])
    assert result.exit_code == 0, result.output
    db.session.rollback()  # see what the command committed
    return result.output


def _alerts(check):
    return list(db.session.scalars(select(Alert).where(Alert.key.like(f"%:{check}"))))


def test_alert_opens_is_acknowledged_and_resolves(monitored, runner, client, login,
                                                  create_user, mail_sink):
    set_ups = monitored
    sink = mail_sink
    out = _poll(runner)
    assert out.strip().splitlines()[-1].startswith("2/3 up")
    assert "switch-dead" in out  # listed as down
    (alert,) = _alerts("on_battery")
    assert alert.status == "open" and alert.severity == "critical"
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail["To"] == "it@leczna.example"
    assert "ups" in mail.get_payload()

    login(client, create_user("it"))
    page = client.get("/it/alerts").get_data(as_text=True)
    assert "ups" in page and f"/it/alerts/{alert.id}/acknowledge" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    reply = client.post(f"/it/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
    assert reply.status_code == 302
    db.session.refresh(alert)
    assert alert.status == "acknowledged" and alert.acknowledged_by_id

    # Power comes back: one good poll is not enough (no flapping) ...
    set_ups(simdata.base("ups-cycow", "APC Smart-UPS") | simdata.ups())
    _poll(runner)
    db.session.refresh(alert)
    assert alert.status == "acknowledged"
    # ... the second one resolves it, and IT gets told.
    _poll(runner)
    db.session.refresh(alert)
    assert alert.status == "resolved" and alert.resolved_at
    assert "Ustąpiły" in sink.messages[-1].get_payload() or \
        "Resolved" in sink.messages[-1].get_payload()
    (dead,) = _alerts("unreachable")  # two failed sweeps opened it (open_after=2)
    assert dead.status == "open"


def test_power_flickering_opens_one_alert_only(monitored, runner):
    set_ups = monitored
    mains = simdata.base("ups-cycow", "APC Smart-UPS") | simdata.ups()
    battery = simdata.base("ups-cycow", "APC Smart-UPS") | simdata.ups(on_battery=True)
    for data in (battery, mains, battery, mains, battery):
        set_ups(data)
        _poll(runner)
    alerts = _alerts("on_battery")
    assert len(alerts) == 1 and alerts[0].status == "open"


def test_pages_show_the_county_site_and_device(monitored, runner, client, login, create_user):
    _poll(runner)
    login(client, create_user("it"))
    county = client.get("/it/health").get_data(as_text=True)
    assert "site-health-red" in county  # a device is down in Cycow
    site_page = client.get("/it/health/cycow").get_data(as_text=True)
    assert "switch-dead" in site_page and "status-down" in site_page
    from telecentre.monitoring.services import find_device
    from telecentre.sites.services import get_site
    ups = find_device(get_site("cycow"), "ups")
    page = client.get(f"/it/devices/{ups.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "APC Smart-UPS" in text
    assert client.get("/it/devices/999999").status_code == 404


def test_add_device_form_refuses_an_address_outside_the_subnets(monitored, client, login,
                                                                create_user):
    login(client, create_user("it"))
    page = client.get("/it/health/cycow").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "name": "ap-1", "kind": "access_point", "address": "10.9.9.9",
            "port": "161", "snmp_version": "2c", "community": "x", "v3_auth_protocol": "SHA",
            "v3_priv_protocol": "AES"}
    reply = client.post("/it/health/cycow", data=form)
    assert reply.status_code == 422
    assert "10.9.9.9" in reply.get_data(as_text=True)
    reply = client.post("/it/health/cycow", data={**form, "address": "127.0.1.77"})
    assert reply.status_code == 302
