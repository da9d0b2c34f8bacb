"""The words people read for the codes the database keeps, in the reader's language.

Each registry maps a stored code to a lazily translated label, so a page (and the
``label`` Jinja filter: ``{{ entry.action|label('audit') }}``) shows words, never
codes. A code missing from its registry is shown humanised ("seat.add" -> "seat
add") rather than raw, and the untranslated-code test catches it.
"""
from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "agent.enroll": _l("computer enrolled"),
    "agent.enrollment_token": _l("enrolment token issued"),
    "agent.revoke": _l("agent revoked"),
    "agent.rotate_secret": _l("agent secret rotated"),
    "alert.acknowledge": _l("alert acknowledged"),
    "alert.delivery_retry": _l("alert message sent again"),
    "alert.route_delete": _l("alert route deleted"),
    "alert.route_save": _l("alert route saved"),
    "auth.login": _l("signed in"),
    "auth.password_change": _l("password changed"),
    "auth.password_reset": _l("password reset"),
    "auth.pin_change": _l("PIN changed"),
    "auth.reset_requested": _l("password reset link requested"),
    "auth.login_card": _l("signed in with a card"),
    "auth.logout": _l("signed out"),
    "auth.password_ok": _l("password accepted"),
    "auth.recovery_code_used": _l("recovery code used"),
    "auth.recovery_codes_renewed": _l("recovery codes renewed"),
    "auth.totp_disabled": _l("two-step sign-in switched off"),
    "auth.totp_enabled": _l("two-step sign-in switched on"),
    "auth.totp_failed": _l("wrong one-time code"),
    "auth.totp_reset": _l("two-step sign-in reset"),
    "booking.cancel": _l("booking cancelled"),
    "booking.check_in": _l("checked in"),
    "booking.create": _l("booking made"),
    "booking.move": _l("booking moved"),
    "booking.release": _l("booking released (no-show)"),
    "console.end": _l("session ended"),
    "console.extend": _l("session extended"),
    "console.lock": _l("screen locked"),
    "console.message": _l("message sent"),
    "console.walk_in": _l("walk-in session started"),
    "device.add": _l("device added"),
    "device.delete": _l("device deleted"),
    "device.update": _l("device changed"),
    "guest_pass.issue": _l("guest pass issued"),
    "guest_pass.revoke": _l("guest pass revoked"),
    "guest_pass.use": _l("guest pass used"),
    "incident.create": _l("incident reported"),
    "incident.update": _l("incident updated"),
    "legal.statement_saved": _l("accessibility statement saved"),
    "policy.preset": _l("policy preset applied"),
    "policy.update": _l("policy changed"),
    "print.cancel": _l("print job cancelled"),
    "print.paid": _l("print job paid"),
    "print.purge": _l("print job purged"),
    "print.release": _l("print job released"),
    "print.settings": _l("printing settings changed"),
    "privacy.account_deleted": _l("account deleted"),
    "privacy.retention": _l("old data removed"),
    "queue.accept": _l("queue offer accepted"),
    "queue.pass_over": _l("passed over in the queue"),
    "queue.withdraw": _l("queue offer withdrawn"),
    "queue.call_next": _l("next in queue called"),
    "queue.expire": _l("queue offer expired"),
    "queue.join": _l("joined the queue"),
    "queue.leave": _l("left the queue"),
    "queue.offer": _l("seat offered from the queue"),
    "records.access_granted": _l("access to usage records granted"),
    "records.access_revoked": _l("access to usage records revoked"),
    "records.sessions_viewed": _l("usage records viewed"),
    "remote.credential.set": _l("SSH credential set"),
    "remote.host_key.approve": _l("SSH host key approved"),
    "remote.host_key.mismatch": _l("SSH host key changed"),
    "remote.power.schedule": _l("power schedule changed"),
    "remote.power.wake": _l("scheduled switch-on"),
    "remote.power.warn": _l("switch-off warning"),
    "remote.target.set": _l("remote target set"),
    "remote.wake": _l("computer woken"),
    "remote.run": _l("remote action run"),
    "resident.card": _l("resident card set"),
    "resident.block": _l("resident blocked"),
    "resident.unblock": _l("resident unblocked"),
    "resident.note": _l("note on a resident"),
    "resident.update": _l("resident's details changed"),
    "seat.add": _l("seat added"),
    "seat.in_service": _l("seat back in service"),
    "seat.out_of_service": _l("seat out of service"),
    "site.exception": _l("opening-hours exception"),
    "site.hours": _l("opening hours changed"),
    "site.subnets": _l("subnets changed"),
    "user.create": _l("user created"),
}

DEVICE_KINDS = {"router": _l("Router"), "switch": _l("Network switch"),
                "access_point": _l("Access point"), "ups": _l("UPS"), "printer": _l("Printer"),
                "pc": _l("PC"), "kiosk": _l("Kiosk")}

