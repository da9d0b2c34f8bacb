"""Pages for getting back into an account: "Forgot your password?", the reset link, and
changing one's own password (forced after a temporary one from the desk)."""
from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.auth import recovery
from telecentre.auth.forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm
from telecentre.common.access import access, uses_bearer_token
from telecentre.common.errors import DomainError
from telecentre.extensions import db, limiter

bp = Blueprint("recovery", __name__)

# What a person who must change the password may still open.
_ALLOWED_WHILE_FORCED = {"recovery.change", "auth.logout", "home.set_language", "static",
                         "legal.accessibility", "legal.privacy"}


@bp.route("/password/forgot", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def forgot():
    """Ask for a reset link; the answer is the same whether the address is known or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)
        db.session.commit()
        flash(_("If an account has this address, we have sent it a link to set a new "
                "password. Check your mailbox (and the spam folder)."), "info")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def reset(token):
    """Choose a new password with a one-time link from the mail."""
    if recovery.token_row(token) is None:
        return render_template("auth/reset_invalid.html"), 410
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            if form.password.data != form.password2.data:
                raise DomainError(_("The two new values differ."), status=422)
            recovery.reset_with_token(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 422
        else:
            db.session.commit()
            flash(_("Your new password is set. Sign in with it."), "info")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/reset.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@access("login")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def change():
    """Change one's own password (or PIN, for a card-only account); the current one is needed."""
    pin = recovery.uses_pin(current_user)
    form = ChangePasswordForm()
    if pin:
        form.for_pin()
    status = 200
    if form.validate_on_submit():
        try:
            kind = recovery.change_own(current_user, form.current.data, form.new.data,
                                       form.new2.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            db.session.commit()
            keep_this_session(current_user)
            flash(_("Your PIN is changed.") if kind == "pin" else _("Your password is changed."),
                  "info")
            return redirect(url_for("account.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/change_password.html", form=form, pin=pin,
                           forced=current_user.must_change_password), status


def keep_this_session(user) -> None:
    """After one's own change the other sessions end, this one stays: it takes the account's
    new session generation (when session generations are installed)."""
    if "_gen" in session and hasattr(user, "session_generation"):
        session["_gen"] = user.session_generation


def force_change():
    """Before every request: a person with a temporary password goes to the change page."""
    if (request.endpoint in _ALLOWED_WHILE_FORCED or request.endpoint is None
            or request.endpoint.endswith(".static") or uses_bearer_token()):
        return None
    user = current_user
    if not getattr(user, "is_authenticated", False) or not user.must_change_password:
        return None
    return redirect(url_for("recovery.change"))
