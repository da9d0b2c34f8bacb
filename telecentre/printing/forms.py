"""The printing settings form (IT and admins), one per site."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp


QUEUE_NAMES = r"^[A-Za-z0-9_.\-]+(\s*,\s*[A-Za-z0-9_.\-]+)*$"


class PrintSettingsForm(FlaskForm):
    """Where the site's CUPS server is, its held queues, the allowance and prices."""

    enabled = BooleanField(_l("Printing is on at this site"))
    cups_host = StringField(_l("Print server (CUPS) address"), validators=[
        Optional(), Length(max=200), Regexp(r"^[A-Za-z0-9.\-:]+$",
                                            message=_l("Give a host name or an IP address."))])
    cups_port = IntegerField(_l("Print server port"), default=631,
                             validators=[DataRequired(), NumberRange(1, 65535)])
    queues = StringField(_l("Held queues (names, separated by commas)"), validators=[
        Optional(), Length(max=500),
        Regexp(QUEUE_NAMES, message=_l("Queue names are letters, digits, dots, dashes and "
                                       "underscores, separated by commas."))])
    printer_device_id = SelectField(_l("The printer as monitored (SNMP)"), coerce=int,
                                    validators=[Optional()])
    purge_minutes = IntegerField(_l("Remove unreleased jobs after (minutes)"), default=60,
                                 validators=[DataRequired(), NumberRange(1, 24 * 60)])
    free_pages = IntegerField(_l("Free pages per resident"), default=10,
                              validators=[NumberRange(0, 10_000)])
    period = SelectField(_l("Free pages renew every"), choices=[
        SelectChoice("day", _l("day")), SelectChoice("month", _l("month"))])
    guest_free_pages = IntegerField(_l("Free pages per guest pass"), default=5,
                                    validators=[NumberRange(0, 10_000)])
    price_mono = DecimalField(_l("Price per black-and-white page beyond the allowance (zł)"),
                              places=2, validators=[NumberRange(0, 100)])
    price_colour = DecimalField(_l("Price per colour page beyond the allowance (zł)"),
                                places=2, validators=[NumberRange(0, 100)])
    over_allowance = SelectField(_l("Beyond the allowance"), choices=[
        SelectChoice("charge", _l("print and record what is owed")),
        SelectChoice("refuse", _l("do not print"))])
