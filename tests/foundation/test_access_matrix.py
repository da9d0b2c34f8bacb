"""Every route × every role × own site / other site.

``EXPECTED`` is the access table written out by hand: a new route fails this
test until its expected level is added here, and a route whose declared level
differs from the table fails too. Then every route is called as every role,
and for site-scoped routes an attendant calls them for their own site and for
another one.
"""
import pytest

from telecentre.extensions import db
from tests.conftest import Auth

OWN, OTHER = "cycow", "ludwin"

# endpoint: (level, site-scoped)
EXPECTED = {
    "home.index": ("public", False),
    "home.set_language": ("public", False),
    "legal.accessibility": ("public", False),
    "legal.edit_accessibility": ("admin", False),
    "legal.privacy": ("public", False),
    "legal.retention": ("admin", False),
    "alerts.routes": ("it", False),
    "alerts.new_route": ("it", False),
    "alerts.edit_route": ("it", False),
    "alerts.delete_route": ("it", False),
    "alerts.deliveries": ("it", False),
    "alerts.alert": ("it", False),
    "alerts.retry": ("it", False),
    "incidents.index": ("it", False),
    "incidents.new": ("it", False),
    "incidents.edit": ("it", False),
    "incidents.report": ("it", False),
    "records.sessions": ("records", False),
    "records.report": ("records", False),
    "records.public_key": ("records", False),
    "auth.login": ("public", False),
    "auth.logout": ("login", False),
    "auth.users": ("admin", False),
    "auth.reset_two_step": ("admin", False),
    "two_step.verify": ("public", False),
    "two_step.setup": ("public", False),
    "account.index": ("login", False),
    "account.manage": ("it", False),
    "account.start": ("it", False),
    "account.confirm": ("it", False),
    "account.disable": ("it", False),
    "account.renew_codes": ("it", False),
    "recovery.forgot": ("public", False),
    "recovery.reset": ("public", False),
    "recovery.change": ("login", False),
    "auth_api.token": ("public", False),
    "auth_api.me": ("login", False),
    "api.openapi": ("public", False),
    "sites_api.sites": ("public", False),
    "sites.index": ("admin", False),
    "sites.edit": ("admin", True),
    "seats_api.site_seats": ("public", False),
    "audit.county": ("it", False),
    "audit.site_log": ("staff", True),
    "monitoring.county": ("it", False),
    "monitoring.site": ("it", False),
    "monitoring.device": ("it", False),
    "monitoring.alerts": ("it", False),
    "monitoring.acknowledge_alert": ("it", False),
    "monitoring.edit_device": ("it", False),
    "monitoring.remove_device": ("it", False),
    "monitoring_api.devices": ("it", False),
    "monitoring_api.device": ("it", False),
    "monitoring_api.create": ("it", False),
    "monitoring_api.patch": ("it", False),
    "monitoring_api.remove": ("it", False),
    "remote.index": ("it", False),
    "remote.run": ("it", False),
    "remote.adhoc": ("admin", False),
    "remote.hosts": ("it", False),
    "remote.host": ("it", False),
    "remote.settings": ("it", False),
    "remote_api.actions": ("it", False),
    "remote_api.start_run": ("it", False),
    "remote_api.runs": ("it", False),
    "remote_api.run": ("it", False),
    "remote_api.wake": ("it", False),
    "remote_api.host_key": ("it", False),
    "ops.healthz": ("public", False),
    "ops.readyz": ("public", False),
    "ops.metrics": ("public", False),
    "agent_api.enroll": ("public", False),
    "agent_api.heartbeat": ("agent", False),
    "agent_api.unlock": ("agent", False),
    "agent_api.deliver_events": ("agent", False),
    "agent_api.privacy_notice": ("agent", False),
    "console_api_actions.check_in": ("staff", True),
    "console_api_actions.walk_in": ("staff", True),
    "console_api_actions.extend": ("staff", True),
    "console_api_actions.end": ("staff", True),
    "console_api_actions.message": ("staff", True),
    "console_api_actions.lock": ("staff", True),
    "console_api_actions.out_of_service": ("staff", True),
    "console_api_actions.in_service": ("staff", True),
    "console_api_actions.queue_add": ("staff", True),
    "console_api_actions.queue_call_next": ("staff", True),
    "console_api_actions.queue_remove": ("staff", True),
    "agents.index": ("it", False),
    "agents.issue_token": ("it", False),
    "agents.revoke_agent": ("it", False),
    "agents.rotate_secret": ("it", False),
    # booking: residents' pages
    "booking.sites": ("public", False),
    "booking.day": ("public", False),
    "booking.new": ("resident", False),
    "booking.mine": ("resident", False),
    "booking.detail": ("resident", False),
    "booking.cancel": ("resident", False),
    "booking.ics": ("resident", False),
    "booking.renew_feed": ("resident", False),
    "booking.calendar_feed": ("public", False),
    "booking.rules_page": ("public", False),
    "residents.register": ("public", False),
    "residents.card_login": ("public", False),
    "residents.site_queue": ("resident", False),
    "residents.site_queue_state": ("resident", False),
    # booking: the attendant's desk and the policy admin
    "desk.today": ("staff", True),
    "desk.check_in": ("staff", True),
    "desk.new_resident": ("staff", True),
    "desk.queue_add": ("staff", True),
    "desk.queue_remove": ("staff", True),
    "desk.cancel": ("staff", True),
    "desk.card": ("staff", True),
    "booking_admin.index": ("admin", False),
    "booking_admin.edit": ("admin", True),
    # booking: API
    "booking_api.availability": ("public", False),
    "booking_api.create": ("resident", False),
    "booking_api.mine": ("resident", False),
    "booking_api.one": ("resident", False),
    "booking_api.cancel": ("resident", False),
    "booking_api_more.queue_status": ("resident", False),
    "booking_api_more.queue_join": ("resident", False),
    "booking_api_more.queue_leave": ("resident", False),
    "booking_api_more.queue_accept": ("resident", False),
    "booking_api_more.register": ("public", False),
    "booking_api_more.register_at_desk": ("staff", True),
    "booking_api_more.check_in": ("staff", True),
    "booking_api_more.site_bookings": ("staff", True),
    "booking_api_more.feed": ("resident", False),
    "booking_api_more.feed_renew": ("resident", False),
    "booking_api_more.policy": ("public", False),
    "booking_api_more.policy_update": ("admin", True),
    "stats.county": ("admin", False),
    "stats.site": ("staff", True),
    "stats.seat": ("staff", True),
    "stats.sessions": ("staff", True),
    "stats.indicators_page": ("admin", False),
    "stats.indicators_print": ("admin", False),
    "stats.indicators_csv": ("admin", False),
    "stats.indicators_xlsx": ("admin", False),
    "stats_api.indicators_api": ("admin", False),
    "stats_api.site_figures": ("staff", True),
    "stats_api.my_data": ("resident", False),
    "stats_api.delete_me": ("resident", False),
    "privacy.my_data": ("resident", False),
    "privacy.my_data_json": ("resident", False),
    "privacy.delete": ("resident", False),
    # console: the attendant's live room (site-scoped) and the public kiosk page
    "console.index": ("staff", False),
    "console.room": ("staff", True),
    "console.live": ("staff", True),
    "console.seat": ("staff", True),
    "console.session": ("staff", True),
    "console.booking": ("staff", True),
    "console.residents": ("staff", True),
    "console.resident": ("staff", True),
    "console_api.room": ("staff", True),
    "console_api.seat": ("staff", True),
    "console_api.session": ("staff", True),
    "console_api.bookings": ("staff", True),
    "console_api.booking": ("staff", True),
    "console_api.residents": ("staff", True),
    "console_api.resident": ("staff", True),
    "resident_admin.edit": ("staff", True),
    "resident_admin.block": ("staff", True),
    "resident_admin.unblock": ("staff", True),
    "resident_admin.add_note": ("staff", True),
    "resident_admin.temporary": ("staff", True),
    "staff_booking.new": ("staff", True),
    "staff_booking.slip": ("staff", True),
    "console_actions.check_in": ("staff", True),
    "console_actions.walk_in": ("staff", True),
    "console_actions.extend": ("staff", True),
    "console_actions.end": ("staff", True),
    "console_actions.message": ("staff", True),
    "console_actions.lock": ("staff", True),
    "console_actions.out_of_service": ("staff", True),
    "console_actions.in_service": ("staff", True),
    "console_actions.queue_add": ("staff", True),
    "console_actions.queue_call_next": ("staff", True),
    "console_actions.queue_remove": ("staff", True),
    "guests.index": ("staff", True),
    "guests.issue": ("staff", True),
    "guests.sheet": ("staff", True),
    "guests.revoke": ("staff", True),
    "notices.seen": ("resident", False),
    "kiosk.start": ("public", False),
    "kiosk.board_fragment": ("public", False),
    "kiosk.leave": ("public", False),
    # printing: the desk's print queue actions, settings, the kiosk and the agent
    "printing.desk_action": ("staff", True),
    "printing.settings": ("it", True),
    "kiosk_print.page": ("public", False),
    "kiosk_print.act": ("public", False),
    "printing_agent.jobs": ("agent", False),
    "printing_agent.release": ("agent", False),
    "printing_agent.cancel": ("agent", False),
}

