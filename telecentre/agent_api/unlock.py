"""``POST /api/v1/agent/unlock``: who may start a session on the agent's seat, and for how long."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.agent_api.models import Agent
from telecentre.auth.blocks import ensure_not_blocked
from telecentre.console import guests
from telecentre.extensions import db
from telecentre.sessions import services as sessions
from telecentre.sessions.models import UsageSession
from telecentre.sessions.seated import ensure_not_seated_elsewhere
from telecentre.sessions.services import refusal


def _reply(session: UsageSession, minutes: float, method: str, user) -> dict:
    return {
        "id": session.id,
        "local_id": session.local_id,
        "started_at": session.started_at.isoformat(),
        "minutes": minutes,
        "ends_at": (session.started_at + timedelta(minutes=minutes)).isoformat(),
        "limited_by": session.limited_by,
        "booking_id": session.booking_id,
        "method": method,
        "user": {"display_name": user.display_name} if user is not None else None,
    }


def _greeting(user, minutes: float) -> str:
    shown = int(minutes) if minutes >= 1 else round(minutes, 1)
    if user is not None and user.display_name:
        return _(
            "Welcome, %(name)s! You have %(minutes)s min.", name=user.display_name, minutes=shown
        )
    return _("Welcome! You have %(minutes)s min.", minutes=shown)


def _may_sit(user, seat, now) -> None:
    """Refuse a blocked resident (neutral words at the PC) and one already sitting elsewhere."""
    ensure_not_blocked(user, for_staff=False, now=now)
    ensure_not_seated_elsewhere(user, seat=seat, for_staff=False)


def unlock(agent: Agent, body, now) -> dict:
    """Start a session for a booking or guest code, card and PIN, or a kiosk touch; return it.

    Raises a refusal with the protocol's code (wrong_code, wrong_pin,
    walk_in_not_allowed, seat_out_of_service, seat_busy, quota_exhausted,
    too_early, closed, resident_blocked, already_in_session). A repeated request with the
    same ``local_id`` (the agent never saw the first reply) gets the same session back.
    """
    seat = agent.seat
    if seat is None:
        raise refusal(403, "seat_out_of_service", _("This computer is not assigned to a seat."))
    existing = sessions_by_local_id(body.local_id)
    if existing is not None:
        if existing.seat_id == seat.id and existing.ended_at is None:
            return {
                "session": _reply(existing, existing.minutes_granted, body.method, existing.user),
                "message": _greeting(existing.user, existing.minutes_granted),
            }
        raise refusal(422, "invalid_body", _("This session id was already used."))
    if not seat.in_service:
        raise refusal(403, "seat_out_of_service", _("This computer is out of service."))
    policy = seat.site.policy
    booking = user = None
    guest = None
    if body.method == "code":
        # A booking code, or else one of the site's guest passes (telecentre.console.guests).
        booking = sessions.find_booking_by_code(seat, body.code)
        guest = guests.find_valid(seat.site_id, body.code, now) if booking is None else None
        if guest is not None:
            kind, granted = "guest", guests.grant_for(seat, guest, now)
        else:
            booking = sessions.check_booking(seat, booking, now)
            user, kind = booking.resident, "booked"
            _may_sit(user, seat, now)
            granted = sessions.grant(seat, now, user=user, booking=booking)
    elif body.method == "card":
        user = sessions.resident_for_card(body.card, body.pin)
        _may_sit(user, seat, now)
        booking = sessions.holding_booking(seat, now)
        if booking is not None and booking.resident_id == user.id:
            kind = "booked"
        elif booking is not None:
            raise refusal(409, "seat_busy", _("This computer is booked by someone else now."))
        elif not policy.walk_in_allowed:
            raise refusal(
                403, "walk_in_not_allowed", _("Computers here are used with a booking only.")
            )
        else:
            kind = "walk_in"
        granted = sessions.grant(seat, now, user=user, booking=booking)
    else:
        if seat.kind != "kiosk":
            raise refusal(403, "walk_in_not_allowed", _("This computer is not a kiosk."))
        kind = "kiosk"
        granted = sessions.Grant(float(policy.kiosk_session_minutes), "kiosk_limit")
    session = sessions.start_session(
        seat,
        now,
        local_id=body.local_id,
        kind=kind,
        minutes=granted.minutes,
        limited_by=granted.limited_by,
        user=user,
        booking=booking,
    )
    if guest is not None:
        guests.mark_used(guest, session, now)
    return {
        "session": _reply(session, granted.minutes, body.method, user),
        "message": _greeting(user, granted.minutes),
    }


def sessions_by_local_id(local_id: str) -> UsageSession | None:
    """The session the agent knows as ``local_id``, if the server has it."""
    return db.session.scalar(select(UsageSession).where(UsageSession.local_id == local_id))
