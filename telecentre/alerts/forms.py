"""The alert route form, and the small forms of the delivery pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField, widgets)
from wtforms.validators import NumberRange, Optional

from telecentre.common.labels import SEVERITIES, WEBHOOK_FORMATS


def _checkboxes(label):
    return SelectMultipleField(label, choices=[], coerce=str, validate_choice=True,
                               widget=widgets.ListWidget(prefix_label=False),
                               option_widget=widgets.CheckboxInput())


def split_list(text: str | None) -> list[str]:
    """Addresses typed one a line or separated by commas or semicolons."""
    return [part.strip() for part in
            (text or "").replace(";", "\n").replace(",", "\n").splitlines() if part.strip()]


class RouteForm(FlaskForm):
    """Which alerts (sites, kinds, severity), to whom, and when (quiet hours, repeats)."""

    name = StringField(_l("Name"))
    enabled = BooleanField(_l("In use"), default=True)
    site_ids = _checkboxes(_l("Sites (none ticked: every site)"))
    kinds = _checkboxes(_l("Kinds (none ticked: every kind)"))
    min_severity = SelectField(_l("Least severity"), default="warning", choices=[
        SelectChoice(code, text) for code, text in SEVERITIES.items()])
    emails = TextAreaField(_l("E-mail addresses"))
    phones = TextAreaField(_l("Phone numbers for SMS"))
    webhook_url = StringField(_l("Webhook address"))
    webhook_format = SelectField(_l("Webhook format"), default="json", choices=[
        SelectChoice(code, text) for code, text in WEBHOOK_FORMATS.items()])
    quiet_start = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_end = TimeField(_l("Quiet hours until"), validators=[Optional()])
    critical_bypasses_quiet = BooleanField(_l("Critical alerts are sent during quiet hours too"),
                                           default=True)
    repeat_minutes = IntegerField(_l("Repeat every (minutes)"),
                                  validators=[Optional(), NumberRange(5, 10080)])
    notify_resolved = BooleanField(_l("Tell when an alert is resolved"), default=True)

    def values(self) -> dict:
        """The route's values for ``save_route``."""
        data = {k: v for k, v in self.data.items() if k != "csrf_token"}
        data["site_ids"] = [int(s) for s in data["site_ids"] or []]
        data["emails"], data["phones"] = split_list(data["emails"]), split_list(data["phones"])
        return data


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (delete a route, retry a message)."""
