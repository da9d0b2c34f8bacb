"""Fixtures for the remote-action tests: a real OpenSSH server on 127.0.0.1.

``sshd_factory(host_key_types=...)`` starts ``/usr/sbin/sshd -D -e`` with a
generated configuration, freshly generated host keys and a generated client
key in its own authorized_keys file, on a free port in 22000-22999 (this
branch's range). It logs in as the current user (root in CI, hence
``PermitRootLogin prohibit-password``). Servers are stopped at the end of
the session, whatever the tests did.
"""
from __future__ import annotations

import os
import socket
import subprocess

import pytest

from .sshd import SSHD, Sshd, free_port, start_sshd


@pytest.fixture(scope="session")
def sshd_factory(tmp_path_factory):
    """Start sshd instances on demand; all are stopped at the end of the session."""
    if not os.path.exists(SSHD):
        pytest.skip("openssh-server is not installed (/usr/sbin/sshd)")
    started: list[Sshd] = []

    def start(host_key_types=("ed25519", "rsa"), client_key=None) -> Sshd:
        server = start_sshd(tmp_path_factory.mktemp("sshd"), host_key_types, client_key,
                            exclude_ports={s.port for s in started})
        started.append(server)
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


@pytest.fixture
def adhoc_on(app):
    """Turn ad-hoc commands on; return ``with_two_step(user)``, which gives a user two-step
    sign-in (call it after signing the user in, or the sign-in would ask for the code)."""
    import pyotp

    from telecentre.common.crypto import encrypt
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    app.config["REMOTE_ADHOC_ENABLED"] = True

    def with_two_step(user):
        from telecentre.common.db import begin_write
        # End this test's read snapshot first: a live server may have written since (SQLite
        # refuses to turn an old snapshot into a writer).
        db.session.rollback()
        begin_write(db.session)
        user.totp_secret = encrypt(pyotp.random_base32())
        user.totp_enabled_at = utcnow()
        db.session.commit()
        return user

    yield with_two_step
    app.config["REMOTE_ADHOC_ENABLED"] = False
