"""IT pages for the PCs' agents: who reports, enrolment tokens, revocation, secret rotation."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from telecentre.agent_api.models import Agent
from telecentre.agent_api.services import find_agent, new_enrollment_token, revoke
from telecentre.audit.services import record
from telecentre.common.access import access
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.sites.services import get_site, list_sites

bp = Blueprint("agents", __name__, url_prefix="/it/agents")


class TokenForm(FlaskForm):
    """A one-time enrolment token for one machine at a site."""

    site = SelectField(_l("Site"), validators=[DataRequired()])
    hours = DecimalField(_l("Valid for (hours)"), default=24, places=1,
                         validators=[DataRequired(), NumberRange(0.1, 168)])


class RevokeForm(FlaskForm):
    """Why an agent is being revoked (kept in the audit log)."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


def _token_form() -> TokenForm:
    form = TokenForm()
    form.site.choices = [(s.slug, s.name) for s in list_sites()]
    return form


def _render(form, status=200, token=None, token_site=None):
    slug = request.args.get("site", "")
    query = (select(Agent).options(selectinload(Agent.seat), selectinload(Agent.site))
             .order_by(Agent.site_id, Agent.hostname))
    site = get_site(slug) if slug else None
    if site is not None:
        query = query.where(Agent.site_id == site.id)
    agents = db.session.scalars(query).all()
    return render_template("agents/index.html", agents=agents, form=form, site=site,
                           sites=list_sites(), revoke_form=RevokeForm(), token=token,
                           token_site=token_site,
                           server_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/")), status


@bp.get("/")
@access("it")
def index():
    """Every enrolled agent (filtered by ``?site=``) and the form for a new enrolment token."""
    return _render(_token_form())


@bp.post("/enrollment-tokens")
@access("it")
def issue_token():
    """Create a one-time enrolment token and show it once, with the command that uses it."""
    form = _token_form()
    if not form.validate_on_submit():
        return _render(form, 422)
    site = get_site(form.site.data)
    token = new_enrollment_token(current_user, site, utcnow(), float(form.hours.data))
    db.session.commit()
    return _render(form, 201, token=token, token_site=site)


@bp.post("/<agent_id>/revoke")
@access("it")
def revoke_agent(agent_id):
    """Revoke an agent: its next request is refused and it stops."""
    agent = find_agent(agent_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Say why the agent is revoked."), "error")
        return _render(_token_form(), 422)
    revoke(current_user, agent, utcnow(), form.reason.data.strip())
    db.session.commit()
    flash(_("Agent %(host)s revoked; enrol the machine again to bring it back.",
            host=agent.hostname or agent.id), "info")
    return redirect(url_for("agents.index"))


@bp.post("/<agent_id>/rotate")
@access("it")
def rotate_secret(agent_id):
    """Ask the agent to take a new secret at its next heartbeat."""
    agent = find_agent(agent_id)
    if agent.revoked_at is None and not agent.rotate_requested:
        agent.rotate_requested = True
        record(current_user, "agent.rotate_secret", site=agent.site, details={"agent": agent.id})
        db.session.commit()
    flash(_("Agent %(host)s will receive a new secret at its next heartbeat.",
            host=agent.hostname or agent.id), "info")
    return redirect(url_for("agents.index"))
