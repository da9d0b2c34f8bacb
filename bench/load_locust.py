"""Locust users for the load test: agents heartbeating and residents booking (see load_test.py).

Run through ``bench/load_test.py``, which prepares the server and passes the
enrolled agents and residents in ``LOAD_AGENTS_FILE`` / ``LOAD_RESIDENTS_FILE``.

- ``AgentUser``: one per enrolled agent; a heartbeat every ``heartbeat_seconds``
  (the server's HEARTBEAT_SECONDS, as the real agent keeps), with the body the
  real agent sends (agent/core.py ``heartbeat_body``): state, health figures
  that change every time, version, outbox size. The first heartbeat of each
  comes at a random point of the first interval, as real PCs are switched on
  at different times.
- ``ResidentUser``: signs in for a bearer token, then over and over: the day's
  availability of a site → book a free slot → list own bookings → cancel,
  with a person's pauses (1–2 s between steps, 3–8 s between bookings).
"""
import itertools
import json
import os
import random
from datetime import datetime, timezone

import gevent
from locust import FastHttpUser, between, constant_pacing, events, task

with open(os.environ["LOAD_AGENTS_FILE"]) as fh:
    _AGENTS = json.load(fh)
with open(os.environ["LOAD_RESIDENTS_FILE"]) as fh:
    _RESIDENTS = json.load(fh)
HEARTBEAT_SECONDS = float(_AGENTS["heartbeat_seconds"])
SITES = _RESIDENTS["sites"]
# One locust process hands out each agent and resident once (no --processes).
_next_agent = itertools.count()
_next_resident = itertools.count()
OUTCOMES = {"booked": 0, "seat_taken": 0, "cancelled": 0}


@events.quitting.add_listener
def _write_outcomes(environment, **_kwargs):
    """Leave the booking outcomes for load_test.py (locust counts a 409 as a plain success)."""
    if os.environ.get("LOAD_OUTCOMES_FILE"):
        with open(os.environ["LOAD_OUTCOMES_FILE"], "w") as fh:
            json.dump(OUTCOMES, fh)


class AgentUser(FastHttpUser):
    """An enrolled PC or kiosk: heartbeats at the interval the server asked for."""

    fixed_count = len(_AGENTS["agents"])
    wait_time = constant_pacing(HEARTBEAT_SECONDS)

    def on_start(self):
        agent = _AGENTS["agents"][next(_next_agent) % len(_AGENTS["agents"])]
        self.auth = {"Authorization": f"Bearer {agent['agent_id']}.{agent['secret']}"}
        self.kiosk = agent["kind"] == "kiosk"
        self.uptime = random.randint(600, 8 * 3600)
        gevent.sleep(random.uniform(0, HEARTBEAT_SECONDS))

    @task
    def heartbeat(self):
        self.uptime += int(HEARTBEAT_SECONDS)
        body = {
            "state": "locked",
            "session": None,
            "health": {
                "cpu_percent": round(random.uniform(1, 35), 1),
                "memory_percent": round(random.uniform(30, 70), 1),
                "disk_percent": 63.2,
                "uptime_seconds": self.uptime,
                "os_user": None,
            },
            "version": "1.0.0",
            "outbox_pending": 0,
            "rotate_secret": False,
        }
        with self.client.post("/api/v1/agent/heartbeat", json=body, headers=self.auth,
                              name="POST /api/v1/agent/heartbeat", catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
            elif "policy" not in reply.json():
                reply.failure("reply without a policy")


class ResidentUser(FastHttpUser):
    """A resident on the phone: looks, books, checks the list, cancels."""

    fixed_count = len(_RESIDENTS["residents"])
    wait_time = between(3, 8)  # between one booking and the next

    def on_start(self):
        resident = _RESIDENTS["residents"][next(_next_resident) % len(_RESIDENTS["residents"])]
        with self.client.post("/api/v1/auth/token", json=resident, name="POST /api/v1/auth/token",
                              catch_response=True) as reply:
            if reply.status_code != 201:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
                self.auth = {}
                return
            self.auth = {"Authorization": f"Bearer {reply.json()['token']}"}

    @task
    def book_list_cancel(self):
        if not self.auth:
            return
        site = random.choice(SITES)
        with self.client.get(f"/api/v1/sites/{site}/availability", headers=self.auth,
                             name="GET /api/v1/sites/<slug>/availability",
                             catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
                return
            now = datetime.now(timezone.utc)
            slots = [s for s in reply.json()["slots"] if s["bookable"] and s["free_seat_ids"]
                     and datetime.fromisoformat(s["start"]) > now]
        if not slots:
            return
        gevent.sleep(random.uniform(1, 2))  # a person picks a slot
        slot = random.choice(slots[:24])  # the next few hours, where people book
        body = {"seat_id": random.choice(slot["free_seat_ids"]), "start": slot["start"],
                "end": slot["end"]}
        with self.client.post("/api/v1/bookings", json=body, headers=self.auth,
                              name="POST /api/v1/bookings", catch_response=True) as reply:
            if reply.status_code == 201:
                booking_id = reply.json()["id"]
                OUTCOMES["booked"] += 1
            elif reply.status_code == 409 and reply.json().get("error") == "seat_taken":
                # Another resident booked the same seat and slot between our look and our
                # request: the server refused the double booking, as it must. A right answer.
                reply.success()
                OUTCOMES["seat_taken"] += 1
                return
            else:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
                return
        gevent.sleep(random.uniform(1, 2))
        with self.client.get("/api/v1/bookings", headers=self.auth, name="GET /api/v1/bookings",
                             catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
            elif booking_id not in [b["id"] for b in reply.json()]:
                reply.failure("the new booking is not in the list")
        gevent.sleep(random.uniform(1, 2))
        with self.client.delete(f"/api/v1/bookings/{booking_id}", headers=self.auth,
                                name="DELETE /api/v1/bookings/<id>",
                                catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}: {reply.text[:200]}")
            elif reply.json()["status"] != "cancelled":
                reply.failure(f"status {reply.json()['status']} after cancelling")
            else:
                OUTCOMES["cancelled"] += 1
