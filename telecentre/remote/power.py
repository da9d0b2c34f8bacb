"""Wake-on-LAN for seats and the power schedules of sites.

Waking is direct when the server has a leg in the site's subnet (config
``REMOTE_WOL_DIRECT_SUBNETS``), otherwise relayed: a ``wake`` command is
queued for an online agent of the same site (docs/agent-protocol.md).

A power schedule wakes the site's PCs ``wake_minutes_before`` opening and,
``shutdown_minutes_after`` closing, shuts them down with a warning of
``warn_minutes``. A PC whose session still has time is never cut: its user
is warned first, the session is ended through the agent after the warning,
and only then is the PC shut down. Without the agent feature such a PC is
left on until its session ends by itself.
"""
from __future__ import annotations

from datetime import timedelta

import netaddr
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import open_ranges_on

from .agents import agent_bridge
from .models import PowerSchedule, RemoteRun, RemoteRunHost
from .services import create_run, require_it, target_for
from .wol import WakeError, broadcast_for, relay_command, send_magic_packet

# Runs of one closing share this scope, which also tells which PCs are done.
POWER_SCOPE = "power:{slug}@{closing}"


def schedule_for(site) -> PowerSchedule | None:
    """The site's power schedule, if it has one."""
    return db.session.scalar(select(PowerSchedule).where(PowerSchedule.site_id == site.id))


def set_schedule(actor, site, *, enabled: bool | None = None,
                 wake_minutes_before: int | None = None, shutdown_minutes_after: int | None = None,
                 warn_minutes: int | None = None) -> PowerSchedule:
    """Create or change a site's power schedule (None leaves a value as it is). Audited."""
    require_it(actor)
    limits = {"wake_minutes_before": (0, 240), "shutdown_minutes_after": (0, 240),
              "warn_minutes": (1, 30)}
    values = {"wake_minutes_before": wake_minutes_before,
              "shutdown_minutes_after": shutdown_minutes_after, "warn_minutes": warn_minutes}
    for name, value in values.items():
        low, high = limits[name]
        if value is not None and (not isinstance(value, int) or not low <= value <= high):
            raise InvalidInput(_("Minutes must be whole numbers between %(low)s and %(high)s.",
                                 low=low, high=high))
    schedule = schedule_for(site)
    if schedule is None:
        schedule = PowerSchedule(site_id=site.id, enabled=True, wake_minutes_before=15,
                                 shutdown_minutes_after=10, warn_minutes=5)
        db.session.add(schedule)
    if enabled is not None:
        schedule.enabled = bool(enabled)
    for name, value in values.items():
        if value is not None:
            setattr(schedule, name, value)
    db.session.flush()
    record(actor, "remote.power.schedule", target=schedule, site=site.id,
           details={"enabled": schedule.enabled, **{k: getattr(schedule, k) for k in values}})
    return schedule


def server_reaches(site) -> bool:
    """True when one of the site's subnets lies in ``REMOTE_WOL_DIRECT_SUBNETS``."""
    direct = [netaddr.IPNetwork(c) for c in current_app.config["REMOTE_WOL_DIRECT_SUBNETS"]]
    return any(netaddr.IPNetwork(s) in net or net in netaddr.IPNetwork(s)
               for s in site.subnets or [] for net in direct)


def wake_seat(actor, seat: Seat, *, send=send_magic_packet) -> dict:
    """Wake *seat* directly or through an online agent of its site; return what was done.

    Raises InvalidInput (no MAC, no matching subnet) or Conflict (no agent
    online to relay). Audited.
    """
    require_it(actor)
    target = target_for(seat)
    if not target.mac:
        raise InvalidInput(_("The MAC address of %(seat)s is not known.", seat=seat.name))
    try:
        broadcast = broadcast_for(target.address, seat.site.subnets or [])
    except WakeError:
        raise InvalidInput(_("Set the subnets of the site (and the address of %(seat)s) "
                             "to wake it.", seat=seat.name)) from None
    done = {"seat": seat.name, "mac": target.mac, "broadcast": broadcast}
    if server_reaches(seat.site):
        send(target.mac, broadcast)
        done["via"] = "server"
    else:
        bridge = agent_bridge()
        relays = [s for s in (bridge.online_seats(seat.site) if bridge else []) if s.id != seat.id]
        if not relays:
            raise Conflict(_("No computer at %(site)s is online to pass the wake-up on.",
                             site=seat.site.name), code="no_relay")
        command = relay_command(target.mac, broadcast)
        bridge.queue_command(relays[0], command["kind"], command["args"], actor)
        done["via"] = relays[0].name
    record(actor, "remote.wake", target=seat, site=seat.site_id, details=done)
    return done


