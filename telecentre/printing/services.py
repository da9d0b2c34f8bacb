"""Print jobs: read from the site's held queue, tied to a session, released within the allowance.

Services take the acting user (None for the system) and plain values, flush
and never commit; the print server is reached through ``cups_client`` (or a
client passed in). A release or cancel changes our row first and then asks
CUPS: when CUPS refuses, the caller rolls the row back.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from telecentre.agent_api.models import Agent
from telecentre.audit.services import record
from telecentre.common.errors import Conflict, DomainError, Forbidden, NotFound, PolicyViolation
from telecentre.common.time import local_day_bounds, local_today, utcnow
from telecentre.console.models import GuestPass
from telecentre.extensions import db
from telecentre.printing import cups_client
from telecentre.printing.models import PrintJob, PrintSettings
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site
from telecentre.sites.services import open_ranges_on

COUNTED = ("released", "printed")
# CUPS names every loopback client "localhost"; a PC's address may be written any of these ways.
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class PrintServerDown(DomainError):
    status, code = 503, "print_server"


def settings_of(site: Site | int) -> PrintSettings:
    """Return the site's print settings; a site never set up gets the defaults (printing
    off), not stored until ``save_settings``."""
    site_id = site if isinstance(site, int) else site.id
    found = db.session.scalar(select(PrintSettings).where(PrintSettings.site_id == site_id))
    if found is None:
        defaults = {c.key: c.default.arg for c in PrintSettings.__table__.columns
                    if c.default is not None and not callable(c.default.arg)}
        found = PrintSettings(**{**defaults, "site_id": site_id, "queues": []})
    return found


def _client(settings: PrintSettings, client=None):
    if client is not None:
        return client
    try:
        return cups_client.connect(settings)
    except cups_client.PrintServerError as exc:
        raise _down() from exc


def _down() -> PrintServerDown:
    return PrintServerDown(_("The print server cannot be reached. Please try again or ask "
                             "the staff."))


# ------------------------------------------------------------------ who printed it

def _addresses(host: str) -> set[str]:
    host = (host or "").strip().lower()
    return LOOPBACK if host in LOOPBACK else {host}


def session_for(site_id: int, host: str, user: str, created_at: datetime):
    """Return (seat id, session) for a job: by the agent's session tag, else by the PC.

    The PC is the agent whose address is the job's originating host; its
    session is the one running on that seat when the job was created.
    """
    if user:
        tagged = db.session.scalar(select(UsageSession).where(
            UsageSession.local_id == user, UsageSession.site_id == site_id))
        if tagged is not None:
            return tagged.seat_id, tagged
    if not host:
        return None, None
    seat_id = db.session.scalar(
        select(Agent.seat_id).where(Agent.site_id == site_id, Agent.address.in_(_addresses(host)),
                                    Agent.seat_id.is_not(None), Agent.revoked_at.is_(None))
        .order_by(Agent.last_seen_at.desc().nulls_last()).limit(1))
    if seat_id is None:
        return None, None
    usage = db.session.scalar(
        select(UsageSession).where(
            UsageSession.seat_id == seat_id, UsageSession.started_at <= created_at,
            or_(UsageSession.ended_at.is_(None), UsageSession.ended_at >= created_at))
        .order_by(UsageSession.started_at.desc()).limit(1))
    return seat_id, usage


# ------------------------------------------------------------------ reading the queue

def sync_site(settings: PrintSettings, now: datetime | None = None, client=None) -> dict:
    """Record the new jobs of the site's held queues and follow the ones we know.

    A new held job gets a row tied to its session (or to none: "unknown"); a
    held job gone from the server was cancelled there; a released one that
    left the queue has printed. Returns counts.
    """
    now = now or utcnow()
    client = _client(settings, client)
    try:
        waiting = client.waiting_jobs(list(settings.queues or []))
    except cups_client.PrintServerError as exc:
        raise _down() from exc
    known = {j.cups_job_id: j for j in db.session.scalars(select(PrintJob).where(
        PrintJob.site_id == settings.site_id, PrintJob.state.in_(("held", "released"))))}
    added = 0
    for job in waiting:
        row = known.pop(job.job_id, None)
        if row is not None:
            row.seen_at = now
            continue
        if job.state != cups_client.HELD or _seen_before(settings.site_id, job):
            continue
        _add(settings, job, now)
        added += 1
    gone = 0
    for row in known.values():  # no longer waiting on the server
        state = client.job_state(row.cups_job_id) if row.state == "released" else None
        if row.state == "released" and state not in (None, cups_client.COMPLETED):
            continue
        row.state, row.ended_at = ("printed", now) if row.state == "released" else (
            "cancelled", now)
        gone += 1
    db.session.flush()
    return {"added": added, "gone": gone}


def _seen_before(site_id: int, job) -> bool:
    return db.session.scalar(select(func.count(PrintJob.id)).where(
        PrintJob.site_id == site_id, PrintJob.cups_job_id == job.job_id,
        PrintJob.created_at == job.created_at)) > 0


def _add(settings: PrintSettings, job, now: datetime) -> PrintJob:
    seat_id, usage = session_for(settings.site_id, job.host, job.user, job.created_at)
    guest = None
    if usage is not None and usage.kind == "guest":
        guest = db.session.scalar(select(GuestPass.id).where(GuestPass.session_id == usage.id))
    row = PrintJob(site_id=settings.site_id, cups_job_id=job.job_id, queue=job.queue,
                   seat_id=seat_id, session_id=usage.id if usage else None,
                   user_id=usage.user_id if usage else None, guest_pass_id=guest,
                   pages=job.pages or job.copies, pages_known=job.pages is not None,
                   colour=job.colour, state="held", created_at=job.created_at, seen_at=now)
    db.session.add(row)
    return row


# ------------------------------------------------------------------ the allowance

def allowance_left(job: PrintJob, settings: PrintSettings, now: datetime) -> int:
    """Return how many free pages the job's resident or guest pass still has (0 if unknown)."""
    counted = select(func.coalesce(func.sum(PrintJob.free_pages), 0)).where(
        PrintJob.state.in_(COUNTED), PrintJob.id != job.id)
    if job.guest_pass_id is not None:
        used = db.session.scalar(counted.where(PrintJob.guest_pass_id == job.guest_pass_id))
        return max(0, settings.guest_free_pages - used)
    if job.user_id is None:
        return 0
    start = _period_start(settings.period, now)
    used = db.session.scalar(counted.where(
        PrintJob.user_id == job.user_id, PrintJob.site_id == job.site_id,
        PrintJob.released_at >= start))
    return max(0, settings.free_pages - used)