# URL argument name -> callable(site_slug, factories) returning its value for that site.
def _sample_resident(f):
    """The matrix's own resident when it exists (so that it owns the sample), else a new one."""
    from telecentre.auth.models import User
    from telecentre.extensions import db
    user = db.session.scalar(db.select(User).where(User.login == "matrix-resident"))
    return user or f["user"]("resident")


def _sample_booking(slug, f):
    """A booking tomorrow at the site, on a seat of its own, held by the sample resident."""
    from datetime import timedelta

    from telecentre.common.time import utcnow
    return f["booking"](f["seat"](site=slug), _sample_resident(f),
                        utcnow() + timedelta(days=1)).id


def _sample_queue_entry(slug, f):
    from telecentre.booking.models import QueueEntry
    from telecentre.extensions import db
    from telecentre.sites.services import get_site
    entry = QueueEntry(site_id=get_site(slug).id, resident_id=f["user"]("resident").id)
    db.session.add(entry)
    db.session.commit()
    return entry.id


def _sample_feed_token(slug, f):
    from telecentre.booking.calendar import feed_token
    from telecentre.extensions import db
    token = feed_token(f["user"]("resident"))
    db.session.commit()
    return token


URL_SAMPLES = {
    "slug": lambda slug, f: slug,
    "device_id": lambda slug, f: f["device"](slug).id if f else 1,
    "alert_id": lambda slug, f: f["alert"](slug).id if f else 1,
    # Without factories (the security-headers test) any id will do: a 404 has headers too.
    "seat_id": lambda slug, f: f["seat"](site=slug).id if f else 1,
    "run_id": lambda slug, f: _remote_run(f["seat"](site=slug)).id if f else 1,
    "booking_id": lambda slug, f: _sample_booking(slug, f) if f else 1,
    "entry_id": lambda slug, f: _sample_queue_entry(slug, f) if f else 1,
    "token": lambda slug, f: _sample_feed_token(slug, f) if f else "no-such-token",
    "session_id": lambda slug, f: _usage_session(f["seat"](site=slug)).id if f else 1,
    "resident_id": lambda slug, f: f["user"]("resident", site=slug).id if f else 1,
    "pass_id": lambda slug, f: _guest_passes(slug)[0].id if f else 1,
    "notice_id": lambda slug, f: _notice(_sample_resident(f)).id if f else 1,
    "batch": lambda slug, f: _guest_passes(slug)[0].batch if f else "none",
    "agent_id": lambda slug, f: _agent(f["seat"](site=slug)).id if f else "0000-none",
    "user_id": lambda slug, f: f["user"]("it").id if f else 1,
    "incident_id": lambda slug, f: _incident(slug).id if f else 1,
    "route_id": lambda slug, f: _alert_route(slug).id if f else 1,
    "delivery_id": lambda slug, f: _alert_delivery(f["alert"](slug)).id if f else 1,
    "print_job_id": lambda slug, f: _print_job(slug).id if f else 1,
    "action": lambda slug, f: "release",
}


