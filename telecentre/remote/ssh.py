"""A thin adapter over paramiko: pinned host key, key authentication, timeouts.

It uses a bare :class:`paramiko.Transport` rather than ``SSHClient`` so that
there is no host key policy to get wrong: the server's key is compared with
the pin the caller gives, and any other key raises :class:`HostKeyMismatch`
before authentication starts. Every step has a timeout, so a host that does
not answer costs at most ``connect_timeout`` + ``command_timeout``.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import paramiko

from .hostkeys import HostKeyPin, host_key_algorithms

DEFAULT_TAIL_BYTES = 8192


class SshError(Exception):
    """Base of the adapter's errors; ``code`` names the outcome for a host."""

    code = "error"


class SshUnreachable(SshError):
    """The TCP connection was refused, or the address has no route."""

    code = "unreachable"


class SshTimeout(SshError):
    """The host did not answer in time (connect, banner, handshake, auth)."""

    code = "timeout"


class CommandTimeout(SshTimeout):
    """The command ran past its timeout; ``output_tail`` is what it printed."""

    def __init__(self, message: str, output_tail: str = "", output_bytes: int = 0):
        super().__init__(message)
        self.output_tail = output_tail
        self.output_bytes = output_bytes


class SshAuthFailed(SshError):
    """The server refused the client key."""

    code = "auth_failed"


class HostKeyMismatch(SshError):
    """The server presented a host key other than the pinned one.

    ``actual_fingerprint`` is None only if the server did not even offer a
    key (it could not be fetched for the message).
    """

    code = "host_key_mismatch"

    def __init__(self, host: str, port: int, expected: str, actual: str | None,
                 actual_key: str | None = None):
        super().__init__(
            f"host key of {host}:{port} is {actual or 'unknown'}, expected {expected}")
        self.host, self.port = host, port
        self.expected_fingerprint = expected
        self.actual_fingerprint = actual
        self.actual_key = actual_key


@dataclass(frozen=True)
class CommandResult:
    """What a finished command left: exit code and a bounded output tail.

    ``exit_code`` is -1 when the server reported no status (killed by a
    signal). ``output_bytes`` counts everything printed; ``truncated`` says
    the tail holds only the last part of it.
    """

    exit_code: int
    output_tail: str
    output_bytes: int
    truncated: bool = False


