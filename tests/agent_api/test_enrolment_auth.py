"""Enrolment tokens, binding to seats, the agent's secret, rotation and revocation."""

from datetime import timedelta

from sqlalchemy import func, select

from telecentre.agent_api.models import Agent
from telecentre.agent_api.services import new_enrollment_token, revoke
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat

HEARTBEAT = {
    "state": "locked",
    "session": None,
    "health": {},
    "version": "1.0.0",
    "outbox_pending": 0,
    "rotate_secret": False,
}


def _body(token, **fields):
    return {
        "token": token,
        "seat_name": None,
        "kind": "pc",
        "hostname": "pc-7",
        "os": "linux",
        "version": "1.0.0",
        "ssh_host_key": None,
        "mac": None,
        **fields,
    }


def test_a_token_enrols_once_and_only_before_it_expires(client, open_site):
    token = new_enrollment_token(None, open_site, utcnow())
    old = new_enrollment_token(None, open_site, utcnow() - timedelta(hours=30))
    db.session.commit()
    first = client.post("/api/v1/agent/enroll", json=_body(token))
    assert first.status_code == 201
    body = first.get_json()
    assert len(body["secret"]) == 43 and body["site"] == {
        "slug": "cycow",
        "name": "Urząd Gminy Cyców",
    }
    assert body["seat"]["name"] == "pc-7"
    again = client.post("/api/v1/agent/enroll", json=_body(token, hostname="pc-8"))
    expired = client.post("/api/v1/agent/enroll", json=_body(old))
    unknown = client.post("/api/v1/agent/enroll", json=_body("nope"))
    for reply in (again, expired, unknown):
        assert reply.status_code == 403 and reply.get_json()["error"] == "invalid_token"
    assert len({r.get_json()["message"] for r in (again, expired, unknown)}) == 1
    agent = db.session.get(Agent, body["agent_id"])
    assert agent.secret_hash != body["secret"] and body["secret"] not in agent.secret_hash


def test_binding_to_an_existing_seat_revokes_its_previous_agent(enroll, create_seat, open_site):
    seat = create_seat(open_site, name="PC-03")
    first, _ = enroll(seat_name="PC-03")
    second, _ = enroll(seat_name="PC-03")
    assert first["seat"]["id"] == second["seat"]["id"] == seat.id
    assert db.session.get(Agent, first["agent_id"]).revoked_at is not None
    assert db.session.get(Agent, second["agent_id"]).revoked_at is None
    clash, _ = enroll(hostname="PC-03")  # a new seat, named after the host but not taken twice
    assert clash["seat"]["name"] == "PC-03-2"
    assert db.session.scalar(select(func.count(Seat.id)).where(Seat.site_id == open_site.id)) == 2


def test_bad_enrolment_bodies_are_named_and_change_nothing(client, open_site):
    token = new_enrollment_token(None, open_site, utcnow())
    db.session.commit()
    reply = client.post("/api/v1/agent/enroll", json=_body(token, kind="tablet", mac="zz"))
    assert reply.status_code == 422
    assert set(reply.get_json()["details"]["fields"]) == {"kind", "mac"}
    assert client.post("/api/v1/agent/enroll", data="x").status_code == 400
    assert client.post("/api/v1/agent/enroll", json=_body(token)).status_code == 201  # still unused


def test_requests_need_the_agents_own_secret(client, enroll, create_user):
    body, headers = enroll()
    assert (
        client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers).status_code == 200
    )
    for header in (
        "",
        "Bearer " + body["agent_id"],
        f"Bearer {body['agent_id']}.wrong",
        f"Basic {body['agent_id']}.{body['secret']}",
    ):
        reply = client.post(
            "/api/v1/agent/heartbeat", json=HEARTBEAT, headers={"Authorization": header}
        )
        assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"


def test_a_revoked_agent_is_told_so(client, enroll):
    body, headers = enroll()
    revoke(None, db.session.get(Agent, body["agent_id"]), utcnow(), "stolen")
    db.session.commit()
    reply = client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers)
    assert reply.status_code == 403 and reply.get_json()["error"] == "revoked"
    assert reply.get_json()["message"]


def test_rotation_keeps_the_old_secret_until_the_new_one_is_used(client, enroll):
    body, old = enroll()
    reply = client.post(
        "/api/v1/agent/heartbeat", json=dict(HEARTBEAT, rotate_secret=True), headers=old
    )
    new_secret = reply.get_json()["new_secret"]
    new = {"Authorization": f"Bearer {body['agent_id']}.{new_secret}"}
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=old).status_code == 200
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=new).status_code == 200
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=old).status_code == 401
    assert (
        "new_secret"
        not in client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=new).get_json()
    )


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for name in ("enroll", "heartbeat", "unlock", "events"):
        assert "post" in paths[f"/api/v1/agent/{name}"]
    assert paths["/api/v1/agent/heartbeat"]["post"]["security"] == [{"agent": []}]
