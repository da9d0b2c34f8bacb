"""``make demo``: simulated PCs at every site, with people using them, at any hour.

``start(app, processes)`` launches ``python -m telecentre.agent_api.demo PORT DIR``.
That process waits for the demo server, enrols real agents
(``telecentre-agent --ui console --os-backend simulated``) for the first
``TELECENTRE_DEMO_PCS`` PCs (default 2) and the kiosk of every site, then keeps
the rooms alive: it books the seat in front of a locked PC for a demo resident
and types the booking code (or a guest code) into the agent, as a visitor
would; one session per site is short so the console shows its warning; a few
residents wait in each site's queue and a few bookings are made for later
today. When every site has a running session it writes ``DIR/ready`` (the demo
prints its logins after that). Agents' own output goes to ``DIR/<seat>.log``.
"""
from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

PCS_PER_SITE = int(os.environ.get("TELECENTRE_DEMO_PCS", "2"))
TOP_UP_SECONDS = 20
log = logging.getLogger(__name__)


def start(app, processes: list) -> None:
    """Start the simulated PCs' driver as a child process of the demo."""
    state_dir = Path(app.instance_path) / "demo-agents"
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "ready").unlink(missing_ok=True)
    processes.append(subprocess.Popen([sys.executable, "-m", "telecentre.agent_api.demo",
                                       os.environ.get("PORT", "5000"), str(state_dir)]))


