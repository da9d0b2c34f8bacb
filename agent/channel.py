"""The local channel between the service and the UI: JSON lines over a Unix socket.

The service listens; the UI connects. Who connected is read from the kernel
(SO_PEERCRED: pid, uid, gid of the peer at connect time), never from what the
peer says, so the public account cannot pass itself off as anyone else. The
service accepts only the UI process it started itself, running as the public
user (see `agent.launcher`). On Windows the same channel is a named pipe with
an ACL (`agent.winpipe`).

Messages: the UI sends `{"op": …}` (hello, ping, line, unlock_request,
activity, end_by_user, privacy); the service sends the agent's events (`{"event": …,
"state": …}`) and `{"pong": {...}}` replies to pings.
"""

import json
import os
import socket
import struct
import threading

MAX_LINE = 64 * 1024
UI_OPS = ("hello", "ping", "line", "unlock_request", "activity", "end_by_user", "privacy")


class ChannelClosed(Exception):
    """The other end went away (or sent something that is not a message)."""


def peer_credentials(sock):
    """(pid, uid, gid) of the process at the other end of a connected Unix socket."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", raw)


class Connection:
    """One connected peer: send and receive whole JSON lines, from any thread."""

    def __init__(self, sock, credentials=None):
        self.sock = sock
        self.credentials = credentials
        self._send_lock = threading.Lock()
        self._buffer = b""
        self.closed = False

    def send(self, message):
        """Send one message; raises ChannelClosed when the peer is gone."""
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                self.close()
                raise ChannelClosed(str(exc)) from exc

    def receive(self):
        """The next message (a dict); raises ChannelClosed at the end or on garbage."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                self.close()
                raise ChannelClosed("line too long")
            try:
                chunk = self.sock.recv(65536)
            except OSError as exc:
                self.close()
                raise ChannelClosed(str(exc)) from exc
            if not chunk:
                self.close()
                raise ChannelClosed("end of stream")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line.decode("utf-8"))
        except ValueError as exc:
            self.close()
            raise ChannelClosed("not JSON") from exc
        if not isinstance(message, dict):
            self.close()
            raise ChannelClosed("not an object")
        return message

    def close(self):
        """Close the socket (idempotent); a reader blocked in receive() wakes up."""
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def listen(path, owner_uid=None, owner_gid=None, mode=0o660):
    """A listening Unix socket at `path`, replacing a stale one.

    The socket file gets `mode` and, when running as root, the group
    `owner_gid` (the public user's group) so that only that group may even
    try to connect; the peer check then decides.
    """
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory)
        os.chmod(directory, 0o755)  # whatever the umask: the UI must reach the socket
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # no window in which the socket is open to everyone
    try:
        server.bind(path)
    finally:
        os.umask(old)
    if owner_uid is not None or owner_gid is not None:
        os.chown(path, -1 if owner_uid is None else owner_uid,
                 -1 if owner_gid is None else owner_gid)
    os.chmod(path, mode)
    server.listen(4)
    return server


def connect(path, timeout=None):
    """Connect to the service's socket; returns a Connection."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
    except OSError:
        sock.close()  # the UI retries for a while: one descriptor leaked a try adds up
        raise
    sock.settimeout(None)
    return Connection(sock)