def _period_start(period: str, now: datetime) -> datetime:
    today = local_today(now)
    first = today if period == "day" else today.replace(day=1)
    return local_day_bounds(first)[0]


def quote(job: PrintJob, settings: PrintSettings, now: datetime) -> tuple[int, int]:
    """Return (free pages, cost in grosze) if the job were released now."""
    free = min(job.pages, allowance_left(job, settings, now))
    price = settings.price_colour if job.colour else settings.price_mono
    return free, (job.pages - free) * price


# ------------------------------------------------------------------ acting on a job

def _held(job: PrintJob | None) -> PrintJob:
    if job is None:
        raise NotFound(_("There is no such print job."))
    if job.state != "held":
        raise Conflict(_("This print job is no longer waiting."))
    return job


def _locked(job: PrintJob | None) -> PrintJob | None:
    """On PostgreSQL lock the job and its resident (two releases at once neither print a job
    twice nor spend one allowance twice); SQLite requests and jobs already hold the write lock."""
    if job is None or db.session.get_bind().dialect.name != "postgresql":
        return job
    from telecentre.auth.models import User
    db.session.execute(select(PrintJob.id).where(PrintJob.id == job.id).with_for_update())
    if job.user_id is not None:
        db.session.execute(select(User.id).where(User.id == job.user_id).with_for_update())
    db.session.refresh(job)
    return job


def check_owner(job: PrintJob | None, *, user=None, session_id: int | None = None) -> PrintJob:
    """Refuse (404) a job that is not the resident's, or not of the PC's running session."""
    if job is None or (user is not None and job.user_id != user.id) or (
            session_id is not None and job.session_id != session_id):
        raise NotFound(_("There is no such print job."))
    return job


def release(actor, job: PrintJob | None, via: str, now: datetime | None = None,
            client=None) -> PrintJob:
    """Release a held job to the printer, counting it against the allowance.

    Beyond the allowance the site either refuses (nothing changes) or records
    the cost as owed. A job of no known resident, released at the desk, is
    charged in full.
    """
    now = now or utcnow()
    job = _held(_locked(job))
    settings = settings_of(job.site_id)
    free, cost = quote(job, settings, now)
    known = job.user_id is not None or job.guest_pass_id is not None
    if cost and known and settings.over_allowance == "refuse":
        raise PolicyViolation(_("This job has %(pages)d pages and only %(free)d free pages are "
                                "left. It cannot be printed.", pages=job.pages, free=free))
    if not known and via != "desk":
        raise Forbidden(_("Only the staff can release this print job."))
    job.state, job.released_at, job.released_via = "released", now, via
    job.free_pages, job.cost = free, cost
    db.session.flush()
    record(actor, "print.release", target=job, site=job.site_id,
           details={"pages": job.pages, "free": free, "cost": cost, "via": via})
    try:
        _client(settings, client).release(job.cups_job_id)
    except cups_client.PrintServerError as exc:
        raise _down() from exc
    return job


def cancel(actor, job: PrintJob | None, via: str, now: datetime | None = None,
           client=None, state: str = "cancelled") -> PrintJob:
    """Cancel a held job on the server (its document is removed there too)."""
    now = now or utcnow()
    job = _held(_locked(job))
    job.state, job.ended_at = state, now
    db.session.flush()
    record(actor, f"print.{'purge' if state == 'purged' else 'cancel'}", target=job,
           site=job.site_id, details={"pages": job.pages, "via": via})
    try:
        _client(settings_of(job.site_id), client).cancel(job.cups_job_id)
    except cups_client.PrintServerError as exc:
        raise _down() from exc
    return job


