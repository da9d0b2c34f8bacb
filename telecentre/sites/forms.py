"""Forms for editing a site."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class HoursForm(FlaskForm):
    """Weekly opening hours, one interval a line."""

    hours = TextAreaField(_l("Weekly hours (one a line, e.g. mon-fri 08:00-16:00)"),
                          validators=[DataRequired(), Length(max=2000)])


class SubnetsForm(FlaskForm):
    """The site's networks, one CIDR a line."""

    subnets = TextAreaField(_l("Subnets (one a line, e.g. 10.20.1.0/24)"),
                            validators=[Length(max=2000)])
