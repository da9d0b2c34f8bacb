"""Web pages of two-step sign-in: the second step after the password, and set-up.

After a right password an IT person or admin with two-step sign-in on (or
whose role must have it, ``REQUIRE_TOTP_FOR``) is not signed in: the session
only holds a pending state (``_2fa``: who, since when, where to go next) that
expires after ``TOTP_PENDING_MINUTES``. The second step's page signs them in
when the code is right; failures are rate-limited per address and per account
and audited.
"""
from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user

from telecentre.audit.services import record
from telecentre.auth import two_step
from telecentre.auth.forms import RecoveryCodeForm, TotpCodeForm
from telecentre.auth.models import User
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import utcnow
from telecentre.extensions import db, limiter

bp = Blueprint("two_step", __name__)

PENDING = "_2fa"


def start(user: User, next_url: str):
    """Hold ``user`` at the second step (or at set-up when their role must enrol); redirect."""
    enrol = not user.totp_enabled
    if enrol:
        two_step.begin_enrolment(user, restart=False)
    session[PENDING] = {"uid": user.id, "login": user.login, "since": utcnow().timestamp(),
                        "next": next_url, "enrol": enrol}
    record(user, "auth.password_ok", target=user, site=user.site_id,
           details={"second_step": "enrol" if enrol else "code"})
    db.session.commit()
    return redirect(url_for("two_step.setup" if enrol else "two_step.verify"))


def needed(user: User) -> bool:
    """Return True when ``user`` must pass a second step before being signed in."""
    return user.totp_enabled or two_step.required_for(user)


def _pending() -> tuple[User | None, dict]:
    """Return the user waiting at the second step and the state, or (None, {}) when there is
    none or it expired (then a message says so)."""
    state = session.get(PENDING)
    if not state:
        return None, {}
    age = utcnow().timestamp() - state.get("since", 0)
    user = db.session.get(User, state.get("uid") or 0)
    if age > current_app.config["TOTP_PENDING_MINUTES"] * 60 or user is None or not user.active:
        session.pop(PENDING, None)
        flash(_("The second step took too long. Sign in again."), "error")
        return None, {"expired": True}
    return user, state


def _nothing_pending(state: dict):
    """Answer a second-step page visited with nothing waiting: back to sign-in after an
    expired wait, else a page that says what to do."""
    if state.get("expired"):
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/no_second_step.html")


def account_key() -> str:
    """Rate-limit key shared by the web second step and the token API: the account's login
    (so that changing address buys no more guesses)."""
    from telecentre.auth.services import normalise_login
    login = (session.get(PENDING) or {}).get("login")
    if login is None and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("login"), str):
            login = normalise_login(body["login"])
    return f"two-step:{login or request.remote_addr}"


def failed(response) -> bool:
    """Count a second-step attempt against the limits only when the code was refused."""
    return response.status_code in (401, 422)


def limited(view):
    """Apply the second-step limits: per address and per account, failures only."""
    per_address = limiter.limit(lambda: current_app.config["RATELIMIT_TOTP"], methods=["POST"],
                                deduct_when=failed)
    per_account = limiter.shared_limit(lambda: current_app.config["RATELIMIT_TOTP"],
                                       scope="two-step-account", key_func=account_key,
                                       methods=["POST"], deduct_when=failed)
    return per_address(per_account(view))


def _finish(user: User, method: str) -> None:
    """Sign ``user`` in after the second step (``method``: totp, recovery, enrolment)."""
    session.pop(PENDING, None)
    login_user(user)
    record(user, "auth.login", target=user, site=user.site_id, details={"second_step": method})


@bp.route("/login/two-step", methods=["GET", "POST"])
@access("public")
@limited
def verify():
    """Ask for the code from the app (or a recovery code); sign in when it is right."""
    user, state = _pending()
    if user is None:
        return _nothing_pending(state)
    if state.get("enrol"):
        return redirect(url_for("two_step.setup"))
    code_form, recovery_form = TotpCodeForm(), RecoveryCodeForm()
    status = 200
    if request.method == "POST":
        form = recovery_form if "recovery_code" in request.form else code_form
        if form.validate_on_submit():
            typed = form.recovery_code.data if form is recovery_form else form.code.data
            method = two_step.check_second_factor(user, typed, via="web")
            if method is not None:
                _finish(user, method)
                if method == "recovery":
                    flash(ngettext("You used a recovery code; %(num)d is left. New ones can "
                                   "be made on your account page.",
                                   "You used a recovery code; %(num)d are left. New ones can "
                                   "be made on your account page.",
                                   two_step.recovery_codes_left(user)), "info")
                db.session.commit()
                return redirect(state.get("next") or url_for("home.index"))
            db.session.commit()
            flash(_("That code is not right. Check that the phone's clock is correct and "
                    "type the code the app shows now.") if form is code_form else
                  _("That recovery code is not right or was already used."), "error")
            status = 401
        else:
            status = 422
    return render_template("auth/second_step.html", code_form=code_form,
                           recovery_form=recovery_form), status


@bp.route("/login/two-step/setup", methods=["GET", "POST"])
@access("public")
@limited
def setup():
    """Set-up that the role requires before the first sign-in: QR code, then a code."""
    user, state = _pending()
    if user is None:
        return _nothing_pending(state)
    if not state.get("enrol"):
        return redirect(url_for("two_step.verify"))
    form = TotpCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_step.confirm_enrolment(user, form.code.data)
        except DomainError as exc:
            db.session.commit()  # keep the audited failure
            flash(exc.message, "error")
            status = exc.status
        else:
            _finish(user, "enrolment")
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=state.get("next") or url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/two_step_setup.html", **_setup_page(user), form=form,
                           action=url_for("two_step.setup"), required=True), status


def _setup_page(user: User) -> dict:
    """Return the secret, grouped for typing, and its QR code for the set-up page."""
    from telecentre.common.crypto import decrypt
    secret = decrypt(user.totp_secret)
    return {"secret": two_step.grouped(secret),
            "qr": two_step.qr_data_uri(two_step.provisioning_uri(user, secret))}
