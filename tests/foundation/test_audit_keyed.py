"""The audit chain is keyed (HMAC, key outside the database) and its end is anchored outside it:
`telecentre audit verify` finds a chain rewritten without the key and a chain cut short."""
import json

from sqlalchemy import delete, select

from telecentre.audit.models import AuditEntry
from telecentre.audit.services import GENESIS, record, unkeyed_digest
from telecentre.extensions import db


def _entries(count):
    for i in range(count):
        record(None, f"test.{i}", details={"n": i})
    db.session.commit()


def _verify(runner):
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_chain_verifies_and_is_anchored(app, runner):
    _entries(4)
    code, output = _verify(runner)
    assert code == 0, output
    from pathlib import Path
    anchor = json.loads(Path(app.config["AUDIT_ANCHOR_FILE"]).read_text())
    head = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (anchor["seq"], anchor["hash"]) == (4, head.hash)


def test_a_chain_rewritten_without_the_key_is_found(app, runner):
    _entries(4)
    assert _verify(runner)[0] == 0
    # Someone with the database but not the key changes an entry and recomputes the chain
    # the only way they can: plain SHA-256, as before keyed hashes.
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    entries[1].details = {"n": "changed"}
    prev = GENESIS
    for entry in entries:
        entry.prev_hash = prev
        entry.hash = prev = unkeyed_digest(entry, prev)
    db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert "without the audit key" in output and "rewritten" in output


def test_a_chain_cut_at_its_end_is_found(app, runner):
    _entries(5)
    assert _verify(runner)[0] == 0
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq > 3))
    db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and "cut off its end" in output


def test_an_old_unkeyed_chain_is_rekeyed_once(app, runner):
    _entries(3)
    from telecentre.audit.services import seal_all
    seal_all()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    prev = GENESIS
    for entry in entries:  # as sealed by a version before keyed hashes
        entry.prev_hash = prev
        entry.hash = prev = unkeyed_digest(entry, prev)
    db.session.commit()
    import os
    os.unlink(app.config["AUDIT_ANCHOR_FILE"])  # that version wrote no anchor
    code, output = _verify(runner)
    assert code == 1 and "audit rekey" in output
    result = runner.invoke(args=["audit", "rekey"])
    assert result.exit_code == 0 and "3 entries re-sealed" in result.output
    assert _verify(runner)[0] == 0
    # A chain broken before the upgrade is not blessed by rekeying.
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).first()
    entry.details = {"n": "forged"}
    db.session.commit()
    result = runner.invoke(args=["audit", "rekey"])
    assert result.exit_code == 1
