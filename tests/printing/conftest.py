"""Printing fixtures: a real cupsd and printer on loopback, a site set up to print."""
import uuid
from datetime import timedelta

import pytest

from telecentre.common.time import utcnow
from telecentre.extensions import db
from tests.printing.cups_server import CupsServer, missing_binaries


@pytest.fixture(scope="session")
def cups_server():
    """cupsd on 127.0.0.1:<free port> with an AppSocket printer; skipped without CUPS."""
    missing = missing_binaries()
    if missing:
        pytest.skip("CUPS is not installed (scripts/system-deps.sh installs it): "
                    + ", ".join(missing))
    pytest.importorskip("cups", reason="pycups is not installed (pip install -e .)")
    server = CupsServer()
    yield server
    server.stop()


@pytest.fixture
def print_site(app, cups_server, create_seat, create_agent):
    """Return the site cycow printing to a fresh held queue on the test's CUPS server."""
    from telecentre.printing.services import settings_of
    from telecentre.sites.services import get_site
    site = get_site("cycow")
    queue = f"public-{uuid.uuid4().hex[:8]}"
    settings_printer = cups_server.add_held_queue(queue)
    settings = settings_of(site)
    settings.enabled, settings.cups_host, settings.cups_port = True, "127.0.0.1", cups_server.port
    settings.queues = [queue]
    db.session.add(settings)
    db.session.commit()
    settings.printer = settings_printer  # the queue's own printer, for the test to read
    return settings


@pytest.fixture
def running_session(app, create_seat, create_agent):
    """Return ``running_session(resident=None, address=None, kind="walk_in")``: a session
    running on a new seat whose agent has ``address``."""
    from telecentre.sessions.models import UsageSession

    def make(resident=None, address=None, kind="walk_in", site="cycow"):
        seat = create_seat(site)
        agent = create_agent(seat)
        agent.address = address
        usage = UsageSession(site_id=seat.site_id, seat_id=seat.id,
                             user_id=resident.id if resident else None, kind=kind,
                             started_at=utcnow() - timedelta(minutes=5), minutes_granted=60,
                             local_id=str(uuid.uuid4()))
        db.session.add(usage)
        db.session.commit()
        return usage

    return make


@pytest.fixture
def document(tmp_path):
    """Return ``document(pages, marker)``: a plain-text file of ``pages`` pages."""
    counter = iter(range(1, 1000))

    def make(pages=1, marker=None):
        marker = marker or f"document-{next(counter)}"
        path = tmp_path / f"{marker}.txt"
        path.write_bytes(b"\f".join(f"{marker} page {n}\n".encode() for n in range(1, pages + 1)))
        return path

    return make
