"""Privacy (RODO/GDPR): retention, a resident's own data, and deleting an account.

- Retention: usage older than ``RETENTION_DAYS`` loses every link to a
  person (user, booking, the agent's id); bookings that old are deleted. The
  rollups of those days were built before and stay: they hold only counts
  and keyed-hash pseudonyms for unique users.
- Export: everything the system holds about a resident, as one JSON document.
- Deletion: open bookings are cancelled, personal fields are erased and the
  account becomes an anonymous tombstone that can no longer sign in. Its id
  stays, so its past sessions and bookings remain as pseudonymous history
  and the statistics do not change.
"""
import secrets
from datetime import datetime, timedelta

from flask import current_app

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from telecentre.audit.models import AuditEntry
from telecentre.audit.personal import erase_older_than, erase_person
from telecentre.audit.services import record
from telecentre.auth.models import (ApiToken, PasswordResetToken, ResidentBlock, ResidentNote,
                                    User)
from telecentre.auth.services import reserve_login
from telecentre.auth.passwords import verify_secret
from telecentre.booking.models import OPEN_STATUSES, Booking, CalendarFeed
from telecentre.console.models import ResidentNotice
from telecentre.common.errors import Forbidden, InvalidInput
from telecentre.common.time import local_day_bounds, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site
from telecentre.stats.incremental import retention_horizon, run_rollup


def apply_retention(now: datetime | None = None) -> dict:
    """Pseudonymise usage and delete bookings from before the retention horizon; return counts.

    Brings the rollups up to date first, so nothing is lost from the
    figures. Flushes.
    """
    now = now or utcnow()
    run_rollup(now)
    cutoff = local_day_bounds(retention_horizon(now))[0]
    sessions = db.session.execute(
        update(UsageSession)
        .where(UsageSession.started_at < cutoff,
               or_(UsageSession.user_id.is_not(None), UsageSession.booking_id.is_not(None),
                   UsageSession.local_id.is_not(None)))
        .values(user_id=None, booking_id=None, local_id=None)).rowcount
    bookings = db.session.execute(
        delete(Booking).where(Booking.end < cutoff,
                              Booking.status.not_in(OPEN_STATUSES))).rowcount
    others = _other_retention(now, cutoff)
    if sessions or bookings or any(others.values()):
        record(None, "privacy.retention", details={
            "before": cutoff.isoformat(), "sessions": sessions, "bookings": bookings, **others})
    db.session.flush()
    return {"sessions_pseudonymised": sessions, "bookings_deleted": bookings, **others}


def _other_retention(now: datetime, cutoff: datetime) -> dict:
    """Apply the retention of the other personal records (``RETENTION`` settings); return counts.

    Audit entries lose their personal details (the chain stays); the agents'
    raw event log, messages to residents, ended queue entries and spent guest
    passes are deleted; print jobs lose who printed them (pages and costs stay, as counts).
    """
    from telecentre.agent_api.models import AgentEvent
    from telecentre.printing.services import anonymise_jobs_before
    from telecentre.booking.models import QueueEntry
    from telecentre.console.models import GuestPass
    cfg = current_app.config
    audit_cutoff = now - timedelta(days=int(cfg["AUDIT_PERSONAL_RETENTION_DAYS"]))
    events_cutoff = now - timedelta(days=int(cfg["AGENT_EVENT_RETENTION_DAYS"]))
    return {
        "audit_personal_erased": erase_older_than(audit_cutoff),
        "agent_events_deleted": db.session.execute(
            delete(AgentEvent).where(AgentEvent.received_at < events_cutoff)).rowcount,
        "notices_deleted": db.session.execute(
            delete(ResidentNotice).where(ResidentNotice.created_at < cutoff)).rowcount,
        "queue_entries_deleted": db.session.execute(
            delete(QueueEntry).where(QueueEntry.created_at < cutoff,
                                     QueueEntry.status.in_(("left", "expired", "accepted"))))
        .rowcount,
        "guest_passes_deleted": db.session.execute(
            delete(GuestPass).where(GuestPass.expires_at < cutoff)).rowcount,
        "print_jobs_anonymised": anonymise_jobs_before(cutoff),
    }


