"""Staff pages for one resident: edit, block and unblock, notes, and a temporary password
or PIN from the desk (shown once, ready to print)."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.auth import blocks, recovery
from telecentre.auth.models import User
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import local_day_bounds, utcnow
from telecentre.console import resident_admin, resolvers
from telecentre.console.resident_forms import (BlockForm, NoteForm, ResidentEditForm,
                                               TemporaryForm)
from telecentre.extensions import db
from telecentre.sites.services import get_site

bp = Blueprint("resident_admin", __name__,
               url_prefix="/console/<slug>/residents/<int:resident_id>")

SHOWN_ONCE_KEY = "_shown_once"
SHOWN_ONCE_MINUTES = 10


def show_once(kind: str, user_id: int, secret: str) -> None:
    """Keep a secret for the next page of this browser only (after POST, redirect, GET)."""
    session[SHOWN_ONCE_KEY] = {"kind": kind, "user": user_id, "secret": secret,
                               "until": (utcnow() + timedelta(minutes=SHOWN_ONCE_MINUTES))
                               .isoformat()}


def take_once(kind: str, user_id: int) -> str | None:
    """Return the kept secret for ``user_id`` and forget it (None when there is none)."""
    kept = session.get(SHOWN_ONCE_KEY)
    if not kept or kept.get("kind") != kind or kept.get("user") != user_id:
        return None
    session.pop(SHOWN_ONCE_KEY, None)
    if kept.get("until", "") < utcnow().isoformat():
        return None
    return kept.get("secret")


def resident_context(user: User) -> dict:
    """Return what the resident page shows to staff beyond the bookings: the block, the
    notes, where the resident sits now, and the forms."""
    from telecentre.sessions.seated import where_seated
    return {"block": blocks.active_block(user), "block_history": blocks.history(user, 5),
            "notes": resident_admin.notes_of(user), "seated": where_seated(user),
            "block_form": BlockForm(), "note_form": NoteForm(),
            "temporary_form": TemporaryForm(), "uses_pin": recovery.uses_pin(user)}


def _commit_or_flash(func, *args, message=None, **kwargs) -> bool:
    try:
        func(*args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    if message:
        flash(message, "info")
    return True


def _page(slug, resident_id):
    return redirect(url_for("console.resident", slug=slug, resident_id=resident_id))


@bp.route("/edit", methods=["GET", "POST"])
@access("staff", site=resolvers.resident_site)
def edit(slug, resident_id):
    """Edit the resident's name, contact, card number and birth year."""
    site, user = get_site(slug), db.session.get(User, resident_id)
    form = ResidentEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.card.data = user.card_number
        form.birth_year.data = str(user.birth_year or "")
    status = 200
    if form.validate_on_submit():
        if _commit_or_flash(resident_admin.update_resident, current_user, user, site,
                            display_name=form.display_name.data, email=form.email.data,
                            phone=form.phone.data, card=form.card.data,
                            birth_year=form.birth_year.data,
                            message=_("The resident's details are saved.")):
            return _page(slug, resident_id)
        status = 422
    elif request.method == "POST":
        status = 422
    from telecentre.console.views import page_context
    return render_template("console/resident_edit.html", **page_context(site), resident=user,
                           form=form), status


@bp.post("/block")
@access("staff", site=resolvers.resident_site)
def block(slug, resident_id):
    """Block the resident (reason, optional last day)."""
    site, user = get_site(slug), db.session.get(User, resident_id)
    form = BlockForm()
    if form.validate_on_submit():
        until = local_day_bounds(form.until.data)[1] if form.until.data else None
        _commit_or_flash(blocks.block, current_user, user, form.reason.data, until=until,
                         site=site, message=_("%(name)s is blocked.", name=user.display_name))
    else:
        flash(_("Write the reason; the end date is a day like 2026-12-31."), "error")
    return _page(slug, resident_id)


@bp.post("/unblock")
@access("staff", site=resolvers.resident_site)
def unblock(slug, resident_id):
    """Lift the resident's block."""
    site, user = get_site(slug), db.session.get(User, resident_id)
    _commit_or_flash(blocks.unblock, current_user, user, site=site,
                     message=_("%(name)s is no longer blocked.", name=user.display_name))
    return _page(slug, resident_id)


@bp.post("/notes")
@access("staff", site=resolvers.resident_site)
def add_note(slug, resident_id):
    """Add a note for the staff."""
    site, user = get_site(slug), db.session.get(User, resident_id)
    form = NoteForm()
    if form.validate_on_submit():
        _commit_or_flash(resident_admin.add_note, current_user, user, site, form.text.data,
                         message=_("The note is saved."))
    else:
        flash(_("Write a note of 1 to %(n)d characters.", n=resident_admin.MAX_NOTE), "error")
    return _page(slug, resident_id)


@bp.route("/temporary", methods=["GET", "POST"])
@access("staff", site=resolvers.resident_site)
def temporary(slug, resident_id):
    """POST: give a new temporary password or PIN; GET: show it once, ready to print."""
    site, user = get_site(slug), db.session.get(User, resident_id)
    if request.method == "POST":
        form = TemporaryForm()
        kind = form.kind.data if form.validate_on_submit() else None
        try:
            secret = recovery.set_temporary(current_user, user, site, kind or "")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _page(slug, resident_id)
        db.session.commit()
        show_once("temporary", user.id, f"{kind}:{secret}")
        return redirect(url_for("resident_admin.temporary", slug=slug, resident_id=resident_id))
    kept = take_once("temporary", user.id)
    kind, _sep, secret = (kept or "").partition(":")
    from telecentre.console.views import page_context
    return render_template("console/resident_temporary.html", **page_context(site),
                           resident=user, kind=kind, secret=secret or None)
