"""One agent per state directory: two would count the same session twice.

An OS file lock (flock / msvcrt) is released by the kernel when the process
dies, even by SIGKILL, so a crash never leaves a stale lock behind.
"""

import os


class AlreadyRunning(Exception):
    """Another agent holds the state directory."""


class StateDirLock:
    """Hold `<state dir>/agent.lock` for the life of the process."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "agent.lock")
        self._handle = None

    def acquire(self):
        """Take the lock or raise AlreadyRunning."""
        handle = open(self.path, "a+b")
        try:
            if os.name == "nt":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise AlreadyRunning(self.path) from exc
        self._handle = handle
        return self
