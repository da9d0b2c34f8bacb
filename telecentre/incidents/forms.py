"""The incident form (times are entered in local time)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, RadioField, SelectChoice,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class IncidentForm(FlaskForm):
    """What happened, where, how serious, what was done, whether CSIRT was told."""

    title = StringField(_l("What happened (in a few words)"),
                        validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    found_at = DateTimeLocalField(_l("Found at"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired()])
    sites = SelectMultipleField(_l("Sites affected"), choices=[],
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput(), validate_choice=True)
    significance = RadioField(_l("Significance"), choices=[
        SelectChoice("minor", _l("minor")), SelectChoice("significant", _l("significant")),
        SelectChoice("serious", _l("serious"))], default="minor", validators=[DataRequired()])
    actions = TextAreaField(_l("Actions taken"), validators=[Length(max=10000)])
    reported_to_csirt = BooleanField(_l("Reported to CSIRT"))
    csirt_reported_at = DateTimeLocalField(_l("Reported to CSIRT at"), format="%Y-%m-%dT%H:%M",
                                           validators=[Optional()])
    csirt_reference = StringField(_l("CSIRT reference number"), validators=[Length(max=100)])
    status = RadioField(_l("State"), choices=[SelectChoice("open", _l("open")),
                                              SelectChoice("closed", _l("closed"))],
                        default="open", validators=[DataRequired()])
