"""Site booking policies: presets and the admin's edits."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from telecentre.audit.services import record
from telecentre.common.errors import InvalidInput
from telecentre.extensions import db
from telecentre.sites.models import Site, SitePolicy

# Field -> (lowest, highest) allowed value, and its label for messages and forms.
EDITABLE = {
    "slot_minutes": (5, 120, _l("Slot length (minutes)")),
    "max_booking_minutes": (5, 720, _l("Longest booking (minutes)")),
    "daily_minutes": (5, 1440, _l("Minutes per resident per day, all sites")),
    "max_open_bookings": (1, 50, _l("Most open bookings per resident")),
    "days_ahead": (0, 90, _l("How many days ahead one can book")),
    "min_gap_minutes": (0, 720, _l("Least time between a resident's sessions (minutes)")),
    "no_show_grace_minutes": (1, 120, _l("No-show grace (minutes)")),
    "walk_in_share_percent": (0, 100, _l("Share of seats kept for walk-ins (%)")),
}

# The Polish rule for free municipal access: at most 45 minutes, 15 minutes between sessions.
PRESETS = {
    "municipal": {"slot_minutes": 15, "max_booking_minutes": 45, "session_minutes": 45,
                  "min_gap_minutes": 15},
}


def policy_of(site: Site) -> SitePolicy:
    """Return the site's policy, creating the default one if the site has none yet."""
    if site.policy is None:
        site.policy = SitePolicy()
        db.session.flush()
    return site.policy


def apply_preset(actor, site: Site, name: str) -> SitePolicy:
    """Apply a named preset (``municipal``) to the site's policy; flushes and audits."""
    if name not in PRESETS:
        raise InvalidInput(_("Unknown policy preset %(name)s.", name=name))
    policy = policy_of(site)
    for field, value in PRESETS[name].items():
        setattr(policy, field, value)
    policy.preset = name
    _check_consistent(policy)
    record(actor, "policy.preset", target=policy, site=site, details={"preset": name})
    db.session.flush()
    return policy


def update_policy(actor, site: Site, values: dict) -> SitePolicy:
    """Set the given policy fields after range checks; raise InvalidInput naming the field.

    A manual change clears the preset name, since the policy may no longer match it.
    """
    policy = policy_of(site)
    changed = {}
    for field, value in values.items():
        if field == "walk_in_allowed":
            policy.walk_in_allowed = bool(value)
            changed[field] = bool(value)
            continue
        if field not in EDITABLE:
            raise InvalidInput(_("Unknown policy setting %(name)s.", name=field))
        low, high, label = EDITABLE[field]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(_("%(label)s must be a whole number from %(low)d to %(high)d.",
                                 label=label, low=low, high=high))
        if getattr(policy, field) != value:
            setattr(policy, field, value)
            changed[field] = value
    _check_consistent(policy)
    if changed:
        policy.preset = ""
        record(actor, "policy.update", target=policy, site=site, details=changed)
    db.session.flush()
    return policy


def _check_consistent(policy: SitePolicy) -> None:
    if policy.max_booking_minutes < policy.slot_minutes:
        raise InvalidInput(_("The longest booking cannot be shorter than one slot."))
    if policy.max_booking_minutes % policy.slot_minutes:
        raise InvalidInput(_("The longest booking must be a whole number of slots."))
