"""Web forms of the booking pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, PasswordField, SelectChoice, SelectField,
                     StringField)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from telecentre.booking.policies import EDITABLE


class RegisterForm(FlaskForm):
    """A resident registers themselves."""

    login = StringField(_l("Login"), validators=[DataRequired(), Length(min=2, max=80)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    display_name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)],
                               render_kw={"autocomplete": "name"})
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=200)],
                        render_kw={"autocomplete": "email", "type": "email"})
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "tel", "type": "tel"})
    password = PasswordField(_l("Password (at least 10 characters)"),
                             validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    password2 = PasswordField(_l("Password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    consent = BooleanField(_l("I accept the site rules and the privacy notice"),
                           validators=[DataRequired(_l("Please accept the site rules and the "
                                                       "privacy notice."))])


class CardLoginForm(FlaskForm):
    """Sign in with the card number and PIN given at the desk."""

    card = StringField(_l("Card number"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "username"})
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Length(max=12)],
                        render_kw={"inputmode": "numeric", "autocomplete": "current-password"})


class BookForm(FlaskForm):
    """Book from a chosen slot: how long, which seat."""

    minutes = SelectField(_l("How long"), coerce=int, validate_choice=True)
    seat = SelectField(_l("Computer"), coerce=int, validate_choice=True)


class CodeForm(FlaskForm):
    """The desk types a booking code."""

    code = StringField(_l("Booking code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class DeskResidentForm(FlaskForm):
    """The desk registers a resident."""

    display_name = StringField(_l("Resident's name"), validators=[DataRequired(),
                                                                  Length(max=120)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"type": "tel"})
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=200)],
                        render_kw={"type": "email"})
    birth_year = StringField(_l("Birth year (optional)"), validators=[Optional(), Length(max=4)],
                             render_kw={"inputmode": "numeric"})
    rules_accepted = BooleanField(_l("The resident has read and accepted the site rules and "
                                     "the privacy notice"),
                                  validators=[DataRequired(_l("The resident must accept the site "
                                                              "rules and the privacy notice."))])
    # Set by the "register anyway" button after a likely duplicate was shown.
    confirm_duplicate = BooleanField(default=False)


class DeskQueueForm(FlaskForm):
    """The desk puts a resident in the queue: the resident shows the card and types the PIN."""

    card = StringField(_l("Card number"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    pin = PasswordField(_l("PIN (typed by the resident)"),
                        validators=[DataRequired(), Length(max=12)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})


def policy_form_class():
    """Return a form class with one number field per editable policy setting."""

    class PolicyForm(FlaskForm):
        """The admin edits a site's booking policy."""

        preset = SelectField(_l("Preset"), choices=[
            SelectChoice("", _l("keep the values below")),
            SelectChoice("municipal", _l("Municipal free access: 45 minutes at most, "
                                         "15 minutes between"))],
            validate_choice=True)
        walk_in_allowed = BooleanField(_l("Walk-in visitors and the queue allowed"))

    for name, (low, high, label) in EDITABLE.items():
        setattr(PolicyForm, name, IntegerField(label, validators=[
            InputRequired(), NumberRange(min=low, max=high)]))
    return PolicyForm
