"""IT pages: launch an action, follow a run live, host keys and targets, power, ad-hoc."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from telecentre.common.access import access
from telecentre.common.errors import DomainError, InvalidInput
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.impact import impact_of
from telecentre.sites.services import get_site, list_sites

from .catalogue import available_actions, get_action
from .tasks import dispatch_run
from .labels import action_label, host_message, refusal_messages, status_labels
from .models import HostKey, RemoteTarget
from .power import schedule_for, set_schedule, wake_seat
from .services import (approve_host_key, credential_for, fetch_presented_key, get_run, is_admin,
                       needs_confirmation_step, pinned_key, plan_run, recent_runs, seats_for,
                       set_credential, set_target)

bp = Blueprint("remote", __name__, url_prefix="/it/remote")


@bp.context_processor
def _labels():
    labels = status_labels()
    return {"status_labels": labels, "status_label": lambda code: labels.get(code, code),
            "refusal_messages": refusal_messages(), "host_message": host_message,
            "action_label": action_label}


def _seats_by_site():
    seats = db.session.scalars(select(Seat).order_by(Seat.site_id, Seat.name))
    grouped = {}
    for seat in seats:
        grouped.setdefault(seat.site_id, []).append(seat)
    return [(site, grouped.get(site.id, [])) for site in list_sites()]


def _targets():
    """Read the chosen targets: a whole site, or ticked seats."""
    ids = request.form.getlist("seat_ids")
    if ids:
        try:
            return seats_for(seat_ids=[int(i) for i in ids]), ngettext(
                "%(num)d computer", "%(num)d computers", len(ids))
        except ValueError:
            raise InvalidInput(_("Choose computers from the list.")) from None
    slug = request.form.get("site", "")
    if slug:
        return seats_for(site=get_site(slug)), _("site %(slug)s", slug=slug)
    raise InvalidInput(_("Choose a site or at least one computer."))


def _impact(seats):
    """What a run on ``seats`` would hit, with the site names for the list."""
    impact = impact_of(seats)
    impact.sites = {site.id: site.name for site in list_sites()}
    return impact


def _launch(action_name, params, confirmed=False):
    from .services import create_run
    seats, scope = _targets()
    run = create_run(current_user, action_name, params, seats, confirmed=confirmed, scope=scope)
    db.session.commit()
    run_id = run.id
    dispatch_run(run_id)
    return redirect(url_for("remote.run", run_id=run_id))


@bp.route("/", methods=["GET", "POST"])
@access("it")
def index():
    """Choose an action and its targets; the latest runs below."""
    actions = [a for a in available_actions(is_admin(current_user)) if a.name != "adhoc"]
    status = 200
    if request.method == "POST":
        name = request.form.get("action", "")
        params = {k[len(f"p-{name}-"):]: v for k, v in request.form.items()
                  if k.startswith(f"p-{name}-")}
        try:
            if name == "adhoc":
                raise InvalidInput(_("Use the ad-hoc command page."))
            if not name:
                raise InvalidInput(_("Choose an action."))
            seats, _scope = _targets()
            action, cleaned = plan_run(current_user, name, params, seats)
            if request.form.get("confirmed") != "yes" and needs_confirmation_step(action, seats):
                return render_template("remote/confirm.html", action=action, params=cleaned,
                                       impact=_impact(seats), chosen=request.form)
            return _launch(name, params, confirmed=request.form.get("confirmed") == "yes")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    return render_template("remote/index.html", actions=actions, sites=_seats_by_site(),
                           runs=recent_runs(20), chosen=request.form), status


@bp.get("/runs/<int:run_id>")
@access("it")
def run(run_id):
    """A run with each host's progress; the page polls the API while it runs."""
    run = get_run(run_id)
    return render_template("remote/run.html", run=run, action=get_action(run.action),
                           progress=progress_texts(len(run.hosts)),
                           finished=sum(h.status not in ("queued", "running")
                                        for h in run.hosts))


def progress_texts(total: int) -> list[str]:
    """Return "n of total computers finished" for every n, in the reader's language.

    The page's script picks the line for the count it polls, so the live
    progress reads as words with the right plural form, not as codes.
    """
    return [ngettext("Finished on %(done)d of %(num)d computer.",
                     "Finished on %(done)d of %(num)d computers.", total, done=n)
            for n in range(total + 1)]


