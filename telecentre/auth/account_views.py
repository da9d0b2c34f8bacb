"""The signed-in person's own account page and their two-step sign-in settings."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.auth import two_step
from telecentre.auth.forms import DisableTwoStepForm, TotpCodeForm
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db, limiter

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@access("login")
def index():
    """Show who is signed in and, for IT and admins, the state of two-step sign-in."""
    return render_template("auth/account.html", may_use=two_step.may_use(current_user),
                           codes_left=two_step.recovery_codes_left(current_user))


@bp.get("/two-step")
@access("it")
def manage():
    """Two-step sign-in: on (turn off), being set up (QR code and confirm), or off (set up)."""
    user = current_user
    if user.totp_enabled:
        return render_template("auth/two_step.html", form=DisableTwoStepForm(),
                               renew_form=DisableTwoStepForm(prefix="renew"),
                               required=two_step.required_for(user),
                               codes_left=two_step.recovery_codes_left(user))
    if user.totp_secret:
        from telecentre.auth.two_step_views import _setup_page
        return render_template("auth/two_step_setup.html", **_setup_page(user),
                               form=TotpCodeForm(), action=url_for("account.confirm"),
                               required=False)
    return render_template("auth/two_step.html", form=None, required=False, codes_left=0)


@bp.post("/two-step/setup")
@access("it")
def start():
    """Make a new secret and show it (a set-up started earlier is replaced)."""
    try:
        two_step.begin_enrolment(current_user, restart=True)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("account.manage"))


def _with_code(form, service) -> tuple[bool, object]:
    """Call ``service(current_user, code)`` with the code typed into ``form`` and commit.

    Returns ``(True, result)``, or ``(False, None)`` after flashing why: a
    missing code, or the service's refusal (committed too, so the audited
    failure is kept).
    """
    if not form.validate_on_submit():
        flash(_("Type the six-digit code from the app."), "error")
        return False, None
    try:
        result = service(current_user, form.code.data)
    except DomainError as exc:
        db.session.commit()  # keep the audited failure
        flash(exc.message, "error")
        return False, None
    db.session.commit()
    return True, result


@bp.post("/two-step/confirm")
@access("it")
@limiter.limit(lambda: current_app.config["RATELIMIT_TOTP"])
def confirm():
    """Turn two-step sign-in on when the code matches; show the recovery codes once."""
    done, codes = _with_code(TotpCodeForm(), two_step.confirm_enrolment)
    if not done:
        return redirect(url_for("account.manage"))
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=url_for("account.index"))


@bp.post("/two-step/recovery-codes")
@access("it")
@limiter.limit(lambda: current_app.config["RATELIMIT_TOTP"])
def renew_codes():
    """Replace the recovery codes after a current code (or a recovery code); show them once."""
    done, codes = _with_code(DisableTwoStepForm(prefix="renew"), two_step.renew_recovery_codes)
    if not done:
        return redirect(url_for("account.manage"))
    return render_template("auth/recovery_codes.html", codes=codes, renewed=True,
                           next_url=url_for("account.manage"))


@bp.post("/two-step/disable")
@access("it")
@limiter.limit(lambda: current_app.config["RATELIMIT_TOTP"])
def disable():
    """Turn two-step sign-in off after a current code (or a recovery code)."""
    done, _result = _with_code(DisableTwoStepForm(), two_step.disable)
    if not done:
        return redirect(url_for("account.manage"))
    flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("account.index"))
