"""Sign-in and account forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    """Login and password."""

    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=80)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class UserForm(FlaskForm):
    """An admin adds an account."""

    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[SelectChoice("resident", _l("Resident")),
                                            SelectChoice("attendant", _l("Attendant")),
                                            SelectChoice("it", _l("IT staff")),
                                            SelectChoice("admin", _l("Admin"))])
    site = SelectField(_l("Site"), choices=[], validate_choice=False)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})


_ONE_TIME_CODE = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*",
                  "autocapitalize": "none", "spellcheck": "false", "maxlength": "7"}


class TotpCodeForm(FlaskForm):
    """The six-digit code from the authenticator app."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=10)],
                       render_kw=_ONE_TIME_CODE)


class RecoveryCodeForm(FlaskForm):
    """One of the recovery codes printed at set-up, instead of the app's code."""

    recovery_code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=40)],
                                render_kw={"autocomplete": "off", "autocapitalize": "none",
                                           "spellcheck": "false"})


class DisableTwoStepForm(FlaskForm):
    """Turning two-step sign-in off, or renewing the recovery codes, needs a current code
    (or a recovery code).  Two on one page take different ``prefix``es."""

    code = StringField(_l("Code from the app or a recovery code"),
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none",
                                  "spellcheck": "false"})


class ForgotPasswordForm(FlaskForm):
    """The e-mail address of the account that needs a new password."""

    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "email", "type": "email"})


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (from a reset link)."""

    password = PasswordField(_l("New password (at least 10 characters)"),
                             validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField(_l("New password again"),
                              validators=[DataRequired(), Length(max=200)],
                              render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    """The current password (or PIN) and the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password (at least 10 characters)"),
                        validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password"})
    new2 = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"autocomplete": "new-password"})

    def for_pin(self):
        """Relabel the fields for a card-only account, which changes its PIN."""
        self.current.label.text = _l("Current PIN")
        self.new.label.text = _l("New PIN (6 digits)")
        self.new2.label.text = _l("New PIN again")
        for fld in (self.current, self.new, self.new2):
            fld.render_kw = {**(fld.render_kw or {}), "inputmode": "numeric"}
        return self
