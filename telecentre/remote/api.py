"""JSON API under /api/v1/remote: actions, runs (with live progress), wake, host keys."""
from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import Body, RowId, parse_body
from telecentre.common.access import access
from telecentre.common.errors import InvalidInput
from telecentre.extensions import db

from .catalogue import available_actions
from .tasks import dispatch_run
from .power import wake_seat
from .services import (approve_host_key, create_run, get_run, is_admin, recent_runs, run_as_dict,
                       seats_for)

bp = Blueprint("remote_api", __name__, url_prefix="/api/v1/remote")
RUN_ERRORS = (400, 401, 403, 404, 422)


class RunBody(Body):
    action: str = Field(max_length=40)
    params: dict[str, str | int | None] = {}
    site: str | None = Field(default=None, max_length=40)
    seat_ids: list[RowId] | None = Field(default=None, max_length=500)
    confirm: bool = False


class HostOut(BaseModel):
    id: int
    seat_id: int | None
    seat: str
    address: str | None
    status: str
    exit_code: int | None
    output_tail: str
    error: str
    started_at: str | None
    finished_at: str | None


class RunOut(BaseModel):
    id: int
    action: str
    params: dict
    status: str
    scope: str
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    hosts: list[HostOut]


class ActionOut(BaseModel):
    name: str
    label: str
    description: str
    params: list[dict]
    admin_only: bool
    needs_confirmation: bool
    disruptive: bool


class HostKeyBody(Body):
    public_key: str = Field(max_length=4000)


def action_as_dict(action) -> dict:
    """An action with translated texts, for the API and the page's script."""
    return {"name": action.name, "label": _(action.label), "description": _(action.description),
            "params": [{"name": p.name, "label": _(p.label), "required": p.required,
                        "default": p.default if not isinstance(p.default, str) else _(p.default)}
                       for p in action.params],
            "admin_only": action.admin_only, "needs_confirmation": action.needs_confirmation,
            "disruptive": action.disruptive}


@bp.get("/actions")
@access("it")
@api_doc("List the vetted remote actions you may run", responses={200: [ActionOut]},
         tags=["remote"], errors=(401, 403))
def actions():
    """The catalogue; ``adhoc`` only for admins."""
    return jsonify([action_as_dict(a) for a in available_actions(is_admin(current_user))])


def targets_from(body: RunBody):
    """Resolve a body's targets: a whole site, or seat ids."""
    from telecentre.sites.services import get_site
    if body.seat_ids:
        return seats_for(seat_ids=body.seat_ids), f"{len(body.seat_ids)} seat(s)"
    if body.site:
        return seats_for(site=get_site(body.site)), f"site {body.site}"
    raise InvalidInput(_("Choose a site or at least one computer."), code="no_targets")


@bp.post("/runs")
@access("it")
@api_doc("Run an action on a site or on seats; poll the run for progress",
         body=RunBody, responses={202: RunOut}, tags=["remote"], errors=RUN_ERRORS)
def start_run():
    """Queue the run, commit, and send a task per host to the workers."""
    body = parse_body(RunBody)
    seats, scope = targets_from(body)
    run = create_run(current_user, body.action, body.params, seats, confirmed=body.confirm,
                     scope=scope)
    db.session.commit()
    queued = run_as_dict(run)
    dispatch_run(run.id)
    return jsonify(queued), 202


@bp.get("/runs")
@access("it")
@api_doc("The latest runs", responses={200: [RunOut]}, tags=["remote"], errors=(401, 403))
def runs():
    """The 50 latest runs with their hosts."""
    return jsonify([run_as_dict(r) for r in recent_runs()])


@bp.get("/runs/<int:run_id>")
@access("it")
@api_doc("One run with each host's status, exit code and output tail",
         responses={200: RunOut}, tags=["remote"], errors=(401, 403, 404))
def run(run_id):
    """Poll this for live progress."""
    return jsonify(run_as_dict(get_run(run_id)))


@bp.post("/seats/<int:seat_id>/wake")
@access("it")
@api_doc("Wake a PC (wake-on-LAN, direct or relayed by an agent of its site)",
         responses={200: {"type": "object"}}, tags=["remote"],
         errors=(401, 403, 404, 409, 422))
def wake(seat_id):
    """Send the magic packet or queue the relay command."""
    [seat] = seats_for(seat_ids=[seat_id])
    done = wake_seat(current_user, seat)
    db.session.commit()
    return jsonify(done)


@bp.post("/seats/<int:seat_id>/host-key")
@access("it")
@api_doc("Pin a PC's SSH host key (for a PC without an agent)", body=HostKeyBody,
         responses={200: {"type": "object"}}, tags=["remote"], errors=(400, 401, 403, 404, 422))
def host_key(seat_id):
    """Approve the key once; later connections must present exactly it."""
    body = parse_body(HostKeyBody)
    [seat] = seats_for(seat_ids=[seat_id])
    row = approve_host_key(current_user, seat, body.public_key)
    db.session.commit()
    return jsonify({"seat_id": seat.id, "fingerprint": row.fingerprint, "source": row.source})
