"""The admin's form for the accessibility statement (site texts are added per site)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, RadioField, SelectChoice, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from telecentre.booking.residents import EMAIL_RE


class StatementForm(FlaskForm):
    """What the statement says, in the language the admin is editing."""

    status = RadioField(_l("Compliance with the act"), choices=[
        SelectChoice("full", _l("Fully compliant")),
        SelectChoice("partial", _l("Partially compliant")),
        SelectChoice("none", _l("Not compliant"))], validators=[DataRequired()])
    published_on = DateField(_l("Date the service was published"), validators=[InputRequired()])
    updated_on = DateField(_l("Date of the last significant update"), validators=[InputRequired()])
    prepared_on = DateField(_l("Date the statement was prepared"), validators=[InputRequired()])
    reviewed_on = DateField(_l("Date of the last review (optional)"), validators=[Optional()])
    assessment = RadioField(_l("How the statement was prepared"), choices=[
        SelectChoice("self", _l("Self-assessment by the public body")),
        SelectChoice("external", _l("Assessment by an outside auditor"))],
        validators=[DataRequired()])
    assessor = StringField(_l("Auditor (if outside)"), validators=[Length(max=200)])
    contact_person = StringField(_l("Contact person"), validators=[DataRequired(),
                                                                  Length(max=200)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[
        DataRequired(), Length(max=200),
        Regexp(EMAIL_RE, message=_l("Write an e-mail address."))])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=50)])
    inaccessible = TextAreaField(_l("Content that is not accessible, and why"),
                                 validators=[Length(max=5000)])
    exemptions = TextAreaField(_l("Content exempt from the act, or a disproportionate burden"),
                               validators=[Length(max=5000)])
    extra = TextAreaField(_l("Further information (optional)"), validators=[Length(max=5000)])
