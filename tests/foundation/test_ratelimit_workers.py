"""Rate limits hold across gunicorn workers: a real `telecentre serve --workers 3` on loopback.

N+1 sign-in attempts sent at once land on several workers (a sync worker serves
one request at a time; the JSON request lines show their pids); exactly N pass
and one gets 429, for the database storage on SQLite and PostgreSQL and for
Redis when it answers. The same log must not contain the password sent.
"""

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.agent_api.server_process import ServerProcess
from tests.foundation.test_ratelimit import REDIS_URL, redis_reachable

pytestmark = pytest.mark.slow
LIMIT = 8
PASSWORD = "not-the-password-" + uuid.uuid4().hex[:8]
PG_ADMIN = os.environ.get("TELECENTRE_TEST_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Ports for the servers this module starts (TELECENTRE_TEST_PORT moves them).
PORT = int(os.environ.get("TELECENTRE_TEST_PORT", "18640"))


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one server, dropped afterwards."""
    name = f"telecentre_limits_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc.orig}")
    yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _serve(tmp_path, port, database_url=None, **settings):
    # The per-account limit (tests/auth/test_lockout.py) is set out of the way: this test
    # counts the per-address token limit across workers.
    server = ServerProcess(tmp_path, port, database_url=database_url, workers=3,
                           RATELIMIT_TOKEN=f"{LIMIT} per hour",
                           RATELIMIT_LOGIN_ACCOUNT="1000 per hour", **settings)
    server.env.pop("TELECENTRE_LOG_FORMAT", None)  # the command's default: JSON
    server.cli("init")
    return server.start()


def _burst(server):
    """N+1 wrong sign-ins at once, then one more; return the statuses."""
    def attempt(_):
        reply = requests.post(server.url + "/api/v1/auth/token", timeout=30,
                              json={"login": "nobody", "password": PASSWORD})
        return reply.status_code

    with ThreadPoolExecutor(LIMIT + 1) as pool:
        statuses = list(pool.map(attempt, range(LIMIT + 1)))
    return statuses, attempt(None)


def _check(server, statuses, after):
    assert sorted(statuses) == [401] * LIMIT + [429], statuses
    assert after == 429
    log = (server.workdir / "server.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    token_lines = [e for e in lines if e["logger"] == "telecentre.request"
                   and e.get("path") == "/api/v1/auth/token"]
    assert len(token_lines) == LIMIT + 2
    assert len({e["pid"] for e in token_lines}) >= 2, "the requests all went to one worker"
    assert all({"request_id", "status", "duration_ms"} <= set(e) for e in token_lines)
    assert PASSWORD not in log


@pytest.fixture
def servers():
    started = []
    yield started
    for server in started:
        server.kill()
        server.log.close()


def test_sqlite_database_storage(tmp_path, servers):
    server = _serve(tmp_path, PORT)
    servers.append(server)
    server.workdir = tmp_path
    _check(server, *_burst(server))


def test_postgresql_database_storage(tmp_path, servers, postgres_url):
    server = _serve(tmp_path, PORT + 1, database_url=postgres_url)
    servers.append(server)
    server.workdir = tmp_path
    _check(server, *_burst(server))


def test_redis_storage(tmp_path, servers):
    if not redis_reachable():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    prefix = f"telecentre-test-{uuid.uuid4().hex}"
    server = _serve(tmp_path, PORT + 2, RATELIMIT_STORAGE_URI=REDIS_URL,
                    RATELIMIT_STORAGE_OPTIONS=json.dumps({"key_prefix": prefix}))
    servers.append(server)
    server.workdir = tmp_path
    try:
        _check(server, *_burst(server))
    finally:
        import redis
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
