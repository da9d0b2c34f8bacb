"""Signing in and out on the web."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from telecentre.audit.services import record
from telecentre.auth.forms import LoginForm
from telecentre.auth.lockout import AccountLocked, authenticate_limited
from telecentre.common.access import access
from telecentre.common.ratelimit import failed
from telecentre.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=failed)  # a room behind one NAT address signs in many residents
def login():
    """Show the sign-in form; sign in on a correct login and password."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate_limited(form.login.data, form.password.data)
        except AccountLocked as exc:
            flash(exc.message, "error")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            db.session.commit()
            flash(_("Wrong login or password."), "error")
            return render_template("auth/login.html", form=form), 401
        from telecentre.auth import two_step_views
        if two_step_views.needed(user):
            return two_step_views.start(user, _safe_next(request.args.get("next")))
        login_user(user)
        record(user, "auth.login", target=user, site=user.site_id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@access("login")
def logout():
    """Sign out and go to the home page."""
    from telecentre.auth.services import revoke_sessions
    record(current_user, "auth.logout", target=current_user, site=current_user.site_id)
    revoke_sessions(current_user)  # a copy of this cookie stops working too
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/admin/users", methods=["GET", "POST"])
@access("admin")
def users():
    """List the accounts and add one."""
    from sqlalchemy import select

    from telecentre.auth.forms import UserForm
    from telecentre.auth.models import User
    from telecentre.auth.services import create_user
    from telecentre.common.errors import DomainError
    from telecentre.sites.services import list_sites

    sites = list_sites()
    form = UserForm()
    from wtforms import SelectChoice
    form.site.choices = [SelectChoice("", "–")] + [SelectChoice(s.slug, s.name) for s in sites]
    status = 200
    if form.validate_on_submit():
        site = next((s for s in sites if s.slug == form.site.data), None)
        try:
            create_user(current_user, form.login.data, role=form.role.data,
                        password=form.password.data, site=site,
                        display_name=form.display_name.data or "")
            db.session.commit()
            flash(_("Account %(login)s added.", login=form.login.data.strip().lower()), "info")
            return redirect(url_for("auth.users"))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    accounts = db.session.scalars(select(User).where(User.role != "resident")
                                  .order_by(User.role, User.login)).all()
    return render_template("auth/users.html", form=form, accounts=accounts), status


@bp.post("/admin/users/<int:user_id>/reset-2fa")
@access("admin")
def reset_two_step(user_id):
    """Remove an account's two-step sign-in (a lost phone); it sets it up again."""
    from telecentre.auth import two_step
    from telecentre.auth.models import User
    from telecentre.common.errors import NotFound
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    if two_step.reset(current_user, user):
        flash(_("Two-step sign-in of %(login)s was reset.", login=user.login), "info")
    else:
        flash(_("%(login)s had no two-step sign-in.", login=user.login), "info")
    db.session.commit()
    return redirect(url_for("auth.users"))
