"""The network thread: enrolment, heartbeats, and sending the outbox until acknowledged.

It never touches the session: it hands replies to the controller through its
queue, so time enforcement never waits on the network.
"""

import hashlib
import os
import random
import socket
import threading
import time
import uuid

from agent import __version__
from agent.backoff import Backoff
from agent.transport import ApiError, Revoked, Unauthorized, Unreachable

SSH_HOST_KEYS = (
    "/etc/ssh/ssh_host_ed25519_key.pub",
    r"C:\ProgramData\ssh\ssh_host_ed25519_key.pub",
)


def token_fingerprint(token):
    """A hash of an enrolment token, to tell a new token from the one already used."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _ssh_host_key():
    for path in SSH_HOST_KEYS:
        try:
            with open(path, encoding="ascii") as handle:
                return handle.read().strip() or None
        except OSError:
            continue
    return None


def _mac():
    node = uuid.getnode()
    if node >> 40 & 1:  # multicast bit: Python made the number up
        return None
    return ":".join("%02x" % (node >> shift & 0xFF) for shift in range(40, -8, -8))


class Link(threading.Thread):
    """Talks to the server on behalf of an `Agent`."""

    def __init__(self, agent, monotonic=time.monotonic):
        super().__init__(name="telecentre-link", daemon=True)
        self.agent = agent
        self._monotonic = monotonic
        self.wake = threading.Event()
        self.interval = float(agent.store.get("heartbeat_seconds") or 15)
        self.heartbeat_backoff = Backoff(1.0, self._cap())
        self.flush_backoff = Backoff(1.0, self._cap())
        self.next_heartbeat = 0.0
        self.next_flush = 0.0
        self.online = None

    def _cap(self):
        return min(60.0, max(5.0, self.interval * 4))

    def run(self):
        """Loop until the agent stops."""
        while not self.agent.stop_event.is_set():
            now = self._monotonic()
            if not self.agent.credentials.enrolled:
                if now >= self.next_heartbeat:
                    self._enroll()
            else:
                if now >= self.next_heartbeat:
                    self._heartbeat()
                if now >= self.next_flush:
                    self._flush()
            due = self.next_heartbeat
            if self.agent.outbox.count():
                due = min(due, self.next_flush)
            self.wake.wait(max(0.05, min(due - self._monotonic(), 5.0)))
            self.wake.clear()

    def _set_online(self, online):
        if online != self.online:
            self.online = online
            self.agent.post("online" if online else "offline")

    def _retry_later(self, backoff):
        return self._monotonic() + backoff.next_delay()

    def _enroll(self):
        config = self.agent.config
        if not config.enrollment_token:
            self.agent.post("fatal", "no_token", {})
            self.next_heartbeat = float("inf")
            return
        body = {
            "token": config.enrollment_token,
            "seat_name": config.seat_name,
            "kind": config.kind,
            "hostname": socket.gethostname(),
            "os": "windows" if os.name == "nt" else "linux",
            "version": __version__,
            "ssh_host_key": _ssh_host_key(),
            "mac": _mac(),
        }
        try:
            reply = self.agent.transport.post("/enroll", body, auth=False)
        except (ApiError, Revoked) as exc:
            self.agent.post("fatal", "enroll_refused", {"message": exc.message})
            self.next_heartbeat = float("inf")
            return
        except (Unreachable, Unauthorized):
            self._set_online(False)
            self.next_heartbeat = self._retry_later(self.heartbeat_backoff)
            return
        self.heartbeat_backoff.reset()
        self.agent.credentials.set_enrolled(reply["agent_id"], reply["secret"])
        self.interval = float(reply.get("heartbeat_seconds") or self.interval)
        self.agent.store.update(
            seat=reply.get("seat"),
            site=reply.get("site"),
            heartbeat_seconds=self.interval,
            revoked=False,
            enrolled_token=token_fingerprint(config.enrollment_token),
        )
        self.agent.post("enrolled", {"seat": reply.get("seat"), "site": reply.get("site")})
        self.next_heartbeat = self._monotonic()

    def _heartbeat(self):
        body = self.agent.heartbeat_body()
        try:
            reply = self.agent.transport.post("/heartbeat", body)
        except Revoked as exc:
            self.agent.post("revoked", exc.message)
            self.next_heartbeat = float("inf")
            return
        except (Unreachable, Unauthorized, ApiError):
            self._set_online(False)
            self.next_heartbeat = self._retry_later(self.heartbeat_backoff)
            return
        self.heartbeat_backoff.reset()
        if reply.get("new_secret"):
            self.agent.credentials.offer(reply.pop("new_secret"))
        interval = reply.get("heartbeat_seconds")
        if isinstance(interval, (int, float)) and interval > 0 and interval != self.interval:
            self.interval = float(interval)
            self.heartbeat_backoff.cap = self.flush_backoff.cap = self._cap()
            self.agent.store.update(heartbeat_seconds=self.interval)
        self.agent.post("heartbeat", reply)
        self._set_online(True)
        self.next_heartbeat = self._monotonic() + self.interval * random.uniform(0.9, 1.1)
        # The server is back: whatever waits in the outbox goes now.
        self.flush_backoff.reset()
        self.next_flush = self._monotonic()

    def _flush(self):
        events = self.agent.outbox.pending()
        if not events:
            return
        try:
            reply = self.agent.transport.post("/events", {"events": events})
        except Revoked as exc:
            self.agent.post("revoked", exc.message)
            self.next_flush = float("inf")
            return
        except (Unreachable, Unauthorized, ApiError):
            self.next_flush = self._retry_later(self.flush_backoff)
            return
        sent = {event["id"] for event in events}
        acked = [event_id for event_id in reply.get("acked") or [] if event_id in sent]
        self.agent.outbox.ack(acked)
        if acked:
            self.flush_backoff.reset()
            self.next_flush = self._monotonic()  # there may be more than one batch
        else:
            self.next_flush = self._retry_later(self.flush_backoff)
