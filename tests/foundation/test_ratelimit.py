"""The shared rate-limit storage (database, or Redis when reachable) and limits on sign-ins."""

import socket
import threading
import time
import uuid

import pytest
from limits.storage import storage_from_string
from sqlalchemy import update

from telecentre.common.ratelimit import COUNTERS, DatabaseStorage, counter_database_url


def redis_reachable() -> bool:
    """True when a Redis answers on 127.0.0.1:6379 and the client library is installed."""
    try:
        import redis  # noqa: F401
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except (ImportError, OSError):
        return False


# Database 15 and a random prefix: never touches anything else kept in that Redis.
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["database", "redis"])
def storage(request, database_url):
    """A ``limits`` storage of each kind; Redis is skipped when it does not answer."""
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("Redis does not answer on 127.0.0.1:6379")
        made = storage_from_string(REDIS_URL, key_prefix=f"telecentre-test-{uuid.uuid4().hex}")
    else:
        made = storage_from_string("database://", url=database_url)
        assert isinstance(made, DatabaseStorage)
    yield made
    made.reset()
    getattr(made, "dispose", lambda: None)()


def test_counts_expires_and_clears(storage):
    assert storage.check()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5
    assert storage.get("k") == 5 and storage.get("other") == 0
    assert time.time() < storage.get_expiry("k") <= time.time() + 60
    storage.clear("k")
    assert storage.get("k") == 0


def test_an_expired_window_starts_again(storage):
    assert storage.incr("short", 1) == 1
    assert storage.incr("short", 1) == 2
    time.sleep(1.2)
    assert storage.get("short") == 0
    assert storage.incr("short", 1) == 1


def test_concurrent_increments_are_atomic(storage):
    """Every increment from every thread is counted once: each value 1..N is returned once."""
    seen, threads = [], []

    def work():
        for _ in range(25):
            seen.append(storage.incr("busy", 60))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 101))
    assert storage.get("busy") == 100


def test_database_storage_deletes_expired_rows_and_hashes_long_keys(database_url):
    storage = DatabaseStorage(url=database_url)
    try:
        long_key = "LIMITER/" + "f" * 400
        assert storage.incr(long_key, 60) == 1 and storage.get(long_key) == 1
        storage.incr("old", 60)
        with storage._connect() as conn, conn.begin():
            conn.execute(update(COUNTERS).where(COUNTERS.c.key == "old").values(expiry=0))
        storage._next_cleanup = 0  # the next increment cleans up
        storage.incr("new", 60)
        with storage._connect() as conn:
            keys = set(conn.execute(COUNTERS.select().with_only_columns(COUNTERS.c.key)).scalars())
        assert "old" not in keys and "new" in keys
        assert all(len(key) <= 200 for key in keys)
    finally:
        storage.reset()
        storage.dispose()


def test_sqlite_counters_live_beside_the_database():
    assert counter_database_url("sqlite:////srv/tc/telecentre.sqlite") == \
        "sqlite:////srv/tc/telecentre.sqlite.ratelimit.sqlite"
    assert counter_database_url("sqlite://") == "sqlite://"
    pg = "postgresql+psycopg://u@db.example/telecentre"
    assert counter_database_url(pg) == pg


def test_the_database_storage_is_the_default(make_app):
    from telecentre.extensions import limiter
    app = make_app(RATELIMIT_ENABLED=True)
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"
    assert isinstance(limiter.storage, DatabaseStorage)


def test_wrong_pins_count_more_than_good_ones(make_app, create_user):
    """Card + PIN sign-in: failures have their own tighter limit; the request's own
    write transaction (BEGIN IMMEDIATE on SQLite) does not block the counter."""
    from telecentre.auth.passwords import hash_secret
    from telecentre.extensions import db
    from tests.conftest import Auth
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PIN_FAILURES="2 per hour",
                   RATELIMIT_LOGIN="100 per hour")
    resident = create_user("resident", card_number="900000000001", pin_hash=hash_secret("123456"))
    db.session.commit()

    def attempt(pin):
        client = app.test_client()
        return client.post("/login/card", data={"card": resident.card_number, "pin": pin,
                                                "csrf_token": Auth(client).csrf_token()})

    assert [attempt("123456").status_code for _ in range(3)] == [302, 302, 302]
    assert [attempt("000000").status_code for _ in range(3)] == [401, 401, 429]
    assert attempt("123456").status_code == 429


def test_a_requests_own_hit_answers_its_rate_limit_headers(make_app):
    """After a hit, the window's count and end for the X-RateLimit-* headers come from the
    hit's RETURNING within that request, not from two more round trips to the counter
    table (they were a fifth of a heartbeat's cost); a new request reads them again."""
    from sqlalchemy import event

    from telecentre.extensions import limiter
    app = make_app(RATELIMIT_ENABLED=True)
    storage = limiter.storage
    storage.clear("k")
    selects = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    with app.test_request_context("/"):
        assert storage.incr("k", 60) == 1  # the engine exists from here on
        event.listen(storage._engine, "before_cursor_execute", count)
        try:
            assert storage.incr("k", 60) == 2
            assert storage.get("k") == 2 and storage.get_expiry("k") > time.time() + 50
            assert selects == []
            assert storage.get("other") == 0 and len(selects) == 1  # not hit here: read
        finally:
            event.remove(storage._engine, "before_cursor_execute", count)
    event.listen(storage._engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/"):  # the next request reads again
            assert storage.get("k") == 2 and len(selects) == 2
    finally:
        event.remove(storage._engine, "before_cursor_execute", count)


def test_the_per_request_check_is_off_when_no_limit_applies_to_every_route(make_app):
    """Flask-Limiter's before_request hook finds only application, default, blueprint and
    meta limits; with none configured it is taken off, and a route's own limit (checked
    by its decorator) still refuses."""
    from telecentre.extensions import limiter
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_TOKEN="2 per hour")
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    client = app.test_client()
    body = {"login": "nobody", "password": "wrong-password"}
    codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert codes[:2] == [401, 401] and codes[2] == 429


def test_the_per_request_check_stays_for_a_default_limit(make_app):
    """With a default limit the hook stays and counts every route. (One rate-limited app
    per test: the limiter is shared, and make_app disposes of the last one's storage.)"""
    from telecentre.extensions import limiter
    try:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
        assert limiter._check_request_limit in app.before_request_funcs[None]
        client = app.test_client()
        assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.limit_manager.set_default_limits([])  # the limiter outlives this app
