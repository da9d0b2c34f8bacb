"""Writers that read first do not trip over each other (SQLite WAL) and stay serialised."""
import threading
import time

from sqlalchemy import func, select

from telecentre.audit.models import AuditEntry
from telecentre.audit.services import record, verify_chain
from telecentre.common.db import begin_write, serialized
from telecentre.extensions import db


def _race(app, body, n=4):
    errors, barrier = [], threading.Barrier(n)

    def worker(i):
        with app.app_context():
            try:
                barrier.wait(5)
                body(i)
                db.session.commit()
            except Exception as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_read_then_write_with_begin_write(app):
    def body(i):
        begin_write(db.session)
        seen = db.session.scalar(select(func.count(AuditEntry.id)))
        time.sleep(0.05)
        record(None, f"race.{seen}")

    assert _race(app, body) == []
    db.session.rollback()
    actions = sorted(db.session.scalars(select(AuditEntry.action)))
    if db.engine.dialect.name == "sqlite":
        # Each writer held the lock from its first read: the counts read are 0, 1, 2, 3.
        assert actions == ["race.0", "race.1", "race.2", "race.3"]
    else:  # PostgreSQL needs no up-front lock for this; all four simply succeed
        assert len(actions) == 4
    assert verify_chain() == (4, [])  # concurrent appends still form one chain


def test_without_begin_write_sqlite_readers_turned_writers_fail(app):
    """The hazard begin_write exists for (SQLite only): shows the test above can fail."""
    import pytest
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's WAL snapshot rule")

    def body(i):
        db.session.scalar(select(func.count(AuditEntry.id)))
        time.sleep(0.05)
        record(None, "race")

    errors = _race(app, body)
    assert errors and all("locked" in e for e in errors)


def test_serialized_after_a_read(app):
    from telecentre.sites.models import Site

    def body(i):
        site = db.session.scalar(select(Site).where(Site.slug == "cycow"))  # a plain read first
        serialized(db.session, site)
        seen = db.session.scalar(select(func.count(AuditEntry.id)))
        time.sleep(0.05)
        record(None, f"race.{seen}")

    assert _race(app, body) == []
    db.session.rollback()
    assert sorted(db.session.scalars(select(AuditEntry.action))) == [
        "race.0", "race.1", "race.2", "race.3"]


def test_serialized_accepts_a_proxy_such_as_current_user(app):
    from werkzeug.local import LocalProxy

    from telecentre.sites.models import Site
    site = db.session.scalar(select(Site).where(Site.slug == "cycow"))
    serialized(db.session, LocalProxy(lambda: site))  # current_user is such a proxy
    record(None, "proxy.locked")
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
