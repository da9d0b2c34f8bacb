"""Fixtures for the remote-action tests: a real OpenSSH server on 127.0.0.1.

``sshd_factory(host_key_types=...)`` starts ``/usr/sbin/sshd -D -e`` with a
generated configuration, freshly generated host keys and a generated client
key in its own authorized_keys file, on a free port in 22000-22999 (this
branch's range). It logs in as the current user (root in CI, hence
``PermitRootLogin prohibit-password``). Servers are stopped at the end of
the session, whatever the tests did.
"""
from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .keys import generate_private_key, private_text, public_line

SSHD = "/usr/sbin/sshd"
PORT_RANGE = range(22000, 23000)


def free_port(exclude=()) -> int:
    """A TCP port of this branch's range that nothing listens on right now."""
    start = os.getpid() % len(PORT_RANGE)
    for offset in range(len(PORT_RANGE)):
        port = PORT_RANGE[(start + offset) % len(PORT_RANGE)]
        if port in exclude:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 22000-22999")


@dataclass
class Sshd:
    """A running sshd: where it listens, its host keys, a client key it accepts."""

    host: str
    port: int
    username: str
    host_keys: dict            # key type ("ssh-ed25519", "ssh-rsa") -> public line
    client_key_text: str
    directory: Path
    process: subprocess.Popen = field(repr=False)

    def log(self) -> str:
        return (self.directory / "sshd.log").read_text(errors="replace")


def _wait_for_banner(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"sshd did not start: {log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def sshd_factory(tmp_path_factory):
    """Start sshd instances on demand; all are stopped at the end of the session."""
    if not os.path.exists(SSHD):
        pytest.skip("openssh-server is not installed (/usr/sbin/sshd)")
    # sshd refuses to start without its privilege separation directory.
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    started: list[Sshd] = []
    username = getpass.getuser()

    def start(host_key_types=("ed25519", "rsa"), client_key=None) -> Sshd:
        directory = tmp_path_factory.mktemp("sshd")
        host_keys = {}
        config = ["ListenAddress 127.0.0.1"]
        for kind in host_key_types:
            key = generate_private_key(kind)
            path = directory / f"host_{kind}"
            path.write_text(private_text(key))
            path.chmod(0o600)
            host_keys[public_line(key).split()[0]] = public_line(key)
            config.append(f"HostKey {path}")
        client = client_key or generate_private_key("ed25519")
        (directory / "authorized_keys").write_text(public_line(client) + "\n")
        port = free_port(exclude={s.port for s in started})
        config += [
            f"Port {port}",
            f"PidFile {directory}/sshd.pid",
            f"AuthorizedKeysFile {directory}/authorized_keys",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",  # the key files live in a temporary directory
            f"AllowUsers {username}",
            "MaxStartups 50:30:100",
            "LogLevel VERBOSE",
        ]
        (directory / "sshd_config").write_text("\n".join(config) + "\n")
        log = directory / "sshd.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(directory / "sshd_config")],
                                       stdout=log_file, stderr=subprocess.STDOUT)
        server = Sshd("127.0.0.1", port, username, host_keys, private_text(client),
                      directory, process)
        started.append(server)
        _wait_for_banner(port, process, log)
        return server

    yield start
    for server in started:
        server.process.terminate()
    for server in started:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def sshd(sshd_factory) -> Sshd:
    """One sshd with an ed25519 and an RSA host key, shared by the session."""
    return sshd_factory()


@pytest.fixture
def silent_port():
    """A port where a TCP socket listens but never says a word (a hung host)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", free_port()))
        listener.listen(16)
        yield listener.getsockname()[1]


@pytest.fixture
def closed_port():
    """A port of our range on which nothing listens (connection refused)."""
    return free_port()


# ------------------------------------------------------------------ with the app (phase 2)

@pytest.fixture
def it_user(create_user):
    """An IT staff member."""
    return create_user(role="it")


@pytest.fixture
def admin(create_user):
    """A county admin."""
    return create_user(role="admin")


@pytest.fixture
def reachable_seat(app, sshd, create_seat, it_user):
    """Return a factory of seats pointing at an sshd, with its key pinned.

    The county-wide credential is the sshd's accepted client key.
    """
    from telecentre.extensions import db
    from telecentre.remote.services import approve_host_key, set_credential, set_target
    set_credential(it_user, None, sshd.username, sshd.client_key_text)
    db.session.commit()

    def make(server=sshd, port=None, pin=None, **seat_fields):
        seat = create_seat(**seat_fields)
        set_target(it_user, seat, server.host, "linux", None, port or server.port)
        approve_host_key(it_user, seat, pin or server.host_keys["ssh-ed25519"])
        db.session.commit()
        return seat

    return make
