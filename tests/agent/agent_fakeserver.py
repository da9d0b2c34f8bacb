"""A small, protocol-faithful agent server for testing the agent alone.

It follows docs/agent-protocol.md (enrol, heartbeat, unlock, events) with
real HTTP on 127.0.0.1, checks the Authorization header like the real server
(SHA-256 of the secret, constant-time compare) and keeps what it stored so
that tests can count it. It is not the Telecentre server: the end-to-end
tests against that one live with the server side.
"""

import hashlib
import hmac
import json
import secrets
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_RANGE = range(18000, 19000)


def free_port(start=18100):
    """A free TCP port in this helper's range on 127.0.0.1."""
    for port in list(range(start, PORT_RANGE.stop)) + list(range(PORT_RANGE.start, start)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18000-18999")


def code_hash(code, salt, iterations):
    """The protocol's booking code hash."""
    normal = "".join(c for c in code.upper() if c not in " -")
    return hashlib.pbkdf2_hmac("sha256", normal.encode(), bytes.fromhex(salt), iterations).hex()


def utcnow():
    """Aware UTC now."""
    return datetime.now(timezone.utc)


class FakeServer:
    """State of the fake server; `start()`/`stop()` can be repeated on the same port."""

    def __init__(
        self, port=None, heartbeat_seconds=1, policy=None, ssl_context=None, host="127.0.0.1"
    ):
        self.port = port or free_port()
        self.ssl_context = ssl_context
        self.url = f"{'https' if ssl_context else 'http'}://{host}:{self.port}"
        self.heartbeat_seconds = heartbeat_seconds
        self.policy = policy or {
            "warn_minutes": [5, 1],
            "kiosk_idle_seconds": 120,
            "kiosk_session_minutes": 30,
            "offline_window_hours": 4,
        }
        self.lock = threading.Lock()
        self.tokens = {}  # token -> used?
        self.agents = {}  # agent_id -> {"hash": ..., "revoked": bool}
        self.events = {}  # (agent_id, event id) -> event, stored once
        self.deliveries = {}  # event id -> times received
        self.bookings = []  # {"id", "code", "start", "end", "minutes"}
        self.commands = {}  # command id -> {"id", "kind", "args"}
        self.card_users = {}  # (card, pin) -> display name
        self.walk_in_minutes = 1
        self.kiosk_minutes = 1
        self.requests = []  # (path, headers, raw body) as received
        self.drop_events_replies = 0  # store, then drop the connection without a reply
        self.heartbeats = 0
        self._next_session = 100
        self._httpd = None

    # --- control -------------------------------------------------------------
    def new_token(self):
        """A fresh one-time enrolment token."""
        token = secrets.token_urlsafe(16)
        while token.startswith("-"):  # as the real server: never read as a command-line option
            token = secrets.token_urlsafe(16)
        self.tokens[token] = False
        return token

    def add_booking(self, code, start, end, minutes):
        """A booking of this seat the heartbeat will announce (hashed)."""
        booking = {
            "id": len(self.bookings) + 9,
            "code": code,
            "start": start,
            "end": end,
            "minutes": minutes,
            "salt": secrets.token_hex(8),
        }
        self.bookings.append(booking)
        return booking

    def add_command(self, kind, args=None):
        """Queue a command; it is resent in every heartbeat until its result arrives."""
        command_id = 500 + len(self.commands) + 1
        self.commands[command_id] = {"id": command_id, "kind": kind, "args": args or {}}
        return command_id

    def revoke_all(self):
        """Revoke every enrolled agent."""
        for agent in self.agents.values():
            agent["revoked"] = True

    def stored(self, type_=None):
        """Stored events (optionally of one type), in the order of their sequence numbers."""
        with self.lock:
            events = [e for e in self.events.values() if type_ is None or e["type"] == type_]
        return sorted(events, key=lambda e: e["seq"])

    def start(self):
        """Listen on 127.0.0.1:port."""
        handler = type("Handler", (_Handler,), {"fake": self})
        ThreadingHTTPServer.allow_reuse_address = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        if self.ssl_context is not None:
            self._httpd.socket = self.ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self):
        """Stop listening (the agent then finds the server unreachable)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # --- protocol ------------------------------------------------------------
    def authenticate(self, header):
        """Return (agent_id, error status, error body)."""
        if not header.startswith("Bearer ") or "." not in header:
            return None, 401, {"error": "unauthorized", "message": "unauthorized"}
        agent_id, _, secret = header[7:].partition(".")
        agent = self.agents.get(agent_id)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if (
            agent is not None
            and agent.get("pending")
            and hmac.compare_digest(agent["pending"], digest)
        ):
            agent["hash"], agent["pending"] = (
                agent.pop("pending"),
                None,
            )  # first use retires the old one
            agent["rotations"] = agent.get("rotations", 0) + 1
        if agent is None or not hmac.compare_digest(agent["hash"], digest):
            return None, 401, {"error": "unauthorized", "message": "unauthorized"}
        if agent["revoked"]:
            return None, 403, {"error": "revoked", "message": "Komputer wycofany przez IT."}
        return agent_id, None, None

    def enroll(self, body):
        token = body.get("token")
        if self.tokens.get(token) is not False:
            return 403, {"error": "invalid_token", "message": "Nieprawidłowy token."}
        self.tokens[token] = True
        agent_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(32)
        self.agents[agent_id] = {
            "hash": hashlib.sha256(secret.encode()).hexdigest(),
            "revoked": False,
            "enroll": body,
        }
        return 201, {
            "agent_id": agent_id,
            "secret": secret,
            "heartbeat_seconds": self.heartbeat_seconds,
            "seat": {
                "id": 12,
                "name": body.get("seat_name") or body["hostname"],
                "kind": body["kind"],
            },
            "site": {"slug": "cycow", "name": "Urząd Gminy Cyców"},
        }

    def heartbeat(self, agent_id, body):
        self.heartbeats += 1
        self.agents[agent_id]["last"] = body
        with self.lock:
            done = {
                e["data"]["command_id"]
                for e in self.events.values()
                if e["type"] == "command_result"
            }
        window = utcnow() + timedelta(hours=self.policy["offline_window_hours"])
        upcoming = [
            {
                "booking_id": b["id"],
                "start": b["start"].isoformat(),
                "end": b["end"].isoformat(),
                "minutes": b["minutes"],
                "salt": b["salt"],
                "iterations": 1000,
                "code_hash": code_hash(b["code"], b["salt"], 1000),
            }
            for b in self.bookings
            if b["start"] < window and b["end"] > utcnow()
        ]
        reply = {
            "server_time": utcnow().isoformat(),
            "heartbeat_seconds": self.heartbeat_seconds,
            "policy": self.policy,
            "upcoming_bookings": upcoming,
            "commands": [c for i, c in self.commands.items() if i not in done],
        }
        if body.get("rotate_secret"):
            new_secret = secrets.token_urlsafe(32)
            self.agents[agent_id]["pending"] = hashlib.sha256(new_secret.encode()).hexdigest()
            reply["new_secret"] = new_secret
        return 200, reply

    def unlock(self, agent_id, body):
        self._next_session += 1
        session = {
            "id": self._next_session,
            "local_id": body["local_id"],
            "started_at": utcnow().isoformat(),
            "user": None,
        }
        if body["method"] == "code":
            normal = body["code"].upper().replace("-", "")
            for booking in self.bookings:
                if booking["code"].replace("-", "") == normal:
                    session.update(
                        minutes=booking["minutes"],
                        limited_by="booking_end",
                        booking_id=booking["id"],
                    )
                    break
            else:
                return 403, {"error": "wrong_code", "message": "Nieznany kod."}
        elif body["method"] == "card":
            name = self.card_users.get((body["card"], body["pin"]))
            if name is None:
                return 403, {"error": "wrong_pin", "message": "Błędny PIN."}
            session.update(
                minutes=self.walk_in_minutes,
                limited_by="session_length",
                user={"display_name": name},
            )
        else:
            session.update(minutes=self.kiosk_minutes, limited_by="kiosk_limit")
        session["ends_at"] = (utcnow() + timedelta(minutes=session["minutes"])).isoformat()
        return 200, {"session": session, "message": "Dzień dobry!"}

    def privacy(self, agent_id, body):
        """The notice as the real server sends it (tests/agent_api/test_privacy_notice.py)."""
        lang = body.get("lang") or "pl"
        return 200, {"version": "2026-12-01", "lang": lang, "title": f"Notice ({lang})",
                     "text": "Notice\n\nWho is the controller\n\nThe county.\n",
                     "headings": ["Notice", "Who is the controller"],
                     "url": "https://telecentre.example/ochrona-danych"}

    def store_events(self, agent_id, body):
        acked = []
        with self.lock:
            for event in body["events"]:
                self.deliveries[event["id"]] = self.deliveries.get(event["id"], 0) + 1
                self.events.setdefault((agent_id, event["id"]), event)
                acked.append(event["id"])
        return 200, {"acked": acked}


class _Handler(BaseHTTPRequestHandler):
    fake = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        """A page and a file, for what a resident's browser would fetch in a session."""
        if self.path.startswith("/download/"):
            data, kind = b"%PDF-1.4 wniosek\n" * 64, "application/pdf"
        elif self.path == "/page":
            data, kind = b"<!doctype html><title>ePUAP</title><p>zalogowano</p>", "text/html"
        else:
            return self._reply(404, {"error": "not_found", "message": "not found"})
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return None

    def do_POST(self):
        fake = self.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake.requests.append((self.path, dict(self.headers), raw))
        try:
            body = json.loads(raw)
        except ValueError:
            return self._reply(400, {"error": "invalid_body", "message": "not JSON"})
        name = self.path.rsplit("/", 1)[-1]
        if self.path == "/api/v1/agent/enroll":
            return self._reply(*fake.enroll(body))
        if not self.path.startswith("/api/v1/agent/") or name not in (
            "heartbeat",
            "unlock",
            "events",
            "privacy",
        ):
            return self._reply(404, {"error": "not_found", "message": "not found"})
        agent_id, status, error = fake.authenticate(self.headers.get("Authorization", ""))
        if agent_id is None:
            return self._reply(status, error)
        if name == "events":
            status, reply = fake.store_events(agent_id, body)
            if fake.drop_events_replies > 0:
                fake.drop_events_replies -= 1
                self.close_connection = True  # stored, but the agent never hears the ack
                return None
            return self._reply(status, reply)
        return self._reply(*getattr(fake, name)(agent_id, body))

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return None
