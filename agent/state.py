"""Durable agent state: one JSON file, replaced atomically and fsynced.

A crash (or SIGKILL, or power loss) at any moment leaves either the previous
or the new file, never a torn one: we write a temporary file, fsync it, rename
it over the old one and fsync the directory so that the rename itself is on
disk.
"""

import copy
import json
import os
import threading

STATE_FILE = "state.json"


def _fsync_directory(directory):
    """Flush a rename in `directory` to disk (POSIX only; Windows has no directory handles)."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StateStore:
    """A small dict persisted to `<state dir>/state.json`; safe to use from several threads."""

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.path = os.path.join(directory, STATE_FILE)
        self._lock = threading.RLock()
        self._data = self._load()

    def _load(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except ValueError:
            # Cannot happen through our own writes (they are atomic); keep the
            # damaged file for IT to look at rather than silently losing it.
            os.replace(self.path, self.path + ".corrupt")
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key, default=None):
        """Return a copy of the value stored under `key`."""
        with self._lock:
            return copy.deepcopy(self._data.get(key, default))

    def update(self, **values):
        """Set several keys at once and write the file durably before returning."""
        with self._lock:
            data = dict(self._data)
            data.update(copy.deepcopy(values))
            self._write(data)
            self._data = data

    def _write(self, data):
        tmp = self.path + ".tmp"
        # 0600: the file holds the agent's secret.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        _fsync_directory(self.directory)
