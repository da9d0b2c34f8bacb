"""Test fixtures: an app on a migrated database (SQLite, or PostgreSQL when
TELECENTRE_TEST_DATABASE_URL is set), clients, factories and sign-in helpers.

The schema is built once per test session with the real migrations; after
each test every table is emptied, so tests never see each other's rows.
"""
import contextvars
import os
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from telecentre import create_app
from telecentre.extensions import db, limiter
from tests.sinks import mail_sink  # noqa: F401  (a fixture for every area)

PG_URL = os.environ.get("TELECENTRE_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
SECRET_KEY = "test-secret-key-not-for-production"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context.

    The ``app`` fixture keeps an app context pushed for the test's own queries;
    without this, Flask would reuse it for requests, sharing ``g`` and the
    database session between requests as no real server does.
    """

    def open(self, *args, **kwargs):
        reply = contextvars.Context().run(super().open, *args, **kwargs)
        # End the test's own read transaction, so that its next query sees what
        # the request committed (SQLite's WAL readers keep their snapshot).
        from flask import has_app_context
        if has_app_context():
            db.session.rollback()
        return reply


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2id with the smallest cost in this test process (servers the tests start keep
    the real cost): the suite signs in thousands of times, and the cost is not under test."""
    from argon2 import PasswordHasher

    from telecentre.auth import passwords
    saved = passwords._hasher, passwords._DUMMY
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY = passwords._hasher.hash("not a real password")
    yield
    passwords._hasher, passwords._DUMMY = saved


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Return the URL of a database migrated to head for this test session."""
    if PG_URL:
        _reset_postgres(PG_URL)
        url = PG_URL
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    app = create_app(_overrides(url, tmp_path_factory.mktemp("migrate-instance")))
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        db.engine.dispose()
    return url


def _overrides(url, instance):
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "SECRETS_KEY_FILE": str(instance / "secrets.keys"),
        "AUDIT_KEY_FILE": str(instance / "audit.key"),
        "AUDIT_ANCHOR_FILE": str(instance / "audit.anchor"),
        "SECURE_COOKIES": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        # Tasks run where they are sent; tests of the queue itself start real workers.
        "TASKS_ALWAYS_EAGER": True,
        "TASKS_BROKER_URL": "sqla+sqlite:///" + str(instance / "tasks.sqlite"),
    }


def _empty_tables():
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Return a function that builds an app on the test database with extra settings."""
    apps = []

    def build(**settings):
        app = create_app({**_overrides(database_url, tmp_path), **settings})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            if app.config.get("RATELIMIT_ENABLED"):
                # Counters outlive the test otherwise (SQLite keeps them in a side file).
                limiter.reset()
                getattr(limiter.storage, "dispose", lambda: None)()


@pytest.fixture
def app(make_app):
    """The app, with the seven sites seeded and every table emptied afterwards."""
    app = make_app()
    with app.app_context():
        from telecentre.sites.services import seed_sites
        seed_sites()
        db.session.commit()
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.rollback()
    _empty_tables()
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app):
    """A test client that keeps cookies."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the ``telecentre`` commands."""
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories

@pytest.fixture
def site():
    """Return a function that finds a seeded site by slug."""
    from telecentre.sites.services import get_site
    return get_site


@pytest.fixture
def create_seat(app):
    """Return a factory of seats: ``create_seat(site="cycow", name=None, kind="pc")``."""
    from telecentre.seats.models import Seat
    from telecentre.sites.services import get_site
    counter = iter(range(1, 10_000))

    def make(site="cycow", name=None, kind="pc", **fields):
        site_obj = get_site(site) if isinstance(site, str) else site
        seat = Seat(site=site_obj, name=name or f"PC-{next(counter):02d}", kind=kind, **fields)
        db.session.add(seat)
        db.session.commit()
        return seat

    return make


@pytest.fixture
def create_agent(app):
    """Return ``create_agent(seat, seen=now)``: an enrolled agent on ``seat`` last heard at
    ``seen`` (a seat without one is ``no_agent``, never offered for walk-ins)."""
    from telecentre.agent_api.models import Agent
    from telecentre.common.time import utcnow

    def make(seat, seen=None):
        agent = Agent(id=f"00000000-0000-4000-8000-{seat.id:012d}", site_id=seat.site_id,
                      seat_id=seat.id, secret_hash="0" * 64, hostname=seat.name.lower(),
                      last_seen_at=seen or utcnow(), online=True, state="locked")
        db.session.add(agent)
        db.session.commit()
        return agent

    return make


