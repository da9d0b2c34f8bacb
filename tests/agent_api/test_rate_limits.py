"""Rate limits of the agent API: refused unlocks per agent and per seat, heartbeats, enrolment."""

import uuid

import pytest

from telecentre.extensions import db


@pytest.fixture
def limited(make_app, open_site):
    """An app with rate limits on (counted in the shared database storage) and its client."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AGENT_UNLOCK_FAILURES="3 per hour",
                   RATELIMIT_AGENT_UNLOCK="100 per hour", RATELIMIT_AGENT_HEARTBEAT="4 per hour",
                   RATELIMIT_AGENT_ENROLL="100 per hour")
    return app.test_client()


def _enroll(client, site, seat_name="PC-01"):
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.common.time import utcnow

    token = new_enrollment_token(None, site, utcnow())
    db.session.commit()
    reply = client.post("/api/v1/agent/enroll", json={
        "token": token, "seat_name": seat_name, "kind": "pc", "hostname": f"h-{uuid.uuid4()}",
        "os": "linux", "version": "1.0.0", "ssh_host_key": None, "mac": "aa:bb:cc:dd:ee:01"})
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    return {"Authorization": f"Bearer {body['agent_id']}.{body['secret']}"}


def _unlock(client, headers, **body):
    return client.post("/api/v1/agent/unlock", headers=headers,
                       json={"local_id": str(uuid.uuid4()), **body})


def test_wrong_codes_are_limited_per_agent_with_a_json_429(limited, open_site):
    headers = _enroll(limited, open_site)
    replies = [_unlock(limited, headers, method="code", code="NOPE42") for _ in range(4)]
    assert [r.status_code for r in replies] == [403, 403, 403, 429]
    last = replies[-1]
    assert last.get_json()["error"] == "too_many_requests"
    assert last.get_json()["message"].startswith("Zbyt wiele prób")  # Polish by default
    assert int(last.headers["Retry-After"]) > 0
    english = _unlock(limited, {**headers, "Accept-Language": "en"}, method="card",
                      card="123", pin="0000")
    assert english.status_code == 429
    assert english.get_json()["message"] == \
        "Too many attempts. Please wait a moment and try again."


def test_successes_do_not_count_as_failures(limited, open_site, create_seat):
    create_seat(name="K-01", kind="kiosk")
    headers = _enroll(limited, open_site, seat_name="K-01")
    for _ in range(5):  # more than the failure limit, all allowed
        reply = _unlock(limited, headers, method="kiosk")
        assert reply.status_code == 200, reply.get_json()
    assert [_unlock(limited, headers, method="card", card="1", pin="1").status_code
            for _ in range(4)] == [403, 403, 403, 429]


def test_re_enrolling_the_seat_does_not_reset_its_failures(limited, open_site):
    first = _enroll(limited, open_site)
    assert [_unlock(limited, first, method="code", code="NOPE42").status_code
            for _ in range(3)] == [403, 403, 403]
    second = _enroll(limited, open_site)  # the same seat, a new agent
    assert _unlock(limited, second, method="code", code="NOPE42").status_code == 429


def test_heartbeats_are_limited_per_agent(limited, open_site):
    headers = _enroll(limited, open_site)
    other = _enroll(limited, open_site, seat_name="PC-02")
    body = {"state": "locked"}
    codes = [limited.post("/api/v1/agent/heartbeat", headers=headers, json=body).status_code
             for _ in range(5)]
    assert codes[:4] == [200] * 4, codes
    assert codes[4] == 429
    assert limited.post("/api/v1/agent/heartbeat", headers=other, json=body).status_code == 200


def test_enrolment_is_limited_per_address(make_app, open_site):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AGENT_ENROLL="2 per hour").test_client()
    codes = [client.post("/api/v1/agent/enroll", json={"token": "x" * 20}).status_code
             for _ in range(3)]
    assert codes[2] == 429 and 429 not in codes[:2]