def mark_paid(actor, job: PrintJob | None, now: datetime | None = None) -> PrintJob:
    """Record that the cost of a released job was paid at the desk."""
    if job is None:
        raise NotFound(_("There is no such print job."))
    if job.cost <= 0 or job.paid:
        raise Conflict(_("Nothing is owed for this print job."))
    job.paid, job.paid_at = True, now or utcnow()
    db.session.flush()
    record(actor, "print.paid", target=job, site=job.site_id, details={"cost": job.cost})
    return job


# ------------------------------------------------------------------ purging

def purge_due(now: datetime | None = None, client_for=None) -> int:
    """Cancel the held jobs not released in time, and all of them once the site has closed.

    ``client_for(settings)`` may give the print server's client (tests).
    Returns how many jobs were purged.
    """
    now = now or utcnow()
    purged = 0
    for settings in db.session.scalars(select(PrintSettings).where(PrintSettings.enabled)):
        deadline = now - timedelta(minutes=settings.purge_minutes)
        closed = _closed_since(settings.site, now)
        cutoff = max(deadline, closed) if closed else deadline
        jobs = db.session.scalars(select(PrintJob).where(
            PrintJob.site_id == settings.site_id, PrintJob.state == "held",
            PrintJob.created_at <= cutoff)).all()
        client = client_for(settings) if client_for else None
        for job in jobs:
            try:
                with db.session.begin_nested():  # a server that is down keeps its jobs held
                    cancel(None, job, "purge", now, client=client, state="purged")
            except PrintServerDown:
                break
            purged += 1
    return purged


def _closed_since(site: Site, now: datetime) -> datetime | None:
    """Return when the site closed today if it has closed for the day, else None."""
    ranges = open_ranges_on(site, local_today(now))
    if not ranges or any(start <= now < end for start, end in ranges):
        return None
    last = max(end for _start, end in ranges)
    return last if now >= last else None


# ------------------------------------------------------------------ reading for pages

def held_jobs(site_id: int, **where) -> list[PrintJob]:
    """Return the site's held jobs, oldest first (``user_id=…`` or ``session_id=…`` to narrow)."""
    query = select(PrintJob).where(PrintJob.site_id == site_id, PrintJob.state == "held")
    for name, value in where.items():
        query = query.where(getattr(PrintJob, name) == value)
    return list(db.session.scalars(query.order_by(PrintJob.created_at)))


def owed_jobs(site_id: int) -> list[PrintJob]:
    """Return the site's released jobs whose cost is still owed."""
    return list(db.session.scalars(select(PrintJob).where(
        PrintJob.site_id == site_id, PrintJob.cost > 0, PrintJob.paid.is_(False),
        PrintJob.state.in_(COUNTED)).order_by(PrintJob.released_at)))


# ------------------------------------------------------------------ settings and the desk

def save_settings(actor, settings: PrintSettings, values: dict) -> PrintSettings:
    """Change the site's print settings (prices in grosze, queues a list of names)."""
    if values.get("printer_device_id"):
        from telecentre.monitoring.models import Device
        device = db.session.get(Device, values["printer_device_id"])
        if device is None or device.site_id != settings.site_id or device.kind != "printer":
            raise NotFound(_("There is no such printer at this site."))
    else:
        values["printer_device_id"] = None
    if values.get("enabled") and not (values.get("cups_host") and values.get("queues")):
        raise PolicyViolation(_("Give the print server's address and at least one queue "
                                "before switching printing on."))
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    db.session.flush()
    record(actor, "print.settings", target=settings, site=settings.site_id,
           details={k: v for k, v in values.items() if k != "cups_host"})
    return settings


def desk_panel(site: Site, now: datetime | None = None) -> dict:
    """Return what the console's "Print queue" panel shows: jobs with quotes, owed, printer."""
    now = now or utcnow()
    settings = settings_of(site)
    if not settings.enabled:
        return {"settings": settings, "jobs": [], "owed": [], "printer": None}
    jobs = [(job, *quote(job, settings, now)) for job in held_jobs(site.id)]
    printer = None
    if settings.printer_device_id:
        from telecentre.monitoring.models import Device
        printer = db.session.get(Device, settings.printer_device_id)
    return {"settings": settings, "jobs": jobs, "owed": owed_jobs(site.id), "printer": printer}


def printing_on(site: Site) -> bool:
    """Return True when the site prints through us (for the kiosk's link)."""
    return bool(db.session.scalar(select(PrintSettings.enabled).where(
        PrintSettings.site_id == site.id)))


def anonymise_jobs_before(cutoff: datetime) -> int:
    """Remove who printed (resident, session, guest pass) from jobs created before *cutoff*;
    return how many jobs were changed. Pages, colour and cost stay for the statistics."""
    from sqlalchemy import update
    return db.session.execute(update(PrintJob).where(
        PrintJob.created_at < cutoff,
        or_(PrintJob.user_id.is_not(None), PrintJob.session_id.is_not(None),
            PrintJob.guest_pass_id.is_not(None)))
        .values(user_id=None, session_id=None, guest_pass_id=None)).rowcount