@bp.route("/adhoc", methods=["GET", "POST"])
@access("admin")
def adhoc():
    """Ad-hoc command for admins: type it, see it with its targets, confirm it.

    Off unless REMOTE_ADHOC_ENABLED, and then only with two-step sign-in: the page
    says so, and a form sent anyway is refused with 403.
    """
    from telecentre.remote.services import adhoc_refusal
    command, status, confirming, impact = request.form.get("command", ""), 200, False, None
    refusal = adhoc_refusal(current_user)
    if refusal is not None:
        if request.method == "POST":
            flash(refusal, "error")
            status = 403
        return render_template("remote/adhoc.html", refusal=refusal, sites=[], command="",
                               confirming=False, chosen={}, impact=None), status
    if request.method == "POST":
        try:
            if request.form.get("confirmed") == "yes":
                return _launch("adhoc", {"command": command}, confirmed=True)
            get_action("adhoc").validate({"command": command})
            seats, scope = _targets()
            if not seats:
                raise InvalidInput(_("Choose at least one computer."))
            confirming, impact = True, _impact(seats)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
        except ValueError:
            flash(_("The command may not be empty or contain control characters."), "error")
            status = 422
    return render_template("remote/adhoc.html", sites=_seats_by_site(), command=command,
                           confirming=confirming, impact=impact, chosen=request.form), status


@bp.get("/hosts")
@access("it")
def hosts():
    """Every seat with its address, system, MAC and pinned host key."""
    targets = {t.seat_id: t for t in db.session.scalars(select(RemoteTarget))}
    keys = {k.seat_id: k for k in db.session.scalars(select(HostKey))}
    return render_template("remote/hosts.html", sites=_seats_by_site(), targets=targets,
                           keys=keys, pinned_key=pinned_key,
                           credentials={s.id: credential_for(s) for s in list_sites()})


@bp.route("/hosts/<int:seat_id>", methods=["GET", "POST"])
@access("it")
def host(seat_id):
    """Set a seat's target, fetch its host key, approve it once; wake it."""
    [seat] = seats_for(seat_ids=[seat_id])
    fetched, status = None, 200
    if request.method == "POST":
        step = request.form.get("step")
        try:
            if step == "target":
                port = request.form.get("port", "22").strip() or "22"
                set_target(current_user, seat, request.form.get("address"),
                           request.form.get("os", "linux"), request.form.get("mac"),
                           int(port) if port.isdigit() else -1)
                flash(_("Saved."), "info")
            elif step == "fetch":
                fetched = fetch_presented_key(current_user, seat)
            elif step == "approve":
                row = approve_host_key(current_user, seat, request.form.get("public_key", ""))
                flash(_("Host key %(fingerprint)s pinned.", fingerprint=row.fingerprint), "info")
            elif step == "wake":
                done = wake_seat(current_user, seat)
                flash(_("Wake-up sent to %(broadcast)s.", broadcast=done["broadcast"]), "info")
            db.session.commit()
            if fetched is None:
                return redirect(url_for("remote.host", seat_id=seat.id))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    target = db.session.scalar(select(RemoteTarget).where(RemoteTarget.seat_id == seat.id))
    key = db.session.scalar(select(HostKey).where(HostKey.seat_id == seat.id))
    return render_template("remote/host.html", seat=seat, target=target, key=key,
                           pinned=pinned_key(seat), fetched=fetched), status


@bp.route("/settings", methods=["GET", "POST"])
@access("it")
def settings():
    """SSH credentials (county-wide or per site) and the power schedules."""
    status, public_key = 200, None
    if request.method == "POST":
        try:
            slug = request.form.get("site") or None
            site = get_site(slug) if slug else None
            if request.form.get("step") == "credential":
                credential = set_credential(current_user, site, request.form.get("username", ""),
                                            request.form.get("private_key") or None,
                                            request.form.get("passphrase") or None,
                                            request.form.get("use_sudo") == "yes")
                public_key = credential.public_key
                flash(_("SSH key saved. Install its public half on the computers."), "info")
            elif site is None:
                raise InvalidInput(_("Choose a site."))
            else:
                def minutes(name):
                    text = request.form.get(name, "").strip()
                    if not text.isdigit():
                        raise InvalidInput(_("Minutes must be whole numbers between %(low)s "
                                             "and %(high)s.", low=0, high=240))
                    return int(text)
                set_schedule(current_user, site, enabled=request.form.get("enabled") == "yes",
                             wake_minutes_before=minutes("wake"),
                             shutdown_minutes_after=minutes("shutdown"),
                             warn_minutes=minutes("warn"))
                flash(_("Power schedule saved."), "info")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    sites = list_sites()
    return render_template("remote/settings.html", sites=sites, public_key=public_key,
                           county=credential_for(None),
                           credentials={s.id: credential_for(s) for s in sites},
                           schedules={s.id: schedule_for(s) for s in sites}), status