END_REASONS = {
    "logout": _l("signed out"), "logoff": _l("signed out"), "time_up": _l("time is up"),
    "user_ended": _l("ended by the user"), "ended_by_staff": _l("ended by staff"),
    "kiosk_idle": _l("kiosk left idle"), "idle": _l("left idle"),
    "revoked": _l("computer removed from the system"), "shutdown": _l("computer switched off"),
    "superseded": _l("replaced by a newer session"), "not_started": _l("never started"),
    "agent_offline": _l("computer went offline"), "moved": _l("moved to another seat"),
    "out_of_service": _l("seat taken out of service"),
}

ROLES = {"resident": _l("Resident"), "attendant": _l("Attendant"), "it": _l("IT staff"),
         "admin": _l("Admin")}

SESSION_KINDS = {"booked": _l("from a booking"), "walk_in": _l("walk-in"),
                 "guest": _l("guest pass"), "kiosk": _l("kiosk")}

TARGET_TYPES = {"Seat": _l("seat"), "Site": _l("site"), "User": _l("user"),
                "Device": _l("device"), "Booking": _l("booking"), "Agent": _l("agent"),
                "Alert": _l("alert"), "UsageSession": _l("session"),
                "GuestPass": _l("guest pass"), "QueueEntry": _l("queue"),
                "PrintJob": _l("print job"), "PrintSettings": _l("printing settings"),
                "RemoteRun": _l("remote action"), "SitePolicy": _l("policy"),
                "SshCredential": _l("SSH credential"), "PowerSchedule": _l("power schedule"),
                "EnrollmentToken": _l("enrolment token"), "OpeningHours": _l("opening hours"),
                "OpeningException": _l("opening-hours exception"), "HostKey": _l("SSH host key"),
                "RemoteTarget": _l("remote target"),
                "AlertRoute": _l("alert route"), "AlertDelivery": _l("alert message")}

# Alerts: where they come from, how bad, and what became of the messages about them.
ALERT_SOURCES = {"snmp": _l("network devices (SNMP)"), "agent": _l("public computers (agent)"),
                 "remote": _l("remote actions")}
SEVERITIES = {"info": _l("info"), "warning": _l("warning"), "critical": _l("critical")}
ALERT_EVENTS = {"opened": _l("opened"), "repeat": _l("still active"), "resolved": _l("resolved")}
DELIVERY_STATES = {"pending": _l("waiting"), "sending": _l("sending"), "sent": _l("sent"),
                   "failed": _l("failed")}
DELIVERY_CHANNELS = {"email": _l("e-mail"), "webhook": _l("webhook"), "sms": _l("SMS")}
WEBHOOK_FORMATS = {"json": _l("generic JSON (every field of the alert)"),
                   "slack": _l("Slack / Mattermost"), "teams": _l("Microsoft Teams")}

# Who did it, when nobody signed in did (jobs, agents, the scheduler).
ACTORS = {"system": _l("system")}

PRINT_STATES = {"held": _l("waiting"), "released": _l("released"), "printed": _l("printed"),
                "cancelled": _l("cancelled"), "purged": _l("removed unprinted")}

REGISTRIES = {"audit": AUDIT_ACTIONS, "device_kind": DEVICE_KINDS, "end_reason": END_REASONS,
              "role": ROLES, "session_kind": SESSION_KINDS, "target": TARGET_TYPES,
              "actor": ACTORS, "alert_source": ALERT_SOURCES, "severity": SEVERITIES,
              "alert_event": ALERT_EVENTS, "delivery_state": DELIVERY_STATES,
              "delivery_channel": DELIVERY_CHANNELS, "webhook_format": WEBHOOK_FORMATS,
              "print_state": PRINT_STATES}


# registry -> {code prefix: callable(rest of the code) -> label}, for codes built from a
# feature's own names (``remote.run.<action>``); a feature registers its resolver at start.
PREFIX_RESOLVERS: dict[str, dict] = {}


def register_prefix(registry: str, prefix: str, resolve) -> None:
    """Label every ``registry`` code starting with ``prefix`` through ``resolve(rest)``."""
    PREFIX_RESOLVERS.setdefault(registry, {})[prefix] = resolve


def label(code, registry: str) -> str:
    """Return the translated label of ``code`` in ``registry`` ('' for None)."""
    if code is None or code == "":
        return ""
    found = REGISTRIES[registry].get(code)
    if found is not None:
        return str(found)
    if registry == "actor":  # a person's login is shown as it is
        return str(code)
    for prefix, resolve in PREFIX_RESOLVERS.get(registry, {}).items():
        if str(code).startswith(prefix):
            return resolve(str(code)[len(prefix):])
    return str(code).replace("_", " ").replace(".", " ")


def init_app(app) -> None:
    """Register the ``label`` filter."""
    app.jinja_env.filters["label"] = label
