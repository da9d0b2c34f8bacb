"""Fixtures for the task-queue tests: real worker and scheduler processes on a real broker.

The broker is the embedded one (kombu's SQL transport on a SQLite file) unless
``TELECENTRE_TEST_BROKER_URL`` names Redis or RabbitMQ (``.ci/run`` runs these
tests again on Redis). Every test gets a queue of its own, so tests never take
each other's tasks. Every process started is stopped at the end, whatever the
test did.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BROKER_URL = os.environ.get("TELECENTRE_TEST_BROKER_URL")


def wait_for(predicate, limit: float = 60.0, every: float = 0.2, what: str = "it"):
    """Wait until *predicate()* is true (bounded so a bug cannot hang the suite)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {limit:.0f}s for {what}")


class Processes:
    """Start telecentre processes (workers, schedulers) with the test's settings."""

    def __init__(self, directory: Path, settings: dict):
        self.directory, self.settings = directory, settings
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def env(self) -> dict:
        env = dict(os.environ)
        for key, value in self.settings.items():
            env[f"TELECENTRE_{key}"] = value if isinstance(value, str) else json.dumps(value)
        env["TELECENTRE_LOG_FORMAT"] = "text"
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "telecentre.cli", *args],
                                       stdout=out, stderr=subprocess.STDOUT, env=self.env(),
                                       start_new_session=True)
        self.started.append((name, process, log))
        return process

    def worker(self, name: str, concurrency: int = 4) -> subprocess.Popen:
        """Start ``telecentre worker --name NAME`` and wait until it takes tasks."""
        process = self.start(name, "worker", "--name", f"{name}@test", "--concurrency",
                             str(concurrency))
        wait_for(lambda: process.poll() is not None or " ready." in self.log(name),
                 what=f"worker {name} to be ready")
        assert process.poll() is None, self.log(name)
        return process

    def log(self, name: str) -> str:
        for each, _process, log in self.started:
            if each == name:
                return log.read_text(errors="replace")
        raise KeyError(name)

    def stop_all(self) -> None:
        for _name, process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, _log in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def queue_settings(app, tmp_path):
    """Settings of an app that sends tasks to a broker (not eager), on a queue of its own."""
    return {
        "TASKS_ALWAYS_EAGER": False,
        "TASKS_BROKER_URL": BROKER_URL or f"sqla+sqlite:///{tmp_path}/broker.sqlite",
        "TASKS_QUEUE": f"test-{uuid.uuid4().hex[:12]}",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRETS_KEY_FILE": app.config["SECRETS_KEY_FILE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }


@pytest.fixture
def queued_app(make_app, queue_settings):
    """An app on the test database whose tasks go to the broker for the workers."""
    return make_app(**queue_settings)


@pytest.fixture
def processes(tmp_path, queue_settings):
    """Start workers and schedulers; all are stopped at the end of the test."""
    started = Processes(tmp_path, dict(queue_settings))
    yield started
    started.stop_all()
    if BROKER_URL and BROKER_URL.startswith("redis"):
        import redis
        redis.Redis.from_url(BROKER_URL).delete(queue_settings["TASKS_QUEUE"])


@pytest.fixture
def stand_in_sshd(tmp_path_factory):
    """Start a real sshd whose PATH begins with stand-in commands; stopped afterwards.

    ``stand_in_sshd({"shutdown": "echo $$ >> log; sleep 60"})`` returns the
    server. The stand-ins run for real, over SSH, as the current user.
    """
    from tests.remote.sshd import SSHD, stand_in_commands, start_sshd
    if not os.path.exists(SSHD):
        pytest.skip("openssh-server is not installed (/usr/sbin/sshd)")
    servers = []

    def start(scripts: dict[str, str]):
        directory = tmp_path_factory.mktemp("sshd")
        server = start_sshd(directory, ("ed25519",),
                            extra_config=stand_in_commands(directory, scripts))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.process.terminate()
        server.process.wait(10)


@pytest.fixture
def seats_behind(app, create_user, create_seat):
    """Return a function making *n* seats of one site that all reach *server* over SSH."""
    from telecentre.extensions import db
    from telecentre.remote.services import approve_host_key, set_credential, set_target
    it = create_user(role="it")

    def make(server, n: int = 1, **seat_fields):
        set_credential(it, None, server.username, server.client_key_text)
        seats = []
        for index in range(n):
            seat = create_seat(name=f"PC-{index + 1:02d}", **seat_fields)
            set_target(it, seat, server.host, "linux", None, server.port)
            approve_host_key(it, seat, server.host_keys["ssh-ed25519"])
            seats.append(seat)
        db.session.commit()
        return seats

    return make
