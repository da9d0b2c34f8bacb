"""The agent's print endpoints: the jobs of the session running on the PC, release, cancel.

Under ``/api/v1/agent`` with the agent's own authentication; a PC sees and
acts on the jobs of its running session only.
"""
from datetime import datetime

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import select

from telecentre.api.openapi import api_doc
from telecentre.common.access import access
from telecentre.common.errors import NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.printing import services
from telecentre.printing.models import PrintJob
from telecentre.sessions.models import UsageSession

bp = Blueprint("printing_agent", __name__, url_prefix="/api/v1/agent/print-jobs")
ERRORS = (401, 403, 404)


class PrintJobOut(BaseModel):
    """A held job as the PC shows it (no document name: we never keep one)."""

    id: int
    pages: int
    pages_known: bool
    colour: bool
    state: str
    created_at: datetime
    free_pages: int
    cost: int  # grosze, beyond the allowance, if released now


class PrintJobsReply(BaseModel):
    """The running session's held jobs and the currency of ``cost``."""

    jobs: list[PrintJobOut]
    currency: str = "PLN"


def _session_id() -> int | None:
    agent = g.agent
    if agent.seat_id is None:
        return None
    return db.session.scalar(select(UsageSession.id).where(
        UsageSession.seat_id == agent.seat_id, UsageSession.ended_at.is_(None)))


def _out(job: PrintJob, free: int, cost: int) -> dict:
    return {"id": job.id, "pages": job.pages, "pages_known": job.pages_known,
            "colour": job.colour, "state": job.state, "created_at": job.created_at.isoformat(),
            "free_pages": free if job.state == "held" else job.free_pages,
            "cost": cost if job.state == "held" else job.cost}


@bp.get("")
@access("agent", csrf_check=False)
@api_doc("The held print jobs of the session running on this PC, with what each would cost",
         responses={200: PrintJobsReply}, tags=["agent"], security="agent", errors=ERRORS)
def jobs():
    """List the running session's held jobs with their quote."""
    session_id = _session_id()
    found = []
    if session_id is not None:
        jobs_ = services.held_jobs(g.agent.site_id, session_id=session_id)
        if jobs_:
            settings, now = services.settings_of(g.agent.site_id), utcnow()
            found = [_out(job, *services.quote(job, settings, now)) for job in jobs_]
    return jsonify({"jobs": found, "currency": "PLN"})


def _own(print_job_id: int) -> PrintJob:
    session_id = _session_id()
    if session_id is None:
        raise NotFound(_("There is no such print job."))
    return services.check_owner(db.session.get(PrintJob, print_job_id), session_id=session_id)


@bp.post("/<int:print_job_id>/release")
@access("agent", csrf_check=False)
@api_doc("Release a held job of the running session to the printer",
         responses={200: PrintJobOut}, tags=["agent"], security="agent",
         errors=ERRORS + (409, 422, 503))
def release(print_job_id):
    """Release the job within the allowance (422 when the site refuses beyond it)."""
    job = services.release(None, _own(print_job_id), "pc")
    db.session.commit()
    return jsonify(_out(job, job.free_pages, job.cost))


@bp.post("/<int:print_job_id>/cancel")
@access("agent", csrf_check=False)
@api_doc("Cancel a held job of the running session", responses={200: PrintJobOut},
         tags=["agent"], security="agent", errors=ERRORS + (409, 503))
def cancel(print_job_id):
    """Cancel the job; its document is removed from the print server."""
    job = services.cancel(None, _own(print_job_id), "pc")
    db.session.commit()
    return jsonify(_out(job, 0, 0))
