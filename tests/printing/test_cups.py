"""Printing against a real cupsd on loopback: held, counted, shown, released, printed, purged."""
from datetime import timedelta

import pytest

from telecentre.common.errors import PolicyViolation
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.printing import cups_client, services
from telecentre.printing.models import PrintJob
from tests.printing.cups_server import wait_for


def _sync(settings, expect: int) -> list[PrintJob]:
    """Sync the site until *expect* jobs are recorded (CUPS queues a job asynchronously)."""
    def synced():
        services.sync_site(settings)
        db.session.commit()
        jobs = db.session.query(PrintJob).order_by(PrintJob.id).all()
        return jobs if len(jobs) >= expect else None
    return wait_for(synced, what=f"{expect} job(s) recorded")


def test_job_from_a_session_is_held_counted_released_and_printed(
        print_site, cups_server, running_session, create_user, document):
    resident = create_user("resident")
    usage = running_session(resident, address="127.0.0.1")
    cups_id = cups_server.submit(print_site.queues[0], document(3, "cv-of-the-resident"))

    job, = _sync(print_site, 1)
    assert (job.cups_job_id, job.user_id, job.session_id, job.seat_id) == (
        cups_id, resident.id, usage.id, usage.seat_id)
    assert (job.pages, job.pages_known, job.colour, job.state) == (3, True, False, "held")
    client = cups_client.connect(print_site)
    assert client.job_state(cups_id) == cups_client.HELD
    assert print_site.printer.received() == []  # held: nothing reaches the printer

    services.release(resident, job, "kiosk")
    db.session.commit()
    printed = wait_for(lambda: print_site.printer.received(), what="the printer to receive it")
    assert b"cv-of-the-resident page 3" in printed[0]
    assert (job.state, job.free_pages, job.cost) == ("released", 3, 0)

    wait_for(lambda: client.job_state(cups_id) == cups_client.COMPLETED, what="completion")
    services.sync_site(print_site)
    db.session.commit()
    assert job.state == "printed"


def test_the_document_name_is_never_stored(print_site, cups_server, running_session,
                                           create_user, document):
    running_session(create_user("resident"), address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(1, "plain"))
    job, = _sync(print_site, 1)
    values = [str(getattr(job, c.key)) for c in PrintJob.__table__.columns]
    assert not any("Private document name" in v or "plain" in v for v in values)


def test_a_job_tagged_with_the_session_is_tied_to_it_without_an_address(
        print_site, cups_server, running_session, create_user, document):
    resident = create_user("resident")
    usage = running_session(resident, address="10.0.0.99")
    cups_server.submit(print_site.queues[0], document(2), user=usage.local_id)
    job, = _sync(print_site, 1)
    assert (job.session_id, job.user_id) == (usage.id, resident.id)


def test_a_job_of_no_session_is_unknown_and_only_the_desk_releases_it(
        print_site, cups_server, create_user, document):
    attendant = create_user("attendant", site="cycow")
    cups_server.submit(print_site.queues[0], document(2))
    job, = _sync(print_site, 1)
    assert job.unknown and job.user_id is None
    with pytest.raises(services.DomainError):
        services.release(None, job, "kiosk")
    db.session.rollback()
    services.release(attendant, job, "desk")
    db.session.commit()
    assert (job.free_pages, job.cost) == (0, 2 * print_site.price_mono)
    wait_for(lambda: print_site.printer.received(), what="the printer to receive it")


def test_over_the_allowance_is_refused_when_the_site_refuses(
        print_site, cups_server, running_session, create_user, document):
    print_site.free_pages, print_site.over_allowance = 4, "refuse"
    resident = create_user("resident")
    running_session(resident, address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(3, "first"))
    cups_server.submit(print_site.queues[0], document(2, "second"))
    first, second = _sync(print_site, 2)
    services.release(resident, first, "pc")
    db.session.commit()

    with pytest.raises(PolicyViolation) as refused:
        services.release(resident, second, "pc")
    db.session.rollback()
    assert refused.value.code == "policy_violation" and ": 1." in refused.value.message
    assert second.state == "held"
    client = cups_client.connect(print_site)
    assert client.job_state(second.cups_job_id) == cups_client.HELD  # still held on CUPS


def test_over_the_allowance_is_charged_when_the_site_charges(
        print_site, cups_server, running_session, create_user, document):
    print_site.free_pages, print_site.over_allowance = 4, "charge"
    print_site.price_mono, print_site.price_colour = 50, 200
    resident = create_user("resident")
    attendant = create_user("attendant", site="cycow")
    running_session(resident, address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(3))
    cups_server.submit(print_site.queues[0], document(2), options={"print-color-mode": "color"})
    first, second = _sync(print_site, 2)
    assert second.colour
    services.release(resident, first, "pc")
    services.release(resident, second, "pc")
    db.session.commit()
    assert (second.free_pages, second.cost, second.paid) == (1, 200, False)
    assert services.owed_jobs(print_site.site_id) == [second]
    services.mark_paid(attendant, second)
    db.session.commit()
    assert second.paid and services.owed_jobs(print_site.site_id) == []
    wait_for(lambda: len(print_site.printer.received()) == 2, what="both printed")


def test_a_guest_pass_has_its_own_allowance(print_site, cups_server, running_session, document):
    from telecentre.console.models import GuestPass
    print_site.guest_free_pages, print_site.over_allowance = 2, "refuse"
    usage = running_session(None, address="127.0.0.1", kind="guest")
    db.session.add(GuestPass(site_id=usage.site_id, code="G1234567", minutes=60, batch="b1",
                             expires_at=utcnow() + timedelta(days=1), used_at=utcnow(),
                             session_id=usage.id))
    db.session.commit()
    cups_server.submit(print_site.queues[0], document(3))
    job, = _sync(print_site, 1)
    assert job.guest_pass_id is not None
    with pytest.raises(PolicyViolation):
        services.release(None, job, "pc")
    db.session.rollback()


def test_an_unreleased_job_is_purged_after_the_sites_time(
        print_site, cups_server, running_session, create_user, document):
    running_session(create_user("resident"), address="127.0.0.1")
    cups_id = cups_server.submit(print_site.queues[0], document(1))
    job, = _sync(print_site, 1)
    print_site.purge_minutes = 60
    now = job.created_at + timedelta(minutes=59)
    assert services.purge_due(now) == 0  # not yet

    assert services.purge_due(job.created_at + timedelta(minutes=60)) == 1
    db.session.commit()
    assert (job.state, job.ended_at) == ("purged", job.created_at + timedelta(minutes=60))
    client = cups_client.connect(print_site)
    assert client.job_state(cups_id) in (cups_client.CANCELED, None)
    assert print_site.printer.received() == []


def test_held_jobs_are_purged_at_closing_time(print_site, cups_server, running_session,
                                              create_user, document):
    from telecentre.common.time import local_today
    from telecentre.sites.models import OpeningException
    running_session(create_user("resident"), address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(1))
    job, = _sync(print_site, 1)
    print_site.purge_minutes = 24 * 60
    day = local_today(job.created_at)
    db.session.add(OpeningException(site_id=print_site.site_id, day=day, open_minute=0,
                                    close_minute=1439, note="test"))
    db.session.commit()
    db.session.expire_all()
    from telecentre.sites.services import open_ranges_on
    (_start, closes), = open_ranges_on(print_site.site, day)
    assert services.purge_due(closes - timedelta(seconds=1)) == 0
    if job.created_at < closes:
        assert services.purge_due(closes) == 1
        db.session.commit()
        assert job.state == "purged"
