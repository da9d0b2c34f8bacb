"""Failed sign-ins are limited per account as well as per address, exactly, under bursts."""
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import PASSWORD, Auth

LIMIT = 5


def _app(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1000 per hour",
                    RATELIMIT_TOKEN="1000 per hour", RATELIMIT_LOGIN_ACCOUNT=f"{LIMIT} per hour")


def test_burst_of_wrong_passwords_is_cut_at_the_limit_exactly(make_app, app, create_user):
    create_user("resident", login="anna")
    create_user("resident", login="bartek")
    limited = _app(make_app)

    def attempt(index):
        client = limited.test_client()
        reply = client.post("/api/v1/auth/token", json={"login": "anna", "password": "wrong!!"},
                            environ_base={"REMOTE_ADDR": f"10.1.0.{index + 1}"})
        return reply.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(attempt, range(LIMIT + 7)))
    assert sorted(statuses) == [401] * LIMIT + [429] * 7
    # Locked: even the right password, from yet another address, on the web form too.
    client = limited.test_client()
    right = client.post("/api/v1/auth/token", json={"login": "anna", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert right.status_code == 429 and right.get_json()["error"] == "account_locked"
    web = Auth(limited.test_client()).login("anna")
    assert web.status_code == 429
    # Another account is not affected, and right passwords cost nothing.
    for _ in range(LIMIT + 2):
        ok = client.post("/api/v1/auth/token", json={"login": "bartek", "password": PASSWORD})
        assert ok.status_code == 201