def export_data(user: User) -> dict:
    """Return everything held about ``user`` (account, bookings, sessions, own actions)."""
    sites = {s.id: s.slug for s in db.session.scalars(select(Site))}
    seats = {s.id: s.name for s in db.session.scalars(select(Seat))}
    bookings = db.session.scalars(select(Booking).where(Booking.resident_id == user.id)
                                  .order_by(Booking.start)).all()
    sessions = db.session.scalars(select(UsageSession).where(UsageSession.user_id == user.id)
                                  .order_by(UsageSession.started_at)).all()
    actions = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                                 .order_by(AuditEntry.at)).all()

    def iso(value):
        return value.isoformat() if value else None

    return {
        "exported_at": utcnow().isoformat(),
        "account": {"login": user.login, "display_name": user.display_name,
                    "email": user.email, "phone": user.phone, "role": user.role,
                    "home_site": sites.get(user.site_id), "card_number": user.card_number,
                    "has_pin": bool(user.pin_hash), "locale": user.locale,
                    "consent_at": iso(user.consent_at),
                    "privacy_notice_version": user.privacy_version,
                    "created_at": iso(user.created_at),
                    "last_login_at": iso(user.last_login_at)},
        "bookings": [{"site": sites.get(b.site_id), "seat": seats.get(b.seat_id),
                      "start": iso(b.start), "end": iso(b.end), "status": b.status,
                      "source": b.source, "created_at": iso(b.created_at),
                      "checked_in_at": iso(b.checked_in_at),
                      "cancelled_at": iso(b.cancelled_at)} for b in bookings],
        "sessions": [{"site": sites.get(s.site_id), "seat": seats.get(s.seat_id),
                      "kind": s.kind, "started_at": iso(s.started_at),
                      "ended_at": iso(s.ended_at), "end_reason": s.end_reason,
                      "minutes_granted": s.minutes_granted} for s in sessions],
        "actions": [{"at": iso(a.at), "action": a.action, "ip": a.source_ip}
                    for a in actions],
        "retention_days_note": _("Usage older than the retention period is kept only "
                                 "without your name."),
    }


def delete_account(actor: User, user: User, password: str | None = None) -> dict:
    """Delete ``user``'s account: cancel open bookings, erase personal data, keep a tombstone.

    A resident deletes their own account and must give their password
    (``password``); an admin may delete any resident's. Raises Forbidden or
    InvalidInput. Flushes and audits; returns counts.
    """
    if user.role != "resident":
        raise Forbidden(_("Only residents' accounts can be deleted here."))
    if actor.id == user.id:
        if not verify_secret(user.password_hash, password or ""):
            raise InvalidInput(_("The password is not right; the account was not deleted."))
    elif actor.role != "admin":
        raise Forbidden(_("You may delete only your own account."))
    now = utcnow()
    cancelled = db.session.execute(
        update(Booking).where(Booking.resident_id == user.id,
                              Booking.status.in_(OPEN_STATUSES), Booking.end > now)
        .values(status="cancelled", cancelled_at=now)).rowcount
    db.session.execute(update(UsageSession).where(UsageSession.user_id == user.id)
                       .values(local_id=None))
    # Messages to the resident and calendar feeds go with the account; the audit
    # log keeps its chain but loses the login, addresses and personal details.
    db.session.execute(delete(ResidentNotice).where(ResidentNotice.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    # Staff notes, blocks (their reasons) and reset links are about the person too.
    for model in (ResidentNote, ResidentBlock, PasswordResetToken):
        db.session.execute(delete(model).where(model.user_id == user.id))
    reserve_login(user.login)
    tombstone = f"deleted-{secrets.token_hex(6)}"
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    user.login, user.display_name = tombstone, ""
    user.email = user.phone = user.card_number = user.pin_hash = user.password_hash = None
    user.active, user.locale, user.consent_at, user.site_id = False, None, None, None
    user.privacy_version = None
    user.birth_year, user.must_change_password = None, False
    user.last_login_at = None
    record(actor if actor.id != user.id else None, "privacy.account_deleted", target=user,
           details={"bookings_cancelled": cancelled})
    erase_person(user.id)  # after the entry above, which came from the same address
    return {"bookings_cancelled": cancelled}


def identity_visible(user, site) -> bool:
    """Return True when ``user`` may see who used the seats of ``site``.

    Admins see it county-wide and an attendant at their own site (they serve
    the people in the room); IT staff see machines, not people.
    """
    from flask import current_app
    roles = current_app.config["STATS_IDENTITY_ROLES"]
    if user.role not in roles:
        return False
    return user.role != "attendant" or user.site_id == site.id


def session_log(site, day, viewer) -> list[dict]:
    """Return the sessions of ``site`` on local ``day`` for staff, with names only if allowed."""
    lo, hi = local_day_bounds(day)
    rows = db.session.execute(
        select(UsageSession, Seat.name, User.display_name, User.login)
        .join(Seat, Seat.id == UsageSession.seat_id)
        .outerjoin(User, User.id == UsageSession.user_id)
        .where(UsageSession.site_id == site.id, UsageSession.started_at >= lo,
               UsageSession.started_at < hi)
        .order_by(UsageSession.started_at)).all()
    show = identity_visible(viewer, site)
    result = []
    for s, seat, name, login in rows:
        if s.user_id is None:
            who = None
        elif show:
            who = name or login
        else:
            who = False  # a resident, not named for this viewer
        result.append({"seat": seat, "kind": s.kind, "started_at": s.started_at,
                       "ended_at": s.ended_at, "end_reason": s.end_reason, "who": who,
                       "minutes": round(((s.ended_at or utcnow()) - s.started_at)
                                        .total_seconds() / 60)})
    return result
