"""IT's agents page: enrolment tokens that really enrol, secret rotation, revocation."""
import re

from sqlalchemy import func, select

from telecentre.agent_api.models import Agent, EnrollmentToken
from telecentre.audit.models import AuditEntry
from telecentre.extensions import db
from tests.agent_api.test_heartbeat_events import HEARTBEAT
from tests.conftest import Auth

TOKEN_RE = re.compile(r"--enrollment-token (\S+) ")


def _enrol(client, token, hostname="pc-from-page"):
    return client.post("/api/v1/agent/enroll", json={
        "token": token, "seat_name": "PC-21", "kind": "pc", "hostname": hostname,
        "os": "linux", "version": "1.0.0", "ssh_host_key": None, "mac": None})


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_it_creates_a_token_shown_once_that_enrols_one_machine(app, client, login, create_user,
                                                               open_site):
    login(client, create_user("it"))
    page = client.get("/it/agents/")
    assert page.status_code == 200
    assert "Brak zarejestrowanych agentów." in page.get_data(as_text=True)  # Polish by default
    csrf = Auth(client).csrf_token("/it/agents/")
    reply = client.post("/it/agents/enrollment-tokens",
                        data={"site": "cycow", "hours": "2", "csrf_token": csrf})
    assert reply.status_code == 201
    token = TOKEN_RE.search(reply.get_data(as_text=True)).group(1)
    assert _count(EnrollmentToken) == 1
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) \
        == "agent.enrollment_token"

    enrolled = _enrol(app.test_client(), token)
    assert enrolled.status_code == 201
    assert _enrol(app.test_client(), token, "second-pc").status_code in (401, 403, 422)
    listing = client.get("/it/agents/?site=cycow").get_data(as_text=True)
    assert "pc-from-page" in listing and "PC-21" in listing
    assert token not in listing  # shown once, never again


def test_bad_token_form_changes_nothing(client, login, create_user):
    login(client, create_user("it"))
    csrf = Auth(client).csrf_token("/it/agents/")
    for data in ({"site": "cycow", "hours": "0"}, {"site": "cycow", "hours": "1000"},
                 {"site": "atlantis", "hours": "2"}, {"site": "cycow", "hours": "soon"}):
        reply = client.post("/it/agents/enrollment-tokens", data=dict(data, csrf_token=csrf))
        assert reply.status_code == 422, data
        assert 'aria-invalid="true"' in reply.get_data(as_text=True)
    assert _count(EnrollmentToken) == 0


def test_rotation_and_revocation_reach_the_agent(app, client, login, create_user, enroll):
    body, headers = enroll(seat_name="PC-31", hostname="pc-31")
    agent_client = app.test_client()
    login(client, create_user("it"))
    csrf = Auth(client).csrf_token("/it/agents/")

    assert client.post(f"/it/agents/{body['agent_id']}/rotate",
                       data={"csrf_token": csrf}).status_code == 302
    reply = agent_client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers)
    assert reply.status_code == 200 and reply.get_json().get("new_secret")

    # A revocation needs a reason; without one nothing changes.
    assert client.post(f"/it/agents/{body['agent_id']}/revoke",
                       data={"csrf_token": csrf, "reason": ""}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Agent, body["agent_id"]).revoked_at is None
    assert client.post(f"/it/agents/{body['agent_id']}/revoke",
                       data={"csrf_token": csrf, "reason": "stolen"}).status_code == 302
    reply = agent_client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers)
    assert reply.status_code == 403
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "agent.rotate_secret" in actions and "agent.revoke" in actions
    listing = client.get("/it/agents/").get_data(as_text=True)
    assert "stolen" in listing


def test_unknown_agent_is_a_404(client, login, create_user):
    login(client, create_user("it"))
    csrf = Auth(client).csrf_token("/it/agents/")
    assert client.post("/it/agents/not-an-agent/rotate",
                       data={"csrf_token": csrf}).status_code == 404
