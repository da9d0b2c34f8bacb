"""``make demo``: a running system on SQLite with demo seats, users and live parts.

Run as ``python -m telecentre.demo``. It migrates the database, adds the seven
sites, seeds demo seats and one login per role (passwords made up once and
kept in ``instance/demo-logins.txt``), lets each feature add its demo data and
background processes (a feature's ``demo.py`` with ``seed()`` and/or
``start(app, processes)``), starts the scheduler and a task worker (on the
embedded queue, a SQLite file in the instance folder: no server needed), and
serves the dashboard with gunicorn until Ctrl+C.
"""
import importlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

DEMO_SEATS = {  # site: (PCs, kiosks)
    "starostwo": (6, 1), "leczna": (8, 1), "cycow": (4, 1), "milejow": (4, 1),
    "ludwin": (3, 1), "puchaczow": (4, 1), "spiczyn": (3, 1),
}
DEMO_USERS = (("admin", "admin", None, "Administrator powiatu"),
              ("it", "it", None, "Dział informatyki"),
              ("opiekun.cycow", "attendant", "cycow", "Opiekun sali w Cycowie"),
              ("mieszkaniec", "resident", None, "Jan Kowalski"))


def _feature_modules(name: str):
    from telecentre import FEATURES
    for feature in FEATURES:
        try:
            yield importlib.import_module(f"{feature}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{feature}.{name}":
                raise


def seed_demo(app) -> list[tuple[str, str, str]]:
    """Add the demo seats and logins (once); return (login, role, password) for each login."""
    from sqlalchemy import select

    from telecentre.auth.models import User
    from telecentre.auth.services import create_user
    from telecentre.extensions import db
    from telecentre.seats.models import Seat
    from telecentre.seats.services import add_seat
    from telecentre.sites.services import get_site
    logins_file = Path(app.instance_path) / "demo-logins.txt"
    known = {}
    if logins_file.exists():
        for line in logins_file.read_text().splitlines():
            login, role, password = line.split("\t")
            known[login] = (login, role, password)
    for slug, (pcs, kiosks) in DEMO_SEATS.items():
        site = get_site(slug)
        if db.session.scalar(select(Seat.id).where(Seat.site_id == site.id).limit(1)):
            continue
        for i in range(1, pcs + 1):
            add_seat(None, site, f"PC-{i:02d}", accessible=(i == 1))
        for i in range(1, kiosks + 1):
            add_seat(None, site, f"Infomat-{i}", kind="kiosk")
    for login, role, site_slug, name in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.login == login)):
            continue
        password = secrets.token_urlsafe(9)
        create_user(None, login, role=role, password=password,
                    site=get_site(site_slug) if site_slug else None, display_name=name,
                    consent=True)
        known[login] = (login, role, password)
    for module in _feature_modules("demo"):
        if hasattr(module, "seed"):
            module.seed()
    open_around_the_clock()
    db.session.commit()
    logins_file.write_text("\n".join("\t".join(v) for v in known.values()) + "\n")
    os.chmod(logins_file, 0o600)
    return list(known.values())


def open_around_the_clock() -> None:
    """Open the demo sites every hour of every day, holidays too, so the demo is alive at any hour.

    Only the demo does this, after the history was made with office hours.
    """
    from datetime import timedelta

    from telecentre.common.time import local_today
    from telecentre.sites.services import add_exception, list_sites, public_holiday, set_hours
    always = "mon-sun 00:00-24:00"
    today = local_today()
    for site in list_sites():
        if [(h.weekday, h.open_minute, h.close_minute) for h in site.hours] != [
                (d, 0, 1440) for d in range(7)]:
            set_hours(None, site, [always])
        known = {e.day for e in site.exceptions}
        for ahead in range(-1, 400):
            day = today + timedelta(days=ahead)
            if day not in known and public_holiday(day, "pl"):
                add_exception(None, site, day, "00:00-24:00", note="demo")


def _wait_for(path: Path, server: subprocess.Popen, seconds: float) -> bool:
    """Wait until ``path`` exists (the simulated PCs are in use) or the server ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        if path.exists():
            return True
        time.sleep(0.5)
    return False


def main() -> None:
    """Prepare the demo database and run the whole system until interrupted."""
    os.environ.setdefault("TELECENTRE_SECURE_COOKIES", "false")  # plain http on loopback
    os.environ.setdefault("TELECENTRE_LOG_FORMAT", "text")  # people read this terminal
    # The simulated PCs all enrol from 127.0.0.1 within a few seconds of the start.
    os.environ.setdefault("TELECENTRE_RATELIMIT_AGENT_ENROLL", "100 per minute")
    # Warnings only in the terminal: every request of twenty simulated PCs would bury the
    # logins; the access log goes to instance/demo-access.log.
    os.environ.setdefault("TELECENTRE_LOG_LEVEL", "WARNING")
    from flask_migrate import upgrade

    from telecentre import create_app
    from telecentre.extensions import db
    from telecentre.sites.services import seed_sites
    port = int(os.environ.get("PORT", "5000"))
    os.environ.setdefault("TELECENTRE_PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    app = create_app()
    with app.app_context():
        upgrade()
        seed_sites()
        db.session.commit()
        logins = seed_demo(app)
    processes: list[subprocess.Popen] = []
    with app.app_context():
        for module in _feature_modules("demo"):
            if hasattr(module, "start"):
                module.start(app, processes)
    processes.append(subprocess.Popen([sys.executable, "-m", "telecentre.cli", "scheduler"]))
    processes.append(subprocess.Popen([sys.executable, "-m", "telecentre.cli", "worker",
                                       "--concurrency", "8"]))
    access_log = open(Path(app.instance_path) / "demo-access.log", "ab")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "telecentre.cli", "serve", "--port",
                               str(port), "--workers", "2"], stdout=access_log)
    processes.append(server)
    try:
        # The logins come last, after the start-up noise, once every site has a session.
        ready = _wait_for(Path(app.instance_path) / "demo-agents" / "ready", server, 110)
        print(f"\nTelecentre demo: http://127.0.0.1:{port}/\n", flush=True)
        if not ready:
            print("  (the simulated PCs are still starting)", flush=True)
        for login, role, password in logins:
            print(f"  {role:10} login: {login:16} password: {password}", flush=True)
        print(f"\nAccess log: {access_log.name}. Ctrl+C stops everything.\n", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in reversed(processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
