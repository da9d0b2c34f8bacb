"""``make demo``: a running system on SQLite with demo seats, users and live parts.

Run as ``python -m telecentre.demo``. It migrates the database, adds the seven
sites, seeds demo seats and one login per role (passwords made up once and
kept in ``instance/demo-logins.txt``), lets each feature add its demo data and
background processes (a feature's ``demo.py`` with ``seed()`` and/or
``start(app, processes)``), starts the scheduler process, and serves the
dashboard with gunicorn until Ctrl+C.
"""
import importlib
import os
import secrets
import signal
import subprocess
import sys
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
    db.session.commit()
    logins_file.write_text("\n".join("\t".join(v) for v in known.values()) + "\n")
    os.chmod(logins_file, 0o600)
    return list(known.values())


def main() -> None:
    """Prepare the demo database and run the whole system until interrupted."""
    os.environ.setdefault("TELECENTRE_SECURE_COOKIES", "false")  # plain http on loopback
    os.environ.setdefault("TELECENTRE_LOG_FORMAT", "text")  # people read this terminal
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
    print(f"\nTelecentre demo: http://127.0.0.1:{port}/\n", flush=True)
    for login, role, password in logins:
        print(f"  {role:10} login: {login:16} password: {password}", flush=True)
    print("\nCtrl+C stops everything.\n", flush=True)
    server = subprocess.Popen([sys.executable, "-m", "telecentre.cli", "serve", "--port",
                               str(port), "--workers", "2"])
    processes.append(server)
    try:
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
