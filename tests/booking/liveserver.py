"""A real server process for contention tests and the benchmark: ``telecentre serve``.

It runs gunicorn with several worker processes on a loopback port in the
booking range (19100–19199) against the given database.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

PORTS = range(19100, 19200)


def free_port(ports: range = PORTS) -> int:
    """Return a loopback port of the range that nobody listens on."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


class LiveServer:
    """``telecentre serve --workers N`` on 127.0.0.1 (a port of ``ports``); ``url`` once
    started."""

    def __init__(self, database_url: str, workers: int = 4, ports: range = PORTS,
                 secret_key: str = "live-server-test-key", env: dict | None = None):
        self.database_url, self.workers, self.ports = database_url, workers, ports
        self.secret_key = secret_key
        self.extra_env = env or {}
        self.process = None
        self.url = None
        self._dir = tempfile.TemporaryDirectory(prefix="telecentre-live-")
        self.log = Path(self._dir.name) / "server.log"

    def start(self, timeout: float = 60) -> str:
        """Start the server and wait until it answers; return its base URL."""
        port = free_port(self.ports)
        env = {**os.environ,
               "TELECENTRE_DATABASE_URL": self.database_url,
               "TELECENTRE_SECRET_KEY": self.secret_key,
               "TELECENTRE_SECRETS_KEY_FILE": str(Path(self._dir.name) / "secrets.keys"),
               "TELECENTRE_AUDIT_KEY_FILE": str(Path(self._dir.name) / "audit.key"),
               "TELECENTRE_AUDIT_ANCHOR_FILE": str(Path(self._dir.name) / "audit.anchor"),
               "TELECENTRE_SECURE_COOKIES": "false",
               "TELECENTRE_RATELIMIT_ENABLED": "false",
               "TELECENTRE_LOG_LEVEL": "WARNING",
               "TELECENTRE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
               # no task worker beside this server: background work runs in the request
               "TELECENTRE_TASKS_ALWAYS_EAGER": "true", **self.extra_env}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "telecentre.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(self.workers)],
                env=env, stdout=out, stderr=subprocess.STDOUT,
                cwd=str(Path(__file__).resolve().parents[2]))
        self.url = f"http://127.0.0.1:{port}"
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()  # never leave a server behind when starting fails
            raise
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        """Poll ``/api/v1/sites`` until it answers 200 (a loaded machine may take a while)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/sites", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or still starting its workers
            time.sleep(0.2)
        raise RuntimeError("server did not answer in time")

    def stop(self) -> None:
        """Stop the server (gunicorn ends its workers on SIGTERM) and clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self.output = self.log.read_text(errors="replace") if self.log.exists() else ""
        self._dir.cleanup()
