"""Opening, updating and reporting incidents. Services flush; the caller commits."""
import csv
import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.alerts.models import Alert
from telecentre.audit.services import record
from telecentre.common.errors import InvalidInput, NotFound
from telecentre.common.time import to_local, utcnow
from telecentre.extensions import db
from telecentre.incidents.models import SIGNIFICANCE, STATUSES, Incident
from telecentre.sites.models import Site


def significance_labels() -> dict:
    """Return the translated names of the significance levels (the act's terms)."""
    return {"minor": _("minor"), "significant": _("significant"), "serious": _("serious")}


def status_labels() -> dict:
    """Return the translated names of an incident's states."""
    return {"open": _("open"), "closed": _("closed")}


def get_incident(incident_id: int) -> Incident:
    """Return the incident or raise NotFound."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(_("There is no incident with this number."))
    return incident


def list_incidents(status: str | None = None) -> list[Incident]:
    """Return incidents, newest found first, optionally only those in ``status``."""
    query = select(Incident).order_by(Incident.found_at.desc(), Incident.id.desc())
    if status in STATUSES:
        query = query.where(Incident.status == status)
    return list(db.session.scalars(query))


def from_alert(alert_id: int) -> dict:
    """Return the fields of a new incident prefilled from alert ``alert_id`` (NotFound if none)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_("There is no alert with this number."))
    site = db.session.get(Site, alert.site_id) if alert.site_id else None
    return {"title": alert.title, "found_at": alert.opened_at, "alert_id": alert.id,
            "sites": [site.slug] if site else [],
            "significance": "significant" if alert.severity == "critical" else "minor"}


def save_incident(actor, incident: Incident | None, *, title: str, description: str,
                  found_at: datetime, sites: list[str], significance: str, actions: str,
                  reported_to_csirt: bool, csirt_reported_at: datetime | None,
                  csirt_reference: str, status: str, alert_id: int | None = None) -> Incident:
    """Create (``incident`` None) or update an incident; validate, audit, flush.

    Raises InvalidInput for an unknown site, significance or state, a time in
    the future, or a CSIRT report before the incident was found.
    """
    known = set(db.session.scalars(select(Site.slug)))
    if not title.strip():
        raise InvalidInput(_("Say in a few words what happened."))
    if set(sites) - known:
        raise InvalidInput(_("Unknown site."))
    if significance not in SIGNIFICANCE or status not in STATUSES:
        raise InvalidInput(_("Choose how serious the incident is and its state."))
    now = utcnow()
    if found_at > now:
        raise InvalidInput(_("The incident cannot be found in the future."))
    if reported_to_csirt and csirt_reported_at is None:
        raise InvalidInput(_("Give the time the incident was reported to CSIRT."))
    if csirt_reported_at is not None and (csirt_reported_at < found_at or csirt_reported_at > now):
        raise InvalidInput(_("The report to CSIRT must be after the incident was found and not "
                             "in the future."))
    if alert_id is not None and db.session.get(Alert, alert_id) is None:
        alert_id = None  # the alert was cleaned up meanwhile; the incident stands alone
    created = incident is None
    if created:
        incident = Incident(created_by_id=getattr(actor, "id", None), alert_id=alert_id)
        db.session.add(incident)
    was_open = incident.status != "closed"
    incident.title, incident.description = title.strip(), description.strip()
    incident.found_at, incident.sites = found_at, sorted(set(sites))
    incident.significance, incident.actions = significance, actions.strip()
    incident.reported_to_csirt = reported_to_csirt
    incident.csirt_reported_at = csirt_reported_at if reported_to_csirt else None
    incident.csirt_reference = csirt_reference.strip() if reported_to_csirt else ""
    incident.status = status
    if status == "closed" and was_open:
        incident.closed_at = now
    elif status == "open":
        incident.closed_at = None
    db.session.flush()
    record(actor, "incident.create" if created else "incident.update", target=incident,
           details={"significance": significance, "status": status,
                    "csirt": reported_to_csirt})
    return incident


def report_csv(incidents: list[Incident], delimiter: str = ";") -> str:
    """Return the register as CSV (with a BOM, for spreadsheets), one incident a row."""
    sig, states = significance_labels(), status_labels()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([_("Number"), _("Found"), _("What happened"), _("Sites"),
                     _("Significance"), _("Actions taken"), _("Reported to CSIRT"),
                     _("CSIRT reference"), _("State"), _("Closed")])

    def when(value):
        return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for i in incidents:
        writer.writerow([i.id, when(i.found_at), i.title + (f" — {i.description}"
                                                            if i.description else ""),
                         ", ".join(i.sites), sig[i.significance], i.actions,
                         when(i.csirt_reported_at) if i.reported_to_csirt else _("no"),
                         i.csirt_reference, states[i.status], when(i.closed_at)])
    return out.getvalue()
