"""The agent API blueprint under ``/api/v1/agent`` (see docs/agent-protocol.md)."""

from types import SimpleNamespace

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from telecentre.agent_api import events, schemas, services, unlock as unlocking
from telecentre.agent_api.auth import checks_agent_itself, require_agent
from telecentre.agent_api.event_checks import BATCH_BODY_BYTES
from telecentre.api.openapi import api_doc
from telecentre.api.schemas import parse_body
from telecentre.common.errors import error_reply
from telecentre.common.access import access
from telecentre.common.bodies import sized
from telecentre.common.ratelimit import agent_key, counts_its_own_rate, failed, seat_key
from telecentre.common.time import utcnow
from telecentre.extensions import db, limiter

bp = Blueprint("agent_api", __name__, url_prefix="/api/v1/agent")
AGENT_ERRORS = (400, 401, 403, 422, 429)


@bp.post("/enroll")
@access("public", csrf_check=False)
@api_doc(
    "Enrol a machine with a one-time token; returns its id and secret",
    body=schemas.EnrollBody,
    responses={201: schemas.EnrollReply},
    tags=["agent"],
    security=None,
    errors=(400, 403, 422, 429),
)
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_ENROLL"])
def enroll():
    """Spend an enrolment token and bind the machine to a seat."""
    body = parse_body(schemas.EnrollBody)
    agent, secret = services.enroll(body, utcnow())
    db.session.commit()
    seat, site = agent.seat, agent.site
    return jsonify(
        {
            "agent_id": agent.id,
            "secret": secret,
            "heartbeat_seconds": int(current_app.config["HEARTBEAT_SECONDS"]),
            "seat": {"id": seat.id, "name": seat.name, "kind": seat.kind},
            "site": {"slug": site.slug, "name": site.name},
        }
    ), 201


@bp.post("/heartbeat")
@access("agent", csrf_check=False)
@checks_agent_itself
@api_doc(
    "Report state and health; get policy, commands and upcoming bookings",
    body=schemas.HeartbeatBody,
    responses={200: schemas.HeartbeatReply},
    tags=["agent"],
    security="agent",
    errors=AGENT_ERRORS,
)
# RATELIMIT_AGENT_HEARTBEAT is counted by the heartbeat's own UPDATE of the agent row
# (services.heartbeat_limit): no transaction or connection of its own.
@counts_its_own_rate
def heartbeat():
    """One heartbeat of the authenticated agent: one statement in the usual case."""
    body = parse_body(schemas.HeartbeatBody)
    now = utcnow()
    agent_id, digest = g.agent_credentials
    reply = services.quick_heartbeat(agent_id, digest, body, now, request.remote_addr)
    if reply is not None:
        g.agent = SimpleNamespace(id=agent_id)  # for the request log
        if db.session().in_transaction():
            db.session.commit()  # the follow-ups (usually none: nothing to end)
        return jsonify(reply)
    require_agent(full=True)  # refuses as for every agent request, or sets g.agent
    try:
        reply = services.heartbeat(g.agent, body, now, request.remote_addr)
    except services.TooManyHeartbeats as exc:
        db.session.rollback()
        response = error_reply(exc.status, exc.code, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    db.session.commit()
    return jsonify(reply)


@bp.post("/unlock")
@access("agent", csrf_check=False)
@api_doc(
    "Start a session with a booking code, a card and PIN, or a kiosk touch",
    body=schemas.UnlockBody,
    responses={200: schemas.UnlockReply},
    tags=["agent"],
    security="agent",
    errors=AGENT_ERRORS + (409,),
)
# Every attempt counts against the agent; refused ones (wrong code or PIN) also
# against tighter limits per agent and per seat, so guessing from a PC stops soon.
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_UNLOCK"], key_func=agent_key)
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_UNLOCK_FAILURES"], key_func=agent_key,
               deduct_when=failed, scope="agent-unlock-failures")
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_UNLOCK_FAILURES"], key_func=seat_key,
               deduct_when=failed, scope="seat-unlock-failures")
def unlock():
    """Decide whether a session may start on the agent's seat and for how long."""
    from sqlalchemy.exc import IntegrityError

    from telecentre.sessions.services import refusal
    body = parse_body(schemas.UnlockBody)
    try:
        reply = unlocking.unlock(g.agent, body, utcnow())
        db.session.commit()
    except IntegrityError:
        # Another unlock on this seat (or with this session id) committed first: the
        # seat's one running session, or the id, is taken. Nothing of this one is kept.
        db.session.rollback()
        raise refusal(409, "seat_busy", _("Another session has just started on this "
                                          "computer.")) from None
    return jsonify(reply)


@bp.post("/privacy")
@access("agent", csrf_check=False)
@api_doc(
    "The privacy notice as plain text, for the lock screen's \"Privacy\" button",
    body=schemas.PrivacyBody,
    responses={200: schemas.PrivacyReply},
    tags=["agent"],
    security="agent",
    errors=AGENT_ERRORS,
)
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_EVENTS"], key_func=agent_key)
def privacy_notice():
    """The notice a resident reads at a locked PC: the page's words, in the language asked."""
    from telecentre.legal.privacy import notice_as_text
    body = parse_body(schemas.PrivacyBody)
    return jsonify(notice_as_text(body.lang))


@bp.post("/events")
@access("agent", csrf_check=False)
@api_doc(
    "Deliver outbox events (up to 200); each is stored once, all stored ids are acked",
    body=schemas.EventsBody,
    responses={200: schemas.EventsReply},
    tags=["agent"],
    security="agent",
    errors=AGENT_ERRORS,
)
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENT_EVENTS"], key_func=agent_key)
@sized(BATCH_BODY_BYTES)
def deliver_events():
    """Store and apply a batch of events from the agent's outbox."""
    body = parse_body(schemas.EventsBody)
    refused: list[dict] = []
    acked = events.ingest(g.agent, body.events, utcnow(), refused)
    db.session.commit()
    return jsonify({"acked": acked, "refused": refused})
