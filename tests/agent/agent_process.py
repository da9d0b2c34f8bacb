"""A real agent process driven from a test: type lines, read its JSON events."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WAIT = 30.0  # upper bound for anything to happen; never a timing assertion


class AgentProcess:
    """A real `python -m agent --ui console --os-backend simulated` process.

    `subcommand="service"` with `ui="tk"` runs the service alone (its event
    log on stdout) with the lock screen under X, as the tests with real
    accounts do.
    """

    def __init__(self, server_url, state_dir, token=None, kind="pc", extra=(), subcommand=None,
                 ui="console", os_backend="simulated"):
        argv = [
            sys.executable,
            "-m",
            "agent",
            *([subcommand] if subcommand else []),
            "--server",
            server_url,
            "--state-dir",
            str(state_dir),
            "--ui",
            ui,
            "--os-backend",
            os_backend,
            "--kind",
            kind,
            "--lang",
            "en",
        ]
        if token:
            argv.append("--enrollment-token=" + token)  # a token may start with "-"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PYTHONPATH"] = ROOT
        self.proc = subprocess.Popen(
            argv + list(extra),
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.events = []
        self._new = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._seen = 0

    def _read(self):
        for raw in self.proc.stdout:
            event = json.loads(raw.decode("utf-8"))
            self.events.append(event)
            self._new.put(event)
        self._new.put(None)

    def send(self, line):
        """Type one line on the agent's stdin."""
        self.proc.stdin.write((line + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def wait_for(self, name, timeout=WAIT, **match):
        """The next event called `name` (matching `match`) after the ones already consumed."""
        deadline = time.monotonic() + timeout
        while True:
            while self._seen < len(self.events):
                event = self.events[self._seen]
                self._seen += 1
                if event["event"] == name and all(event.get(k) == v for k, v in match.items()):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {name} {match} within {timeout}s; events: {self.events}; "
                    f"stderr: {self.stderr_text()}"
                )
            try:
                if self._new.get(timeout=left) is None and self._seen >= len(self.events):
                    raise AssertionError(
                        f"agent exited ({self.proc.poll()}) before {name}; "
                        f"events: {self.events}; stderr: {self.stderr_text()}"
                    )
            except queue.Empty:
                pass

    def named(self, name):
        """All events called `name` so far."""
        return [e for e in self.events if e["event"] == name]

    def stderr_text(self):
        """What the agent wrote on stderr (only once it has exited)."""
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode("utf-8", "replace")

    def wait_exit(self, timeout=WAIT):
        """Wait for the process to end and for its output to be read; return the status."""
        status = self.proc.wait(timeout)
        self._reader.join(timeout)
        return status

    def kill(self):
        """SIGKILL: no chance to clean up."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(WAIT)
        self._reader.join(WAIT)

    def stop(self):
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(WAIT)
        self._reader.join(WAIT)
        return status