class SimulatedPc:
    """One agent process and what it last said about itself."""

    def __init__(self, site_slug: str, seat, state_dir: Path, server: str, token: str | None):
        self.site_slug, self.seat_id, self.seat_name = site_slug, seat.id, seat.name
        self.kind = seat.kind
        self.state = "starting"
        self.pending: list = []  # the code typed last while still locked, and tries left
        self.dir = state_dir / f"{site_slug}-{seat.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        agent = shutil.which("telecentre-agent", path=os.path.dirname(sys.executable))
        command = ([agent] if agent else [sys.executable, "-m", "agent"]) + [
            "--server", server, "--state-dir", str(self.dir), "--ui", "console",
            "--os-backend", "simulated", "--seat-name", seat.name, "--kind", seat.kind]
        if token:
            command += ["--enrollment-token", token]
        self.log = open(state_dir / f"{site_slug}-{seat.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.process.stdout:
            self.log.write(raw)
            self.log.flush()
            try:
                self.state = json.loads(raw).get("state", self.state)
            except ValueError:
                continue

    def type(self, line: str) -> None:
        """Type a line on the lock screen (a booking or guest code; empty: a kiosk touch)."""
        try:
            self.process.stdin.write(line.encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)


def _wait_for_server(base: str, stop: list) -> bool:
    while not stop:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as reply:  # nosec B310
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _demo_seats(site):
    from sqlalchemy import select

    from telecentre.extensions import db
    from telecentre.seats.models import Seat
    seats = db.session.scalars(select(Seat).where(Seat.site_id == site.id)
                               .order_by(Seat.kind.desc(), Seat.name)).all()
    pcs = [s for s in seats if s.kind == "pc"][:PCS_PER_SITE]
    return pcs + [s for s in seats if s.kind == "kiosk"][:1]


def _enrol(state_dir: Path, server: str) -> list[SimulatedPc]:
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.sites.services import list_sites
    pcs = []
    for site in list_sites():
        for seat in _demo_seats(site):
            enrolled = (state_dir / f"{site.slug}-{seat.name}" / "state.json").exists()
            token = None
            for _attempt in range(10):  # SQLite may be busy with the server's start
                if enrolled:
                    break
                try:
                    _writing()
                    token = new_enrollment_token(None, site, utcnow())
                    db.session.commit()
                    break
                except SQLAlchemyError:
                    db.session.rollback()
                    time.sleep(1)
            pcs.append(SimulatedPc(site.slug, seat, state_dir, server, token))
    return pcs


def _residents() -> list[int]:
    from sqlalchemy import select

    from telecentre.auth.models import User
    from telecentre.extensions import db
    return list(db.session.scalars(select(User.id).where(User.login.like("demo-resident-%"),
                                                         User.active.is_(True))))


def _someone(residents: list[int], rng):
    """A demo resident (the session is new every round, so rows are loaded again)."""
    from telecentre.auth.models import User
    from telecentre.extensions import db
    return db.session.get(User, rng.choice(residents))


def _writing() -> None:
    """End the reading transaction and take the write lock (SQLite in WAL mode needs it)."""
    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    db.session.commit()
    begin_write(db.session)


def _book_now(seat, resident, minutes: int) -> str | None:
    """Book ``seat`` from now for ``resident``; return the code (None when the seat is taken)."""
    from telecentre.booking.codes import new_code
    from telecentre.booking.models import Booking
    from telecentre.booking.services import seat_is_free
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    _writing()
    now = utcnow().replace(second=0, microsecond=0)
    end = now + timedelta(minutes=minutes)
    if not seat_is_free(seat, now, end, utcnow()):
        return None
    booking = Booking(site_id=seat.site_id, seat_id=seat.id, resident_id=resident.id,
                      start=now, end=end, code=new_code(), source="desk")
    db.session.add(booking)
    db.session.commit()
    return booking.code


def _guest_code(site) -> str:
    from telecentre.console.guests import issue_passes
    from telecentre.extensions import db
    _writing()
    code = issue_passes(None, site, 1, 45, note="demo")[0].code
    db.session.commit()
    return code


def _later_today(site, seats, residents, rng) -> None:
    """A few bookings later today on seats without a simulated PC (the day's list)."""
    from sqlalchemy import func, select

    from telecentre.booking.models import Booking
    from telecentre.common.time import local_day_bounds, local_today, utcnow
    from telecentre.extensions import db
    from telecentre.seats.models import Seat
    start_of_day, end_of_day = local_day_bounds(local_today())
    have = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.site_id == site.id, Booking.start >= utcnow(), Booking.start < end_of_day,
        Booking.status == "booked"))
    if have >= 2:
        return
    others = db.session.scalars(select(Seat).where(
        Seat.site_id == site.id, Seat.kind == "pc", Seat.id.not_in([s.id for s in seats])))
    for seat, hours in zip(others, (1, 2, 3), strict=False):
        start = (utcnow() + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
        _book_for(seat, _someone(residents, rng), start, start + timedelta(minutes=45))


def _book_for(seat, resident, start, end) -> None:
    from telecentre.booking.codes import new_code
    from telecentre.booking.models import Booking
    from telecentre.booking.services import seat_is_free
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    _writing()
    if seat_is_free(seat, start, end, utcnow()):
        db.session.add(Booking(site_id=seat.site_id, seat_id=seat.id, resident_id=resident.id,
                               start=start, end=end, code=new_code(), source="web"))
        db.session.commit()


def _queue(site, residents, rng) -> None:
    """Keep two residents waiting in the site's walk-in queue."""
    from telecentre.auth.models import User
    from telecentre.booking.queue import join_queue, waiting
    from telecentre.common.errors import DomainError
    from telecentre.extensions import db
    for resident_id in rng.sample(residents, 4):
        if len(waiting(site)) >= 2:
            return
        try:
            _writing()
            join_queue(None, site, db.session.get(User, resident_id))
            db.session.commit()
        except DomainError:
            db.session.rollback()


def _top_up(pcs: list[SimulatedPc], residents, rng) -> None:
    """Start a session on every locked simulated PC: a booking code, now and then a guest code."""
    from telecentre.extensions import db
    from telecentre.seats.models import Seat
    from telecentre.sites.services import get_site
    short_given = set()
    for pc in pcs:
        if pc.state != "locked":
            pc.pending = []
            continue
        if pc.pending and pc.pending[1] > 0:  # the agent was still busy: type it again
            pc.pending[1] -= 1
            pc.type(pc.pending[0])
            continue
        if pc.kind == "kiosk":
            pc.type("")
            continue
        seat = db.session.get(Seat, pc.seat_id)
        if pc.site_slug not in short_given:  # one short session per site: its warning shows
            short_given.add(pc.site_slug)
            code = _book_now(seat, _someone(residents, rng), rng.randint(6, 9))
        elif rng.random() < 0.3:
            code = _guest_code(get_site(pc.site_slug))
        else:
            code = _book_now(seat, _someone(residents, rng), rng.randint(25, 55))
        if code:
            pc.pending = [code, 2]
            pc.type(code)


def _all_sites_busy(pcs: list[SimulatedPc]) -> bool:
    busy = {pc.site_slug for pc in pcs if pc.state == "in_session"}
    return busy == {pc.site_slug for pc in pcs}


def run(port: int, state_dir: Path) -> None:
    """Drive the simulated PCs until SIGTERM."""
    from telecentre import create_app
    from telecentre.extensions import db
    from telecentre.sites.services import list_sites
    stop: list = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    base = f"http://127.0.0.1:{port}"
    if not _wait_for_server(base, stop):
        return
    app = create_app()
    rng = random.Random()
    with app.app_context():
        pcs = _enrol(state_dir, base)
        residents = _residents() or []
        try:
            while not stop:
                try:
                    if residents:
                        _top_up(pcs, residents, rng)
                        for site in list_sites():
                            _queue(site, residents, rng)
                            _later_today(site, _demo_seats(site), residents, rng)
                except SQLAlchemyError as exc:  # SQLite busy with the server: next round
                    log.warning("demo PCs: %s", exc.__class__.__name__)
                    db.session.rollback()
                db.session.remove()
                if _all_sites_busy(pcs):
                    (state_dir / "ready").touch()
                for _tick in range(TOP_UP_SECONDS * 2):
                    if stop or not (state_dir / "ready").exists():
                        break
                    time.sleep(0.5)
                if not (state_dir / "ready").exists():
                    time.sleep(2)  # still starting: look again soon
        finally:
            for pc in pcs:
                pc.stop()
            for pc in pcs:
                try:
                    pc.process.wait(10)
                except subprocess.TimeoutExpired:
                    pc.process.kill()


if __name__ == "__main__":
    run(int(sys.argv[1]), Path(sys.argv[2]))
