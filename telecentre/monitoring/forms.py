"""The device forms: add (on a site's page), edit, delete."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, PasswordField, SelectChoice, SelectField,
                     StringField)
from wtforms.validators import DataRequired, NumberRange, Optional

from telecentre.common.labels import DEVICE_KINDS as DEVICE_KIND_LABELS
from telecentre.monitoring.models import DEVICE_KINDS


def kind_choices():
    """The device kinds with their translated labels (from the label registry)."""
    return [SelectChoice(k, DEVICE_KIND_LABELS[k]) for k in DEVICE_KINDS]


class DeviceForm(FlaskForm):
    """A device and its SNMP credentials (v2c community or v3 authPriv)."""

    name = StringField(_l("Name"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    address = StringField(_l("IP address"), validators=[DataRequired()])
    port = IntegerField(_l("Port"), default=161, validators=[Optional(), NumberRange(1, 65535)])
    snmp_version = SelectField(_l("SNMP version"),
                               choices=[SelectChoice("2c", "v2c"), SelectChoice("3", "v3")])
    community = PasswordField(_l("Community (v2c)"))
    v3_user = StringField(_l("User (v3)"))
    v3_auth_protocol = SelectField(_l("Authentication (v3)"),
                                   choices=[SelectChoice("SHA", "SHA"),
                                            SelectChoice("SHA256", "SHA-256")])
    v3_auth_key = PasswordField(_l("Authentication key (v3)"))
    v3_priv_protocol = SelectField(_l("Privacy (v3)"), choices=[SelectChoice("AES", "AES"),
                                                                SelectChoice("AES256", "AES-256")])
    v3_priv_key = PasswordField(_l("Privacy key (v3)"))


class DeviceEditForm(DeviceForm):
    """Editing a device: the secrets are never shown back; blank keeps the stored ones."""

    enabled = BooleanField(_l("Polled (untick to pause polling and alerts)"))


class DeviceDeleteForm(FlaskForm):
    """Deleting a device needs an explicit tick (no script needed for the confirmation)."""

    confirm = BooleanField(_l("Yes, delete this device with its history"))


class ProposalForm(FlaskForm):
    """Accept a proposed device (name, kind, a community if none answered) or ignore it.

    Made with ``prefix=f"p{id}"`` so that every row of the list has its own field ids.
    """

    name = StringField(_l("Name"))
    # Checked by the service (an ignore sends no kind): a clear message, not a form error.
    kind = SelectField(_l("Kind"), choices=kind_choices, validate_choice=False)
    community = PasswordField(_l("Community (only if none answered)"))


class ScanForm(FlaskForm):
    """Scan a site's subnets now (blank: all of them)."""

    ranges = StringField(_l("Ranges to scan"))


class NeighboursForm(FlaskForm):
    """Read the neighbour tables of a site's devices now (nothing to fill in)."""
