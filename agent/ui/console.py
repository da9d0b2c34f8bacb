"""Console UI: reads one input a line from stdin, writes one JSON object a line to stdout.

Input: a booking or guest code as one token; card number and PIN as two
tokens; an empty line on a kiosk means "touch to start"; `/end` ends a
running session. Output: every change as {"event": …, "state": …, …}.
"""

import json
import os
import sys
import threading


class ConsoleUI:
    """The contract of `--ui console` in DESIGN.md."""

    def __init__(self, stdin_fd=None, stdout=None):
        self._stdin_fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
        self._stdout = stdout or sys.stdout
        if stdout is None and hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8", errors="replace")
        self._lock = threading.Lock()

    def emit(self, event):
        """Write one event as a JSON line and flush, so a reader sees it at once."""
        line = json.dumps({k: v for k, v in event.items() if v is not None}, ensure_ascii=False)
        with self._lock:
            self._stdout.write(line + "\n")
            self._stdout.flush()

    def run(self, agent):
        """Read stdin in a thread; the controller runs in this (main) thread."""
        threading.Thread(target=self._read, args=(agent,), name="stdin", daemon=True).start()
        return agent.run()

    def _read(self, agent):
        # Raw reads on the descriptor: a daemon thread blocked inside a buffered
        # sys.stdin would abort the interpreter at exit. At end of input (stdin
        # closed, e.g. under a service manager) the agent keeps enforcing.
        pending = b""
        while True:
            try:
                chunk = os.read(self._stdin_fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                agent.post("line", line.decode("utf-8", "replace").rstrip("\r"))
