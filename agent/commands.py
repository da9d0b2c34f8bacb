"""Server commands: each id runs once, and its result goes out through the outbox.

Heartbeat replies repeat every unacknowledged command, so the agent keeps
the ids it has seen in its state. An id is written as "running" before the
command runs; if the agent dies while running it (a reboot command does that
on purpose), the next start reports a result instead of running it again.
The result event's id is derived from the command id, so even reporting it
twice stores it once.
"""

import uuid

RESULT_NAMESPACE = uuid.UUID("6f1b3c2e-8a4d-4c55-9d0e-2b7a1f9e0c41")
KEEP_IDS = 500
RESULT_LIMIT = 4096
KINDS_THAT_END_THE_AGENT = ("reboot", "shutdown")


class CommandFailed(Exception):
    """A command that could not be carried out; the message is the result text."""


def result_event_id(command_id):
    """The outbox id of the `command_result` event for a command."""
    return str(uuid.uuid5(RESULT_NAMESPACE, f"command:{command_id}"))


class CommandRunner:
    """Runs commands through `handlers` ({kind: callable(args) -> result text})."""

    def __init__(self, store, outbox, handlers):
        self._store = store
        self._outbox = outbox
        self._handlers = handlers

    def recover(self):
        """Report commands that were running when the agent last stopped."""
        seen = self._store.get("commands", {})
        for command_id, entry in seen.items():
            if entry.get("status") != "running":
                continue
            if entry.get("kind") in KINDS_THAT_END_THE_AGENT:
                self._report(command_id, "done", "the machine restarted")
            else:
                self._report(command_id, "failed", "interrupted by an agent restart")
            self._mark(command_id, entry.get("kind"), "done")

    def run(self, commands):
        """Run every command not seen before; return how many ran."""
        ran = 0
        for command in commands or []:
            if self.run_one(command):
                ran += 1
        return ran

    def run_one(self, command):
        """Run one command unless its id was seen; True when it ran."""
        command_id = str(command.get("id"))
        kind = command.get("kind")
        if command_id in self._store.get("commands", {}):
            return False
        self._mark(command_id, kind, "running")
        handler = self._handlers.get(kind)
        try:
            if handler is None:
                raise CommandFailed(f"unknown command {kind!r}")
            status, result = "done", handler(command.get("args") or {}) or ""
        except CommandFailed as exc:
            status, result = "failed", str(exc)
        except Exception as exc:  # a broken handler must still be acknowledged
            status, result = "failed", f"{type(exc).__name__}: {exc}"
        self._report(command_id, status, result)
        self._mark(command_id, kind, "done")
        return True

    def _report(self, command_id, status, result):
        command_ref = int(command_id) if command_id.isdigit() else command_id
        self._outbox.add(
            "command_result",
            {
                "command_id": command_ref,
                "status": status,
                "result": str(result).encode("utf-8")[:RESULT_LIMIT].decode("utf-8", "ignore"),
            },
            event_id=result_event_id(command_id),
        )

    def _mark(self, command_id, kind, status):
        seen = self._store.get("commands", {})
        seen.pop(command_id, None)
        seen[command_id] = {"kind": kind, "status": status}
        if len(seen) > KEEP_IDS:
            seen = dict(list(seen.items())[-KEEP_IDS:])
        self._store.update(commands=seen)
