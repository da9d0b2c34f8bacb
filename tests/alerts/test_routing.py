"""Alert routes end to end: real webhook receivers, an SMS gateway and an SMTP server on
loopback; matching, quiet hours, repeats and retries with a clock the test sets."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from telecentre.alerts.deliveries import announce, send_due
from telecentre.alerts.models import AlertDelivery
from telecentre.alerts.routing import record_events, record_repeats
from telecentre.alerts.services import resolve_alert, save_route
from telecentre.common.time import WARSAW
from telecentre.extensions import db
from tests.sinks import FakeSmsGateway, MailSink


@pytest.fixture
def create_route(app):
    """Return ``create_route(**values)``: a saved route (defaults: every alert, warning up)."""
    def make(**values):
        fields = {"name": "IT on duty", "enabled": True, "site_ids": [], "kinds": [],
                  "min_severity": "warning", "emails": [], "phones": [], "webhook_url": None,
                  "webhook_format": "json", "quiet_start": None, "quiet_end": None,
                  "critical_bypasses_quiet": True, "repeat_minutes": None,
                  "notify_resolved": True, **values}
        route = save_route(None, None, fields)
        db.session.commit()
        return route
    return make


@pytest.fixture
def receiver():
    """A webhook receiver (and SMS gateway) on 127.0.0.1 and a free port."""
    with FakeSmsGateway() as server:
        yield server


def _rows(**where):
    db.session.rollback()  # see what the tasks committed
    query = select(AlertDelivery).order_by(AlertDelivery.id)
    for name, value in where.items():
        query = query.where(getattr(AlertDelivery, name) == value)
    return list(db.session.scalars(query))


def test_webhook_bodies_per_format(app, create_route, create_alert, receiver):
    for fmt in ("json", "slack", "teams"):
        create_route(name=fmt, webhook_url=f"{receiver.url}?format={fmt}", webhook_format=fmt)
    alert = create_alert(severity="critical", title="ups-1 is running on battery",
                         details={"check": "on_battery", "device": "ups-1"})
    announce(app.config, [alert], [])  # eager queue: the task runs here
    got = {r["path"].split("format=")[1]: r["body"] for r in receiver.received}
    assert set(got) == {"json", "slack", "teams"}
    assert got["slack"] == {"text": got["slack"]["text"]}
    assert "ups-1 is running on battery" in got["slack"]["text"]
    assert got["teams"]["@type"] == "MessageCard" and "ups-1" in got["teams"]["text"]
    body = got["json"]
    assert body["event"] == "opened" and body["url"].endswith(f"/it/alerts/{alert.id}")
    assert {k: body["alert"][k] for k in ("id", "site", "severity", "status", "source")} == {
        "id": alert.id, "site": "cycow", "severity": "critical", "status": "open",
        "source": "snmp"}
    assert body["alert"]["details"]["device"] == "ups-1"
    assert all(r["headers"]["Content-Type"] == "application/json" for r in receiver.received)

    resolved = resolve_alert(alert.key)
    db.session.commit()
    announce(app.config, [], [resolved])
    last = [r["body"] for r in receiver.received[3:]]
    assert len(last) == 3 and {b.get("event") for b in last} == {"resolved", None}
    assert all(d.status == "sent" and d.attempts == 1 for d in _rows())


def test_sms_and_mail_reach_the_gateway_and_the_mail_server(app, create_route, create_alert,
                                                            receiver):
    with MailSink() as sink:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port,
                          SMS_GATEWAY_URL=receiver.url, SMS_GATEWAY_TOKEN="t0ken",
                          ALERT_RECIPIENTS=["all@leczna.example"])
        create_route(emails=["it@cycow.example"], phones=["600 100 200"])
        alert = create_alert(severity="warning", title="switch-2 does not answer SNMP")
        announce(app.config, [alert], [])
        mails = sink.wait(2)
    assert sorted(r[0] for r in sink.recipients) == ["all@leczna.example", "it@cycow.example"]
    assert all("switch-2 does not answer SNMP" in m.get_content() for m in mails)
    (sms,) = receiver.received
    assert sms["path"] == "/sms/send" and sms["headers"]["Authorization"] == "Bearer t0ken"
    assert sms["body"]["to"] == "+48600100200"
    assert sms["body"]["text"].startswith("Telecentre:") and "switch-2" in sms["body"]["text"]
    assert [d.status for d in _rows()] == ["sent"] * 3


def test_mails_due_together_go_as_one_message(app, create_route, create_alert):
    with MailSink() as sink:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port)
        create_route(emails=["it@cycow.example"])
        announce(app.config, [create_alert(title="one"), create_alert(title="two")], [])
        (mail,) = sink.wait(1)
    assert "one" in mail.get_content() and "two" in mail.get_content()
    assert [d.status for d in _rows()] == ["sent", "sent"]


def test_routes_match_by_site_kind_and_severity(app, create_route, create_alert,
                                                create_device, site):
    cycow, ups = site("cycow"), create_device(kind="ups", name="ups-1")
    routes = {
        "cycow": create_route(name="cycow", site_ids=[cycow.id], emails=["a@x.example"]),
        "ups": create_route(name="ups", kinds=["ups"], emails=["b@x.example"]),
        "critical": create_route(name="critical", min_severity="critical",
                                 emails=["c@x.example"]),
        "agents": create_route(name="agents", kinds=["agent"], min_severity="info",
                               emails=["d@x.example"]),
    }
    alerts = {
        "cycow switch warning": create_alert(site="cycow", severity="warning"),
        "ludwin ups warning": create_alert(site="ludwin", severity="warning",
                                           details={"device_id": ups.id, "check": "cpu"}),
        "ludwin switch critical": create_alert(site="ludwin", severity="critical"),
        "ludwin info": create_alert(site="ludwin", severity="info"),
    }
    rows = record_events(app.config, list(alerts.values()), [])
    told = {(a, r) for a, alert in alerts.items() for r, route in routes.items()
            if any(d.alert_id == alert.id and d.route_id == route.id for d in rows)}
    assert told == {("cycow switch warning", "cycow"), ("ludwin ups warning", "ups"),
                    ("ludwin switch critical", "critical")}


def test_quiet_hours_hold_a_warning_and_let_a_critical_through(app, create_route, create_alert,
                                                               receiver):
    create_route(name="night", webhook_url=receiver.url, webhook_format="slack",
                 quiet_start="22:00", quiet_end="07:00", critical_bypasses_quiet=True)
    night = datetime(2026, 1, 9, 23, 30, tzinfo=WARSAW)  # a Friday night, in the past
    warning, critical = create_alert(severity="warning"), create_alert(severity="critical")
    announce(app.config, [warning, critical], [], now=night)
    assert len(receiver.received) == 1  # the critical one, at once
    held = _rows(alert_id=warning.id)[0]
    assert held.status == "pending" and held.attempts == 0
    assert held.next_attempt_at == datetime(2026, 1, 10, 7, 0, tzinfo=WARSAW)
    assert send_due(app.config, now=datetime(2026, 1, 10, 6, 59, tzinfo=WARSAW)) == (0, 0)
    assert send_due(app.config, now=held.next_attempt_at) == (1, 0)
    assert len(receiver.received) == 2 and _rows(alert_id=warning.id)[0].status == "sent"


def test_quiet_hours_hold_a_critical_when_the_route_says_so(app, create_route, create_alert):
    create_route(name="strict", emails=["it@x.example"], quiet_start="22:00",
                 quiet_end="07:00", critical_bypasses_quiet=False)
    night = datetime(2026, 3, 28, 6, 30, tzinfo=WARSAW)  # inside, after midnight
    (row,) = record_events(app.config, [create_alert(severity="critical")], [], now=night)
    assert row.next_attempt_at == datetime(2026, 3, 28, 7, 0, tzinfo=WARSAW)
    day = datetime(2026, 3, 28, 12, 0, tzinfo=WARSAW)
    (row,) = record_events(app.config, [create_alert(severity="critical")], [], now=day)
    assert row.next_attempt_at == day


def test_a_still_open_alert_is_repeated_no_more_often_than_the_interval(app, create_route,
                                                                        create_alert):
    route = create_route(emails=["it@x.example"], repeat_minutes=60)
    quiet = create_route(name="no repeats", emails=["other@x.example"])
    alert = create_alert(severity="warning")
    start = alert.opened_at
    record_events(app.config, [alert], [], now=start)
    db.session.commit()
    repeats = []
    for minutes in (1, 30, 59, 60, 61, 90, 119, 120, 150):  # every sweep, say
        repeats += [(minutes, d.route_id) for d in record_repeats(start + timedelta(
            minutes=minutes))]
        db.session.commit()
    assert repeats == [(60, route.id), (120, route.id)]
    assert all(r != quiet.id for _m, r in repeats)
    alert.status = "acknowledged"  # seen by IT: no more reminders
    db.session.commit()
    assert record_repeats(start + timedelta(minutes=500)) == []


def test_a_webhook_that_fails_once_is_retried_and_ends_sent(app, create_route, create_alert,
                                                           receiver):
    create_route(webhook_url=receiver.url, webhook_format="slack")
    receiver.statuses = [500]
    announce(app.config, [create_alert()], [])
    (row,) = _rows()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1,
                                                          "HTTP 500 Internal Server Error")
    assert send_due(app.config, now=row.next_attempt_at - timedelta(seconds=1)) == (0, 0)
    assert send_due(app.config, now=row.next_attempt_at) == (1, 0)
    (row,) = _rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(receiver.received) == 2


def test_a_webhook_that_always_fails_ends_failed_shown_and_retried_by_hand(
        app, create_route, create_alert, receiver, client, login, create_user):
    app.config.update(ALERT_DELIVERY_MAX_ATTEMPTS=3, ALERT_DELIVERY_BACKOFF_SECONDS=60)
    create_route(webhook_url=receiver.url, webhook_format="json")
    receiver.status = 500
    alert = create_alert(title="router-1 does not answer SNMP")
    announce(app.config, [alert], [])
    waits = []
    for _ in range(5):
        (row,) = _rows()
        if row.status != "pending":
            break
        waits.append(row.next_attempt_at)
        send_due(app.config, now=row.next_attempt_at)
    (row,) = _rows()
    assert (row.status, row.attempts) == ("failed", 3) and len(receiver.received) == 3
    assert waits[1] - waits[0] == timedelta(seconds=120)  # backoff doubles
    assert send_due(app.config, now=row.next_attempt_at + timedelta(days=1)) == (0, 0)

    login(client, create_user("it"))
    for path in ("/it/alert-deliveries?status=failed", f"/it/alerts/{alert.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "HTTP 500 Internal Server Error" in page and f"/{row.id}/retry" in page
        # A webhook's path is its secret: lists show where it goes, not the path.
        assert receiver.url not in page and receiver.url.split("/sms")[0] + "/…" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    receiver.status = 200
    reply = client.post(f"/it/alert-deliveries/{row.id}/retry",
                        data={"csrf_token": token, "next": f"/it/alerts/{alert.id}"})
    assert reply.status_code == 302 and reply.location.endswith(f"/it/alerts/{alert.id}")
    (row,) = _rows()
    assert (row.status, row.attempts) == ("sent", 3) and len(receiver.received) == 4
    reply = client.post(f"/it/alert-deliveries/{row.id}/retry", data={"csrf_token": token},
                        follow_redirects=True)  # sent already: refused, nothing changes
    assert "sent" in reply.get_data(as_text=True) and len(receiver.received) == 4


def test_a_route_is_added_checked_edited_and_deleted(app, client, login, create_user, site):
    login(client, create_user("it", locale="en"))
    page = client.get("/it/alert-routes/new").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "name": "Cyców UPS", "enabled": "y",
            "site_ids": [str(site("cycow").id)], "kinds": ["ups"], "min_severity": "warning",
            "emails": "", "phones": "", "webhook_url": "ftp://hooks.example/x",
            "webhook_format": "slack", "quiet_start": "22:00", "quiet_end": "07:00",
            "repeat_minutes": "30", "notify_resolved": "y"}
    reply = client.post("/it/alert-routes/new", data=form)
    assert reply.status_code == 422
    assert "must start with http:// or https://" in reply.get_data(as_text=True)
    for bad in ({"webhook_url": ""}, {"emails": "not-an-address"}, {"quiet_end": ""},
                {"repeat_minutes": "1"}, {"kinds": ["teapot"]}, {"phones": "12"}):
        reply = client.post("/it/alert-routes/new", data={**form, **bad,
                                                          "webhook_url": bad.get(
                                                              "webhook_url", "")})
        assert reply.status_code in (400, 422), bad
    assert client.get("/it/alert-routes").get_data(as_text=True).count("Cyców UPS") == 0

    reply = client.post("/it/alert-routes/new", data={
        **form, "webhook_url": "https://hooks.slack.example/T1", "phones": "600100200"})
    assert reply.status_code == 302
    listing = client.get("/it/alert-routes").get_data(as_text=True)
    assert "Cyców UPS" in listing and "+48600100200" in listing and "22:00" in listing
    from telecentre.alerts.models import AlertRoute
    route = db.session.scalar(select(AlertRoute))
    assert route.kinds == ["ups"] and route.site_ids == [site("cycow").id]
    edit = client.get(f"/it/alert-routes/{route.id}").get_data(as_text=True)
    assert 'value="22:00"' in edit and "https://hooks.slack.example/T1" in edit
    reply = client.post(f"/it/alert-routes/{route.id}", data={**form, "name": "UPS",
                                                              "webhook_url": "", "emails":
                                                              "it@cycow.example"})
    assert reply.status_code == 302
    db.session.rollback()
    assert db.session.get(AlertRoute, route.id).emails == ["it@cycow.example"]
    reply = client.post(f"/it/alert-routes/{route.id}/delete", data={"csrf_token": token})
    assert reply.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(AlertRoute)) is None
    assert client.get("/it/alert-routes/999999").status_code == 404


def test_the_periodic_job_sends_repeats_and_what_was_held(app, create_route, create_alert,
                                                          receiver):
    from telecentre.jobs import load_jobs, run_job
    create_route(webhook_url=receiver.url, webhook_format="slack", repeat_minutes=30)
    alert = create_alert(title="ups-2 is running on battery")
    alert.opened_at -= timedelta(hours=1)  # opened an hour ago; nobody was told yet
    db.session.commit()
    result = run_job(app, load_jobs(app)["alerts.deliveries"])
    assert result == "1 repeats; 1 sent, 0 not sent"
    assert receiver.received[0]["body"]["text"].startswith("Nadal trwa: ")  # server language
    assert run_job(app, load_jobs(app)["alerts.deliveries"]) == "0 repeats; 0 sent, 0 not sent"


def test_a_webhook_that_never_answers_times_out_and_is_retried_later(app, create_route,
                                                                     create_alert):
    import socket
    app.config.update(ALERT_WEBHOOK_TIMEOUT_SECONDS=0.3)
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        create_route(webhook_url=f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        announce(app.config, [create_alert()], [])
    (row,) = _rows()
    assert row.status == "pending" and row.attempts == 1
    assert "timed out" in row.last_error