def running_with_time_left(seats, now) -> set[int]:
    """Ids of *seats* with a session still running and minutes left at *now*."""
    ids = [s.id for s in seats]
    sessions = db.session.scalars(select(UsageSession).where(
        UsageSession.seat_id.in_(ids), UsageSession.ended_at.is_(None))) if ids else []
    return {s.seat_id for s in sessions
            if s.started_at + timedelta(minutes=s.minutes_granted or 0) > now}


def power_tick(now=None, *, send=send_magic_packet) -> list[int]:
    """Do the schedules' due steps for every site; return the ids of runs to execute.

    The caller (the ``remote.power`` job) commits and then executes the runs.
    """
    now = now or utcnow()
    runs = []
    for schedule in db.session.scalars(select(PowerSchedule).where(PowerSchedule.enabled)):
        site = schedule.site
        for day in (local_today(now) - timedelta(days=1), local_today(now)):
            for opening, closing in open_ranges_on(site, day):
                _maybe_wake(schedule, opening, now, send)
                runs += _maybe_shut_down(schedule, closing, now)
    db.session.flush()
    return runs


def _seats(site) -> list[Seat]:
    return list(db.session.scalars(select(Seat).where(
        Seat.site_id == site.id, Seat.in_service.is_(True), Seat.kind == "pc")
        .order_by(Seat.name)))


def _maybe_wake(schedule: PowerSchedule, opening, now, send) -> None:
    start = opening - timedelta(minutes=schedule.wake_minutes_before)
    if not start <= now < opening or schedule.last_wake_for == opening:
        return
    schedule.last_wake_for = opening
    woken, failed = [], {}
    for seat in _seats(schedule.site):
        try:
            woken.append(wake_seat(None, seat, send=send)["seat"])
        except (InvalidInput, Conflict) as exc:
            failed[seat.name] = exc.message
    record(None, "remote.power.wake", site=schedule.site_id,
           details={"opening": opening.isoformat(), "woken": woken, "failed": failed})


def _maybe_shut_down(schedule: PowerSchedule, closing, now) -> list[int]:
    """Warn at closing + delay, shut down idle PCs; busy ones after the warning."""
    due = closing + timedelta(minutes=schedule.shutdown_minutes_after)
    if now < due or now > due + timedelta(hours=6) or schedule.last_shutdown_for == closing:
        return []
    site, warn = schedule.site, schedule.warn_minutes
    scope = POWER_SCOPE.format(slug=site.slug, closing=closing.isoformat())
    done = set(db.session.scalars(
        select(RemoteRunHost.seat_id).join(RemoteRun).where(
            RemoteRun.scope == scope, RemoteRun.action == "shutdown")))
    seats = [s for s in _seats(site) if s.id not in done]
    busy = running_with_time_left(seats, now)
    bridge = agent_bridge()
    if schedule.last_warn_for != closing:
        schedule.last_warn_for = closing
        for seat in seats:
            if seat.id in busy and bridge:
                bridge.queue_command(seat, "message", {"text": _(
                    "The room is closed. Your session ends in %(minutes)s minutes and the "
                    "computer shuts down: please save your work.", minutes=warn)})
        record(None, "remote.power.warn", site=site.id,
               details={"closing": closing.isoformat(), "busy": sorted(busy)})
        return _shutdown(site, [s for s in seats if s.id not in busy], warn, scope)
    if now < due + timedelta(minutes=warn):
        return []
    # Only a seat whose agent took the end_session command is shut down while busy;
    # a busy seat without an agent waits until its session is over.
    ending = [s for s in seats if s.id in busy and bridge is not None
              and bridge.queue_command(s, "end_session", {"reason": "closing"}) is not None]
    idle = [s for s in seats if s.id not in busy]
    if len(ending) + len(idle) == len(seats):
        schedule.last_shutdown_for = closing
    return _shutdown(site, ending + idle, 1, scope)


def _shutdown(site, seats, delay: int, scope: str) -> list[int]:
    if not seats:
        return []
    run = create_run(None, "shutdown", {"delay_minutes": delay}, seats, scope=scope)
    return [run.id]