@pytest.fixture
def create_user(app):
    """Return a factory of users: ``create_user(role="resident", site=None, login=None)``."""
    from telecentre.auth.models import User
    from telecentre.auth.passwords import hash_secret
    from telecentre.sites.services import get_site
    counter = iter(range(1, 10_000))
    hashed = hash_secret(PASSWORD)

    def make(role="resident", site=None, login=None, **fields):
        if role == "attendant" and site is None:
            site = "cycow"
        site_obj = get_site(site) if isinstance(site, str) else site
        login = login or f"{role}{next(counter)}"
        fields.setdefault("display_name", login.title())
        user = User(login=login, role=role, site=site_obj, password_hash=hashed, **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_booking(app):
    """Return a factory of bookings: ``create_booking(seat, resident, start, minutes=30)``."""
    from telecentre.booking.models import Booking
    counter = iter(range(1, 10_000))

    def make(seat, resident, start, minutes=30, status="booked", code=None):
        booking = Booking(site_id=seat.site_id, seat_id=seat.id, resident_id=resident.id,
                          start=start, end=start + timedelta(minutes=minutes), status=status,
                          code=code or f"T{next(counter):05d}")
        db.session.add(booking)
        db.session.commit()
        return booking

    return make


@pytest.fixture
def create_device(app):
    """Return a factory of monitored devices (no address check; credentials encrypted):
    ``create_device(site="cycow", name=None, kind="switch", address="127.0.1.1", port=161,
    community="public")``."""
    from telecentre.common.crypto import encrypt
    from telecentre.monitoring.models import Device
    from telecentre.sites.services import get_site
    counter = iter(range(1, 10_000))

    def make(site="cycow", name=None, kind="switch", address="127.0.1.1", port=161,
             community="public", **fields):
        site_obj = get_site(site) if isinstance(site, str) else site
        device = Device(site=site_obj, name=name or f"dev-{next(counter)}", kind=kind,
                        address=address, port=port, snmp_version="2c",
                        community_secret=encrypt(community), thresholds={}, **fields)
        db.session.add(device)
        db.session.commit()
        return device

    return make


@pytest.fixture
def create_alert(app):
    """Return a factory of open alerts: ``create_alert(site="cycow", key=None)``."""
    from telecentre.alerts.services import open_alert
    from telecentre.sites.services import get_site
    counter = iter(range(1, 10_000))

    def make(site="cycow", key=None, severity="warning", title="Test alert", details=None):
        alert, _new = open_alert(key or f"test:{next(counter)}", source="snmp", title=title,
                                 site=get_site(site), severity=severity, details=details)
        db.session.commit()
        return alert

    return make


@pytest.fixture
def factories(create_seat, create_user, create_booking, create_device, create_alert):
    """Every factory by name (for URL samples: ``URL_SAMPLES`` of the access matrix)."""
    return {"seat": create_seat, "user": create_user, "booking": create_booking,
            "device": create_device, "alert": create_alert}


# ---------------------------------------------------------------- sign-in

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Auth:
    """Signs a test client in and out, with CSRF tokens like a browser."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login") -> str:
        """Return a CSRF token for the client's session, read from a page's form."""
        page = self.client.get(path).get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def login(self, user_or_login, password=PASSWORD):
        """Sign in; return the response."""
        login = getattr(user_or_login, "login", user_or_login)
        return self.client.post("/login", data={"login": login, "password": password,
                                                "csrf_token": self.csrf_token()})

    def logout(self):
        """Sign out; return the response."""
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/")})

    def token(self, user_or_login, password=PASSWORD) -> str:
        """Return an API bearer token for the user."""
        login = getattr(user_or_login, "login", user_or_login)
        reply = self.client.post("/api/v1/auth/token", json={"login": login,
                                                             "password": password})
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()["token"]


@pytest.fixture
def auth(client):
    """Sign-in helper bound to ``client``."""
    return Auth(client)


@pytest.fixture
def login(app):
    """Return ``login(client, user)`` that signs a client in and checks it worked."""

    def do(client, user, password=PASSWORD):
        reply = Auth(client).login(user, password)
        assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def live_worker(app):
    """A real task worker in this process, on the test's embedded queue (not eager)."""
    from celery.contrib.testing.worker import start_worker
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = False
    try:
        with start_worker(celery, pool="threads", concurrency=2, perform_ping_check=False,
                          shutdown_timeout=30):
            yield
    finally:
        celery.conf.task_always_eager = True
