"""The audit log is written unsealed and sealed into one hash chain afterwards."""
import threading

from sqlalchemy import select, update

from telecentre.audit.models import AuditEntry
from telecentre.audit.services import (GENESIS, entry_digest, pending_count, record, seal_all,
                                       seal_pending, verify_chain)
from telecentre.common.db import begin_write
from telecentre.extensions import db


def _chain():
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.seq.is_not(None))
                              .order_by(AuditEntry.seq)).all()


def test_record_writes_unsealed_and_sealing_chains_in_id_order(app):
    for i in range(5):
        record(None, f"test.{i}")
    db.session.commit()
    assert pending_count() == 5
    assert db.session.scalars(select(AuditEntry.hash)).all() == [None] * 5
    assert verify_chain(seal=False) == (0, [])  # nothing sealed yet, nothing to find

    assert seal_pending() == 5
    db.session.commit()
    chain = _chain()
    assert [e.action for e in chain] == [f"test.{i}" for i in range(5)]
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert [e.id for e in chain] == sorted(e.id for e in chain)
    prev = GENESIS
    for entry in chain:
        assert entry.prev_hash == prev and entry.hash == entry_digest(entry, prev)
        prev = entry.hash
    assert pending_count() == 0 and verify_chain(seal=False) == (5, [])


def test_sealing_again_changes_nothing_and_later_entries_extend_the_chain(app):
    for i in range(3):
        record(None, f"first.{i}")
    db.session.commit()
    seal_all()
    db.session.commit()
    before = [(e.id, e.seq, e.hash) for e in _chain()]
    assert seal_pending() == 0 and seal_all() == 0
    db.session.commit()
    assert [(e.id, e.seq, e.hash) for e in _chain()] == before

    record(None, "second")
    db.session.commit()
    assert seal_all() == 1
    db.session.commit()
    chain = _chain()
    assert [(e.id, e.seq, e.hash) for e in chain[:3]] == before
    assert chain[3].action == "second" and chain[3].seq == 4 and chain[3].prev_hash == before[2][2]
    assert verify_chain() == (4, [])


def test_sealing_in_small_batches_is_the_same_chain(app):
    for i in range(7):
        record(None, f"batch.{i}")
    db.session.commit()
    assert seal_all(batch=3) == 7
    db.session.commit()
    assert [e.seq for e in _chain()] == list(range(1, 8))
    assert verify_chain(seal=False) == (7, [])


def test_tampering_with_sealed_entries_is_found(app):
    for i in range(5):
        record(None, f"tamper.{i}", details={"n": i})
    db.session.commit()
    assert verify_chain() == (5, [])
    db.session.commit()
    ids = [e.id for e in _chain()]

    # Changing content breaks that entry's hash.
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[1]).values(ip="10.0.0.9"))
    db.session.commit()
    assert verify_chain() == (5, [f"entry {ids[1]}: content changed after it was written"])
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[1]).values(ip=None))
    db.session.commit()
    assert verify_chain() == (5, [])

    # "Unsealing" an entry to edit it and have it sealed again moves it to the end of the
    # chain: the gap it leaves is found.
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[2])
                       .values(seq=None, prev_hash=None, hash=None, details={"n": 99}))
    db.session.commit()
    count, problems = verify_chain()
    assert count == 5
    assert problems == [f"entry {ids[3]}: does not follow the entry before it "
                        "(an entry was removed or inserted)"]


def test_unsealed_entries_are_reported_by_the_command(app, runner):
    record(None, "cli.0")
    record(None, "cli.1")
    db.session.commit()
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "2 entries sealed" in result.output
    record(None, "cli.2")
    db.session.commit()
    assert pending_count() == 1
    result = runner.invoke(args=["audit", "verify"])  # seals first
    assert result.exit_code == 0, result.output
    assert "3 entries checked, 0 problem(s)" in result.output
    assert "not sealed" not in result.output
    db.session.rollback()
    assert pending_count() == 0


def test_concurrent_writers_and_sealers_form_one_chain(app):
    """Writers append at the same time as several sealers run; the result is one chain."""
    writers, sealers, per_writer = 4, 3, 10
    errors, barrier = [], threading.Barrier(writers + sealers)

    def write(i):
        barrier.wait(5)
        for n in range(per_writer):
            begin_write(db.session)
            record(None, f"w{i}.{n}")
            db.session.commit()

    def seal(i):
        barrier.wait(5)
        for _ in range(per_writer):
            begin_write(db.session)
            seal_pending(limit=7)
            db.session.commit()

    def run(body, i):
        with app.app_context():
            try:
                body(i)
            except Exception as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(write, i)) for i in range(writers)]
    threads += [threading.Thread(target=run, args=(seal, i)) for i in range(sealers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.rollback()
    total = writers * per_writer
    assert verify_chain() == (total, [])
    db.session.commit()
    chain = _chain()
    assert [e.seq for e in chain] == list(range(1, total + 1))
    assert len({e.id for e in chain}) == total
    # Each writer's own entries were committed one after another, so they are chained in order.
    for i in range(writers):
        mine = [e.action for e in chain if e.action.startswith(f"w{i}.")]
        assert mine == [f"w{i}.{n}" for n in range(per_writer)]


def test_migration_numbers_entries_chained_before_it(tmp_path):
    """Entries chained by the old code (in id order) keep their hashes and get seq 1..n."""
    from datetime import datetime, timezone

    from flask_migrate import upgrade
    from sqlalchemy import text

    from telecentre import create_app
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite", "TESTING": True,
                      "SECRET_KEY": "x", "SECURE_COOKIES": False})
    with app.app_context():
        upgrade(revision="c0e5a1e9d4b2")
        prev = GENESIS
        for i in range(3):
            entry = AuditEntry(id=10 + i, at=datetime(2026, 11, 1, 12, i, tzinfo=timezone.utc),
                               actor_login="system", action=f"old.{i}", target_type="",
                               target_id="", details={"i": i})
            digest = entry_digest(entry, prev)
            db.session.execute(text(
                "INSERT INTO audit_entries (id, at, actor_login, action, target_type, target_id,"
                " details, prev_hash, hash) VALUES (:id, :at, 'system', :action, '', '',"
                " :details, :prev, :hash)"),
                {"id": entry.id, "at": entry.at, "action": entry.action,
                 "details": '{"i": %d}' % i, "prev": prev, "hash": digest})
            prev = digest
        db.session.commit()
        db.session.remove()
        upgrade()
        assert db.session.execute(select(AuditEntry.id, AuditEntry.seq)
                                  .order_by(AuditEntry.id)).all() == [(10, 1), (11, 2), (12, 3)]
        assert verify_chain(seal=False) == (3, [])
        db.session.remove()
        db.engine.dispose()


def test_the_scheduler_job_seals(app):
    from telecentre.jobs import load_jobs, run_job
    spec = load_jobs(app)["audit.seal"]
    assert spec.trigger == "interval"
    record(None, "job.0")
    record(None, "job.1")
    db.session.commit()
    assert run_job(app, spec) == 2
    db.session.rollback()
    assert pending_count() == 0 and verify_chain(seal=False) == (2, [])
