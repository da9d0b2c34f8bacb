"""The durable outbox: every usage event is written here before anything else.

SQLite in WAL mode with synchronous=FULL, so an event that `add()` returned
for survives a crash or a power cut. Each event has a UUID (the server stores
each (agent, id) once) and a sequence number that never goes backwards, even
after acknowledged events are deleted (AUTOINCREMENT keeps its high mark).
"""

import json
import sqlite3
import threading
import uuid
from datetime import datetime, timezone

BATCH_LIMIT = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL
)
"""


def wall_now_iso():
    """The agent's wall clock as ISO 8601 with offset (informative `at` of events)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Outbox:
    """Events waiting for the server's acknowledgement, oldest first."""

    def __init__(self, path, on_add=None):
        self.path = path
        self.on_add = on_add  # called after each add, e.g. to wake the sender
        self._lock = threading.Lock()
        # isolation_level=None: we commit every statement ourselves (autocommit),
        # so an INSERT is durable when execute() returns.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def add(self, type_, data, event_id=None, at=None):
        """Store one event durably and return it; an id already stored is kept as it was."""
        event_id = event_id or str(uuid.uuid4())
        at = at or wall_now_iso()
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO events (id, type, at, data) VALUES (?, ?, ?, ?)",
                (event_id, type_, at, json.dumps(data, ensure_ascii=False)),
            )
            row = self._conn.execute(
                "SELECT seq, id, type, at, data FROM events WHERE id = ?", (event_id,)
            ).fetchone()
        if self.on_add is not None:
            self.on_add()
        return _event(row) if row else None

    def pending(self, limit=BATCH_LIMIT):
        """The oldest `limit` events not yet acknowledged, in sequence order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, id, type, at, data FROM events ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [_event(row) for row in rows]

    def ack(self, ids):
        """Delete the events the server acknowledged; unknown ids are ignored."""
        ids = list(ids)
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._conn.execute(f"DELETE FROM events WHERE id IN ({marks})", chunk)

    def count(self):
        """How many events wait for acknowledgement."""
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def pragma(self, name):
        """Read a PRAGMA (for the tests that check durability settings)."""
        with self._lock:
            return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    def close(self):
        """Close the database."""
        with self._lock:
            self._conn.close()


def _event(row):
    seq, event_id, type_, at, data = row
    return {"id": event_id, "seq": seq, "type": type_, "at": at, "data": json.loads(data)}
