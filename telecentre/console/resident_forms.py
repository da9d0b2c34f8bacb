"""Forms of the staff's resident pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ResidentEditForm(FlaskForm):
    """Name, contact, card number and birth year of a resident."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                               render_kw={"autocomplete": "off"})
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)],
                        render_kw={"type": "email", "autocomplete": "off"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)],
                        render_kw={"type": "tel", "autocomplete": "off"})
    card = StringField(_l("Card number"), validators=[Optional(), Length(max=20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    birth_year = StringField(_l("Birth year"), validators=[Optional(), Length(max=4)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})


class BlockForm(FlaskForm):
    """Why the resident is blocked and, optionally, the last day of the block."""

    reason = StringField(_l("Reason (staff see it; the resident is only told to ask staff)"),
                         validators=[DataRequired(), Length(max=300)])
    until = DateField(_l("Blocked until the end of (optional)"), validators=[Optional()])


class NoteForm(FlaskForm):
    """A note for the staff about the resident."""

    text = TextAreaField(_l("Note for the staff"), validators=[DataRequired(), Length(max=1000)],
                         render_kw={"rows": 3})


class TemporaryForm(FlaskForm):
    """Which secret the desk renews: ``password`` or ``pin``."""

    kind = HiddenField(validators=[DataRequired()])