def _alert_route(slug):
    from telecentre.alerts.services import save_route
    from telecentre.sites.services import get_site
    route = save_route(None, None, {"name": f"Route {slug}", "enabled": True,
                                    "site_ids": [get_site(slug).id], "kinds": ["ups"],
                                    "min_severity": "warning", "emails": ["it@example.org"],
                                    "webhook_format": "json"})
    db.session.commit()
    return route


def _alert_delivery(alert):
    from telecentre.alerts.models import AlertDelivery
    delivery = AlertDelivery(alert_id=alert.id, event="opened", channel="email",
                             target="it@example.org", status="failed", attempts=5,
                             last_error="mail: connection refused")
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _print_job(slug):
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.printing.models import PrintJob
    from telecentre.sites.services import get_site
    job = PrintJob(site_id=get_site(slug).id, cups_job_id=1, queue="public", pages=1,
                   created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    return job


def _incident(slug):
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.incidents.models import Incident
    incident = Incident(title="Router down", found_at=utcnow(), sites=[slug])
    db.session.add(incident)
    db.session.commit()
    return incident


def _agent(seat):
    import uuid

    from telecentre.agent_api.models import Agent
    from telecentre.extensions import db
    agent = Agent(id=str(uuid.uuid4()), site_id=seat.site_id, seat_id=seat.id,
                  secret_hash="0" * 64, hostname=f"host-{seat.name}")
    db.session.add(agent)
    db.session.commit()
    return agent


def _notice(user):
    """A notice for the sample resident (the matrix's own, so that its call may pass)."""
    from telecentre.console.notices import tell
    from telecentre.extensions import db
    notice = tell(user, "Your booking was moved.")
    db.session.commit()
    return notice


def _guest_passes(slug):
    from telecentre.console.guests import issue_passes
    from telecentre.extensions import db
    from telecentre.sites.services import get_site
    passes = issue_passes(None, get_site(slug), 2, 30)
    db.session.commit()
    return passes


def _usage_session(seat):
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.sessions.models import UsageSession
    usage = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in",
                         started_at=utcnow(), minutes_granted=30)
    db.session.add(usage)
    db.session.commit()
    return usage


