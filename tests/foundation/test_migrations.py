"""The real migrations build a schema that matches the models, on SQLite and PostgreSQL."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from telecentre import create_app
from telecentre.extensions import db

PG_ADMIN = os.environ.get("TELECENTRE_TEST_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _upgrade_and_compare(url, instance):
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "x",
                      "SECURE_COOKIES": False})
    with app.app_context():
        from flask_migrate import downgrade, upgrade
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
            tables = set(inspect(conn).get_table_names())
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        upgrade()  # and up again: the downgrade left nothing behind
        db.engine.dispose()
    return diff, tables, left


def test_sqlite_upgrade_matches_models(tmp_path):
    diff, tables, left = _upgrade_and_compare(f"sqlite:///{tmp_path}/empty.sqlite", tmp_path)
    assert diff == []
    assert {"sites", "seats", "users", "bookings", "usage_sessions", "audit_entries"} <= tables
    assert left == set()


@pytest.fixture
def empty_postgres():
    """Create an empty PostgreSQL database for this test and drop it afterwards."""
    name = f"telecentre_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        if os.environ.get("TELECENTRE_TEST_DATABASE_URL"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc.orig}")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_upgrade_matches_models(empty_postgres, tmp_path):
    diff, tables, left = _upgrade_and_compare(empty_postgres, tmp_path)
    assert diff == []
    assert left == set()
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        constraint = conn.execute(text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'ex_bookings_no_overlap'")).scalar()
    engine.dispose()
    assert "EXCLUDE USING gist" in constraint and "tstzrange" in constraint
