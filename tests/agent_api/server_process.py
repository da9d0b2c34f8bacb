"""The real Telecentre server (`telecentre serve`, gunicorn) on loopback, for end-to-end tests."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TELECENTRE = "from telecentre.cli import main; main()"


class ServerProcess:
    """`telecentre serve` with its own SQLite (or PostgreSQL) database; settings from the env."""

    def __init__(
        self,
        workdir: Path,
        port: int,
        database_url: str | None = None,
        workers: int = 2,
        **settings,
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.workers = workers
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.env.update(
            {
                "PYTHONPATH": str(ROOT),
                "TELECENTRE_DATABASE_URL": database_url or f"sqlite:///{workdir}/server.sqlite",
                "TELECENTRE_SECRET_KEY": "e2e-secret-key-not-for-production",
                "TELECENTRE_SECRETS_KEY_FILE": str(workdir / "secrets.keys"),
                "TELECENTRE_AUDIT_KEY_FILE": str(workdir / "audit.key"),
                "TELECENTRE_AUDIT_ANCHOR_FILE": str(workdir / "audit.anchor"),
                "TELECENTRE_SECURE_COOKIES": "false",
            }
        )
        self.env.update({f"TELECENTRE_{key}": str(value) for key, value in settings.items()})
        self.log = open(workdir / "server.log", "ab")
        self.proc = None

    def cli(self, *args) -> str:
        """Run a `telecentre` command against the same database; return its output."""
        result = subprocess.run(
            [sys.executable, "-c", TELECENTRE, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self):
        """Start gunicorn and wait until /healthz answers."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TELECENTRE,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited; see server.log"
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not come up")

    def kill(self):
        """SIGKILL the whole process group (master and workers): no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None


def run_in_app(app, func):
    """Run ``func()`` in an app context of ``app`` (the server's database); return its result."""
    from telecentre.extensions import db
    with app.app_context():
        try:
            return func()
        finally:
            db.session.remove()