def _remote_run(seat):
    from telecentre.extensions import db
    from telecentre.remote.models import RemoteRun, RemoteRunHost
    run = RemoteRun(action="disk_diagnostics", params={}, status="finished",
                    hosts=[RemoteRunHost(seat_id=seat.id, seat_name=seat.name, status="done")])
    db.session.add(run)
    db.session.commit()
    return run

ROLES = ("anonymous", "resident", "attendant", "it", "admin")
ALLOWED = {
    "public": set(ROLES),
    "login": {"resident", "attendant", "it", "admin"},
    "resident": {"resident"},
    "staff": {"attendant", "it", "admin"},
    "it": {"it", "admin"},
    "admin": {"admin"},
    "agent": set(),  # only an enrolled agent's bearer secret passes, never a person's session
    "records": set(),  # the session log is off by default; tests/records covers it switched on
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(EXPECTED) == set(), "add the new routes to EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "remove routes that no longer exist"
    for endpoint, (level, scoped) in EXPECTED.items():
        view = app.view_functions[endpoint]
        assert view.access_level == level, endpoint
        assert (view.access_site is not None) == scoped, endpoint


def _url(rule, slug, factories):
    values = {arg: URL_SAMPLES[arg](slug, factories) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def _denied(reply, role):
    if reply.status_code in (401, 403, 404):
        return True
    return role == "anonymous" and reply.status_code == 302 and "/login" in reply.location


def _cases(app):
    # Signing out ends every copy of the session cookie (auth.services.revoke_sessions):
    # it goes last, so the other routes are tried while the cookie is still valid.
    for rule in sorted(app.url_map.iter_rules(),
                       key=lambda r: (r.endpoint == "auth.logout", r.rule)):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _signed_in_cookie(app, user):
    """Sign in once; return the session cookie and a CSRF token valid with it."""
    client = app.test_client()
    auth = Auth(client)
    if user is not None:
        assert auth.login(user).status_code == 302
    token = auth.csrf_token("/")
    name = app.config["SESSION_COOKIE_NAME"]
    return client.get_cookie(name).value, token


@pytest.mark.parametrize("role", ROLES)
def test_matrix(app, role, create_user, factories):
    user = None if role == "anonymous" else create_user(
        role, site=OWN if role == "attendant" else None, login=f"matrix-{role}")
    # One sign-in per role: every request gets a fresh client carrying a copy of that
    # session cookie, so a request that signs out or changes the session affects only itself.
    cookie, token = _signed_in_cookie(app, user)
    if role == "admin":
        # Ad-hoc commands are off by default and need two-step sign-in (remote.services.
        # adhoc_refusal): turned on here so that the matrix checks the role rule itself.
        import pyotp

        from telecentre.common.crypto import encrypt
        from telecentre.common.time import utcnow
        app.config["REMOTE_ADHOC_ENABLED"] = True
        user.totp_secret, user.totp_enabled_at = encrypt(pyotp.random_base32()), utcnow()
        db.session.commit()
    name = app.config["SESSION_COOKIE_NAME"]
    failures = []
    for rule, method in _cases(app):
        level, scoped = EXPECTED[rule.endpoint]
        for slug in ((OWN, OTHER) if scoped or "slug" in rule.arguments else (OWN,)):
            client = app.test_client()
            client.set_cookie(name, cookie)
            url = _url(rule, slug, factories)
            reply = client.open(url, method=method, data={"csrf_token": token},
                                headers={"X-CSRFToken": token})
            allowed = role in ALLOWED[level] and not (
                scoped and role == "attendant" and slug != OWN)
            where = f"{method} {url} as {role}"
            if reply.status_code >= 500:
                failures.append(f"{where}: {reply.status_code}")
            elif allowed and _denied(reply, role):
                failures.append(f"{where}: denied ({reply.status_code}) but should pass")
            elif not allowed and not _denied(reply, role):
                failures.append(f"{where}: passed ({reply.status_code}) but should be denied")
    assert failures == []