def _open_transport(host: str, port: int, timeout: float,
                    key_types: list[str] | None) -> paramiko.Transport:
    """Connect TCP and run the SSH handshake, all within *timeout* seconds."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (socket.timeout, TimeoutError) as exc:
        raise SshTimeout(f"{host}:{port} did not answer within {timeout:g} s") from exc
    except OSError as exc:
        raise SshUnreachable(f"{host}:{port}: {exc.strerror or exc}") from exc
    transport = paramiko.Transport(sock)
    # paramiko's defaults (15 s banner, 30 s auth) would let one silent host
    # hold a runner slot far past the caller's timeout.
    transport.banner_timeout = transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    if key_types:
        transport.get_security_options().key_types = key_types
    done = threading.Event()
    try:
        transport.start_client(event=done)
        done.wait(max(0.0, deadline - time.monotonic()))
        if not done.is_set():
            raise SshTimeout(f"{host}:{port} did not complete the SSH handshake in time")
        if not transport.is_active():
            exc = transport.get_exception()
            if "banner" in str(exc):
                raise SshTimeout(f"{host}:{port} sent no SSH banner in time") from exc
            raise SshError(f"{host}:{port}: SSH negotiation failed: {exc}") from exc
    except BaseException:
        transport.close()
        raise
    return transport


def fetch_host_key(host: str, port: int = 22, timeout: float = 10.0) -> paramiko.PKey:
    """Return the host key a server presents, without authenticating.

    Used to show IT the key of a device without an agent so they can approve
    it once, and to name the key in a :class:`HostKeyMismatch`.
    """
    transport = _open_transport(host, port, timeout, None)
    try:
        return transport.get_remote_server_key()
    finally:
        transport.close()


class SshConnection:
    """An authenticated SSH connection to one host; use as a context manager.

    >>> with SshConnection.open(host, port, "root", pin, key) as conn:
    ...     result = conn.run("df -h", timeout=60)
    """

    def __init__(self, transport: paramiko.Transport, host: str, port: int):
        self._transport, self.host, self.port = transport, host, port

    @classmethod
    def open(cls, host: str, port: int, username: str, host_key: HostKeyPin | str,
             client_key: paramiko.PKey, connect_timeout: float = 10.0) -> "SshConnection":
        """Connect, check the host key against the pin, authenticate with the key.

        Raises :class:`HostKeyMismatch`, :class:`SshAuthFailed`,
        :class:`SshTimeout`, :class:`SshUnreachable` or :class:`SshError`.
        """
        pin = host_key if isinstance(host_key, HostKeyPin) else HostKeyPin.parse(host_key)
        key_types = host_key_algorithms(pin.key_type) if pin.key_type else None
        try:
            transport = _open_transport(host, port, connect_timeout, key_types)
        except SshError as exc:
            if pin.key_type and "no acceptable host key" in str(exc.__cause__):
                # The server no longer has a key of the pinned type: that is a
                # changed host key too, not a protocol problem.
                raise _mismatch(host, port, pin, connect_timeout) from exc
            raise
        try:
            presented = transport.get_remote_server_key()
            if not pin.matches(presented):
                raise HostKeyMismatch(host, port, pin.fingerprint, presented.fingerprint,
                                      f"{presented.get_name()} {presented.get_base64()}")
            try:
                transport.auth_publickey(username, client_key)
            except paramiko.AuthenticationException as exc:
                raise SshAuthFailed(f"{host}:{port} refused the key for {username}") from exc
            except paramiko.SSHException as exc:
                error = SshTimeout if "timeout" in str(exc).lower() else SshError
                raise error(f"{host}:{port}: authentication did not finish: {exc}") from exc
        except BaseException:
            transport.close()
            raise
        return cls(transport, host, port)

    def run(self, command: str, timeout: float = 60.0,
            tail_bytes: int = DEFAULT_TAIL_BYTES) -> CommandResult:
        """Run *command*, keeping the last *tail_bytes* of stdout+stderr.

        Raises :class:`CommandTimeout` (with the output so far) when the
        command outlives *timeout*; the channel is closed, which ends the
        remote session.
        """
        deadline = time.monotonic() + timeout
        try:
            channel = self._transport.open_session(timeout=timeout)
        except paramiko.SSHException as exc:
            raise SshError(f"{self.host}:{self.port}: cannot open a session: {exc}") from exc
        tail, total = bytearray(), 0
        try:
            channel.set_combine_stderr(True)
            try:
                channel.exec_command(command)
            except paramiko.SSHException as exc:
                raise SshError(f"{self.host}:{self.port}: command refused: {exc}") from exc
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CommandTimeout(
                        f"{self.host}:{self.port}: command ran past {timeout:g} s",
                        _decode(tail), total)
                channel.settimeout(min(remaining, 1.0))
                try:
                    chunk = channel.recv(32768)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                total += len(chunk)
                tail += chunk
                if len(tail) > tail_bytes:
                    del tail[:-tail_bytes]
            # Output is closed; the exit status follows in its own message.
            if not channel.status_event.wait(max(0.0, deadline - time.monotonic())):
                raise CommandTimeout(
                    f"{self.host}:{self.port}: no exit status within {timeout:g} s",
                    _decode(tail), total)
            return CommandResult(channel.recv_exit_status(), _decode(tail), total,
                                 truncated=total > len(tail))
        finally:
            channel.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._transport.close()

    def __enter__(self) -> "SshConnection":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _mismatch(host: str, port: int, pin: HostKeyPin, timeout: float) -> HostKeyMismatch:
    """Build a mismatch error naming the key the server offers instead."""
    try:
        actual = fetch_host_key(host, port, timeout)
    except SshError:
        return HostKeyMismatch(host, port, pin.fingerprint, None)
    return HostKeyMismatch(host, port, pin.fingerprint, actual.fingerprint,
                           f"{actual.get_name()} {actual.get_base64()}")


def _decode(data: bytes) -> str:
    """Decode output as UTF-8; a tail may start inside a character."""
    return bytes(data).decode("utf-8", errors="replace")
