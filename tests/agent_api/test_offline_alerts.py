"""A PC whose agent goes silent while its room is open raises an alert for IT."""
from datetime import timedelta

from sqlalchemy import select, update

from telecentre.agent_api.models import Agent
from telecentre.alerts.models import Alert
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.jobs import load_jobs, run_job
from telecentre.monitoring.notify import compose
from tests.agent_api.test_heartbeat_events import HEARTBEAT


def _silence(agent_id, seconds=600):
    db.session.execute(update(Agent).where(Agent.id == agent_id)
                       .values(last_seen_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def _run(app):
    return run_job(app, load_jobs(app)["agents.mark_offline"])


def _alerts():
    db.session.expire_all()
    return db.session.scalars(select(Alert).where(Alert.source == "agent")
                              .order_by(Alert.id)).all()


def test_silent_agent_in_opening_hours_opens_an_alert_that_resolves_when_it_returns(
        app, client, enroll):
    body, headers = enroll(seat_name="PC-07")
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,
                       headers=headers).status_code == 200
    assert "0 alerts opened" in _run(app)  # heard from just now: nothing to say
    assert _alerts() == []

    _silence(body["agent_id"])
    assert _run(app) == "1 went offline; 1 alerts opened, 0 resolved"
    [alert] = _alerts()
    assert alert.status == "open" and alert.key == f"agent:{body['agent_id']}:offline"
    assert alert.details["check"] == "agent_offline" and "PC-07" in alert.title
    assert alert.site_id == db.session.get(Agent, body["agent_id"]).site_id

    assert "0 alerts opened" in _run(app)  # still silent: the same alert, not a new one
    assert len(_alerts()) == 1

    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,
                       headers=headers).status_code == 200
    assert _run(app) == "0 went offline; 0 alerts opened, 1 resolved"
    [alert] = _alerts()
    assert alert.status == "resolved" and alert.resolved_at is not None


def test_no_alert_for_a_closed_room_or_a_seat_out_of_service(app, client, enroll, open_site):
    from telecentre.sites.services import add_exception, get_site, set_hours

    closed = get_site("spiczyn")
    set_hours(None, closed, [])
    add_exception(None, closed, local_today(), None, "closed for the test")
    db.session.commit()
    night, _ = enroll(seat_name="PC-N", site=closed)
    broken, _ = enroll(seat_name="PC-B")
    seat = db.session.get(Agent, broken["agent_id"]).seat
    seat.in_service, seat.out_of_service_reason = False, "screen broken"
    db.session.commit()
    for agent_id in (night["agent_id"], broken["agent_id"]):
        _silence(agent_id)
    assert _run(app).endswith("0 alerts opened, 0 resolved")
    assert _alerts() == []


def test_the_alert_resolves_when_the_seat_is_taken_out_of_service(app, client, enroll):
    body, _ = enroll(seat_name="PC-09")
    _silence(body["agent_id"])
    _run(app)
    seat = db.session.get(Agent, body["agent_id"]).seat
    seat.in_service = False
    db.session.commit()
    assert _run(app).endswith("0 alerts opened, 1 resolved")


def test_the_mail_to_it_names_the_pc(app, client, enroll):
    body, _ = enroll(seat_name="PC-11")
    _silence(body["agent_id"])
    _run(app)
    [alert] = _alerts()
    with app.test_request_context():
        msg = compose({"ALERT_RECIPIENTS": "it@example.org"}, [alert], [])
    assert "PC-11: komputer przestał się zgłaszać" in msg.get_content()
    assert "nowe alarmy: 1" in msg["Subject"]
