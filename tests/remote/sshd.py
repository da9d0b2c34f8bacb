"""A real OpenSSH server for tests and benchmarks, on 127.0.0.1 (ports 22000-22999).

``start_sshd`` writes a configuration, fresh host keys and a client key into
a directory and runs ``/usr/sbin/sshd -D -e`` there. It logs in as the
current user (root in CI, hence ``PermitRootLogin prohibit-password``).
"""
from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

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
    """Wait until the server sends its SSH banner; raise with its log if it dies."""
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


def start_sshd(directory: Path, host_key_types=("ed25519", "rsa"), client_key=None,
               exclude_ports=(), max_startups: str = "50:30:100", extra_config=()) -> Sshd:
    """Start ``sshd -D -e`` in *directory* with fresh host keys; return it once it answers.

    *extra_config* lines are appended to its configuration. The caller stops
    it (``server.process.terminate()``).
    """
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    username = getpass.getuser()
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
    port = free_port(exclude=set(exclude_ports))
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
        f"MaxStartups {max_startups}",
        "LogLevel VERBOSE",
        *extra_config,
    ]
    (directory / "sshd_config").write_text("\n".join(config) + "\n")
    log = directory / "sshd.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(directory / "sshd_config")],
                                   stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_for_banner(port, process, log)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return Sshd("127.0.0.1", port, username, host_keys, private_text(client), directory, process)



def stand_in_commands(directory: Path, scripts: dict[str, str]) -> list[str]:
    """sshd configuration that puts stand-ins for some commands first on the PATH.

    *scripts* maps a command name (``shutdown``) to a shell script body. Every
    command the server runs then finds the stand-in first, so an action such
    as a power-off can run for real over SSH without powering anything off.
    """
    bin_dir = directory / "stand-in-bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
    wrapper = directory / "with-stand-ins.sh"
    wrapper.write_text(f'#!/bin/sh\nPATH={bin_dir}:$PATH\nexport PATH\n'
                       'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n')
    wrapper.chmod(0o755)
    return [f"ForceCommand {wrapper}"]
