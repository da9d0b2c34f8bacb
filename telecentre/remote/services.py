"""Remote actions: who may run what on which seats, credentials, targets and host keys.

Services take the acting user (None = the system: the scheduler, or an
operator at the server's shell), validate, audit through
``telecentre.audit.services.record`` and only flush. Running a created run
is :func:`telecentre.remote.execution.execute_run`, a boundary that commits.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.common.crypto import decrypt, encrypt
from telecentre.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site

from .agents import agent_bridge
from .catalogue import ACTIONS, UnknownAction, get_action
from .hostkeys import (HostKeyPin, InvalidKey, generate_key_pair, load_private_key,
                       normalise_private_key, public_key_line)
from .models import TARGET_OS, HostKey, RemoteRun, RemoteRunHost, RemoteTarget, SshCredential
from .params import ACCOUNT_PATTERN, HostParam, InvalidParameters, Param, ParamError
from .ssh import SshError, fetch_host_key
from .wol import WakeError, normalise_mac


def require_it(actor) -> None:
    """Refuse anyone but IT staff and admins (None is the system and passes)."""
    if actor is not None and getattr(actor, "role", None) not in ("it", "admin"):
        raise Forbidden(_("Only IT staff may use remote actions."))


def is_admin(actor) -> bool:
    """The system (None) and admins may do what is admin-only."""
    return actor is None or getattr(actor, "role", None) == "admin"


def adhoc_refusal(actor) -> str | None:
    """Why ``actor`` may not run ad-hoc commands now, or None when they may.

    Off unless ``REMOTE_ADHOC_ENABLED``; then only for admins who sign in with
    two steps (the command line, actor None, needs the setting only). The
    vetted catalogue is the normal path.
    """
    from flask import current_app
    if not current_app.config["REMOTE_ADHOC_ENABLED"]:
        return _("Ad-hoc commands are turned off on this server (setting "
                 "REMOTE_ADHOC_ENABLED); use the actions of the catalogue.")
    if not is_admin(actor):
        return _("Only administrators may run ad-hoc commands.")
    if actor is not None and not getattr(actor, "totp_enabled", False):
        return _("Ad-hoc commands need two-step sign-in: set it up on your account page first.")
    return None


def param_error_text(error: ParamError) -> str:
    """Translate a catalogue parameter refusal (msgid with %(…)s placeholders)."""
    translate = _  # the msgids live in the catalogue module, marked with N_
    values = dict(error.values)
    if "label" in values:
        values["label"] = translate(values["label"])
    return translate(error.message, **values)


def _invalid(exc: InvalidParameters) -> InvalidInput:
    details = {name: param_error_text(err) for name, err in exc.errors.items()}
    return InvalidInput(" ".join(details.values()), code="invalid_parameters",
                        details={"fields": details})


# ------------------------------------------------------------------ credentials

def credential_for(site: Site | None) -> SshCredential | None:
    """Return the site's own SSH credential, else the county-wide one, else None."""
    if site is not None:
        own = db.session.scalar(select(SshCredential).where(SshCredential.site_id == site.id))
        if own is not None:
            return own
    return db.session.scalar(select(SshCredential).where(SshCredential.site_id.is_(None)))


def set_credential(actor, site: Site | None, username: str, private_key: str | None = None,
                   passphrase: str | None = None, use_sudo: bool = False) -> SshCredential:
    """Store the SSH login for *site* (None: county-wide), the private key encrypted.

    Without *private_key* a new Ed25519 key pair is generated; its public
    half is then shown to IT to install on the PCs. Audited (never the key).
    """
    require_it(actor)
    try:
        username = Param("username", "", pattern=ACCOUNT_PATTERN, max_length=32,
                         required=True).clean(username)
    except ParamError:
        raise InvalidInput(
            _("The SSH user must be a local account name such as telecentre.")) from None
    if private_key and private_key.strip():
        try:
            plain, public = normalise_private_key(private_key, passphrase)
        except InvalidKey:
            raise InvalidInput(_("This is not a private key we can read, or the passphrase "
                                 "is wrong.")) from None
    else:
        plain, public = generate_key_pair()
    credential = credential_for(site)
    if credential is None or credential.site_id != getattr(site, "id", None):
        credential = SshCredential(site_id=getattr(site, "id", None))
        db.session.add(credential)
    credential.username, credential.use_sudo = username, bool(use_sudo)
    credential.private_key_encrypted, credential.public_key = encrypt(plain), public
    credential.updated_at = utcnow()
    db.session.flush()
    record(actor, "remote.credential.set", target=credential, site=site,
           details={"username": username, "public_key": public, "use_sudo": bool(use_sudo)})
    return credential


def client_key(credential: SshCredential):
    """Decrypt and load the credential's private key (in memory only)."""
    return load_private_key(decrypt(credential.private_key_encrypted))


# ------------------------------------------------------------------ targets and host keys

def target_for(seat: Seat) -> RemoteTarget:
    """Return the seat's target, filling gaps from what its agent reported."""
    target = db.session.scalar(select(RemoteTarget).where(RemoteTarget.seat_id == seat.id))
    if target is None:
        target = RemoteTarget(seat_id=seat.id, os="linux", port=22)
    bridge = agent_bridge()
    hints = bridge.target_hints(seat) if bridge else {}
    target.address = target.address or hints.get("address")
    target.mac = target.mac or hints.get("mac")
    if target.id is None and hints.get("os") in TARGET_OS:
        target.os = hints["os"]
    return target


def set_target(actor, seat: Seat, address: str | None, os_name: str = "linux",
               mac: str | None = None, port: int = 22) -> RemoteTarget:
    """Record how to reach *seat*: IP or host name, OS, MAC for wake-on-LAN, SSH port."""
    require_it(actor)
    errors = []
    try:
        address = HostParam("address", "").clean(address)
    except ParamError:
        errors.append(_("The address must be an IP address or a host name."))
    if os_name not in TARGET_OS:
        errors.append(_("The system must be linux or windows."))
    try:
        mac = normalise_mac(mac) if mac else None
    except WakeError:
        errors.append(_("The MAC address must look like aa:bb:cc:dd:ee:ff."))
    if not isinstance(port, int) or not 1 <= port <= 65535:
        errors.append(_("The SSH port must be between 1 and 65535."))
    if errors:
        raise InvalidInput(" ".join(errors))
    target = db.session.scalar(select(RemoteTarget).where(RemoteTarget.seat_id == seat.id))
    if target is None:
        target = RemoteTarget(seat_id=seat.id)
        db.session.add(target)
    target.address, target.os, target.mac, target.port = address, os_name, mac, port
    db.session.flush()
    record(actor, "remote.target.set", target=seat, site=seat.site_id,
           details={"address": address, "os": os_name, "mac": mac, "port": port})
    return target


def pinned_key(seat: Seat) -> str | None:
    """The host key to expect: the agent's report (authenticated), else IT's approval."""
    bridge = agent_bridge()
    reported = bridge.host_key(seat) if bridge else None
    if reported:
        return reported
    row = db.session.scalar(select(HostKey).where(HostKey.seat_id == seat.id))
    return row.public_key if row else None


def approve_host_key(actor, seat: Seat, key_line: str) -> HostKey:
    """Pin *key_line* for a seat (a device without an agent, or after a reinstall).

    IT compares the fingerprint with the one shown on the PC's console before
    approving. Resolves an open host-key alert for the seat. Audited.
    """
    require_it(actor)
    try:
        pin = HostKeyPin.parse(key_line)
    except InvalidKey:
        raise InvalidInput(_("This is not an SSH public key line (type and base64).")) from None
    if pin.key is None:
        raise InvalidInput(_("Approve the whole public key, not only its fingerprint."))
    row = db.session.scalar(select(HostKey).where(HostKey.seat_id == seat.id))
    previous = row.fingerprint if row else None
    if row is None:
        row = HostKey(seat_id=seat.id)
        db.session.add(row)
    row.public_key = f"{pin.key_type} {pin.key.get_base64()}"
    row.fingerprint, row.source = pin.fingerprint, "it" if actor is not None else "agent"
    row.approved_by_id, row.approved_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    from telecentre.alerts.services import resolve_alert
    resolve_alert(host_key_alert_key(seat))
    record(actor, "remote.host_key.approve", target=seat, site=seat.site_id,
           details={"fingerprint": pin.fingerprint, "previous": previous})
    return row


def fetch_presented_key(actor, seat: Seat, timeout: float = 10.0) -> tuple[str, str]:
    """Ask the PC for its host key (no login); return ``(key line, fingerprint)``.

    Nothing is pinned: IT compares the fingerprint with the PC's console and
    then approves it with :func:`approve_host_key`.
    """
    require_it(actor)
    target = target_for(seat)
    if not target.address:
        raise InvalidInput(_("The computer's address is not known."))
    try:
        key = fetch_host_key(target.address, target.port, timeout)
    except SshError as exc:
        raise Conflict(_("The computer did not show its key: %(error)s", error=str(exc)),
                       code="unreachable") from None
    return public_key_line(key), key.fingerprint


def host_key_alert_key(seat: Seat) -> str:
    """The alert key for a changed host key on *seat*."""
    return f"remote.host_key.{seat.id}"


# ------------------------------------------------------------------ runs

def seats_for(site: Site | None = None, seat_ids=None) -> list[Seat]:
    """Resolve targets: the in-service PCs of a whole site, or the given seat ids."""
    query = select(Seat).order_by(Seat.site_id, Seat.name)
    if seat_ids is not None:
        ids = {int(i) for i in seat_ids}
        seats = list(db.session.scalars(query.where(Seat.id.in_(ids)))) if ids else []
        if len(seats) != len(ids):
            raise NotFound(_("Some of the chosen computers do not exist."))
        return seats
    if site is None:
        return []
    return list(db.session.scalars(query.where(Seat.site_id == site.id,
                                               Seat.in_service.is_(True))))


def create_run(actor, action_name: str, params: dict | None, seats: list[Seat], *,
               confirmed: bool = False, scope: str = "") -> RemoteRun:
    """Queue a vetted action on *seats*; return the run (hosts queued).

    Refuses: non-IT users; ``adhoc`` by anyone but an admin, and without
    *confirmed*; unknown actions; bad parameters (translated, per field);
    an empty target list. Audited with the parameters (an ad-hoc command is
    recorded verbatim).
    """
    if action_name in ACTIONS and get_action(action_name).needs_confirmation and not confirmed:
        require_it(actor)
        if get_action(action_name).admin_only and not is_admin(actor):
            raise Forbidden(_("Only administrators may run ad-hoc commands."),
                            code="admin_only")
        raise InvalidInput(ngettext("Confirm that you want to run this command on %(num)d "
                                    "computer.", "Confirm that you want to run this command on "
                                    "%(num)d computers.", len(seats)),
                           code="confirmation_required")
    action, cleaned = plan_run(actor, action_name, params, seats)
    run = RemoteRun(action=action.name, params=cleaned, requested_by_id=getattr(actor, "id", None),
                    scope=scope[:200], status="queued", created_at=utcnow())
    for seat in seats:
        run.hosts.append(RemoteRunHost(seat_id=seat.id, seat_name=seat.name,
                                       site_id=seat.site_id, status="queued"))
    db.session.add(run)
    db.session.flush()
    record(actor, f"remote.run.{action.name}", target=run,
           site=seats[0].site_id if len({s.site_id for s in seats}) == 1 else None,
           details={"params": cleaned, "seats": [s.id for s in seats], "scope": scope})
    return run


def plan_run(actor, action_name: str, params: dict | None, seats: list[Seat]):
    """Check a run without starting it; return ``(action, cleaned parameters)``.

    The same refusals as :func:`create_run` (who, which action, targets,
    parameters), so the web page can show a confirmation step for a run that
    would start, and writes nothing.
    """
    require_it(actor)
    try:
        action = get_action(action_name)
    except UnknownAction:
        raise InvalidInput(_("There is no such remote action.")) from None
    if action.admin_only and not is_admin(actor):
        raise Forbidden(_("Only administrators may run ad-hoc commands."),
                        code="admin_only")
    if action.name == "adhoc" and (refusal := adhoc_refusal(actor)) is not None:
        raise Forbidden(refusal, code="adhoc_not_allowed")
    if not seats:
        raise InvalidInput(_("Choose at least one computer."), code="no_targets")
    raw = _with_translated_defaults(action, params or {})
    try:
        cleaned = action.validate(raw)
    except InvalidParameters as exc:
        raise _invalid(exc) from None
    return action, cleaned


def needs_confirmation_step(action, seats: list[Seat]) -> bool:
    """On the web page, ask first for an action that ends sessions (restart, shut down,
    log off) and for any action on more than one computer. (API clients confirm by calling.)"""
    return action.disruptive or action.needs_confirmation or len(seats) > 1


def _with_translated_defaults(action, params: dict) -> dict:
    """Fill an empty message with its translated default (shown on the user's screen)."""
    raw = dict(params)
    for param in action.params:
        empty = raw.get(param.name) in (None, "")
        if empty and param.name == "message" and isinstance(param.default, str):
            raw[param.name] = _(param.default)
    return raw


def get_run(run_id: int) -> RemoteRun:
    """Return a run or raise NotFound."""
    run = db.session.get(RemoteRun, run_id)
    if run is None:
        raise NotFound(_("There is no remote run with this number."))
    return run


def recent_runs(limit: int = 50) -> list[RemoteRun]:
    """The latest runs, newest first."""
    return list(db.session.scalars(select(RemoteRun).order_by(RemoteRun.id.desc()).limit(limit)))


def run_as_dict(run: RemoteRun) -> dict:
    """The run and its hosts as plain JSON values (for polling and the API)."""
    def when(moment):
        return moment.isoformat() if moment else None
    return {
        "id": run.id, "action": run.action, "params": run.params, "status": run.status,
        "scope": run.scope, "created_at": when(run.created_at),
        "started_at": when(run.started_at), "finished_at": when(run.finished_at),
        "hosts": [{"id": h.id, "seat_id": h.seat_id, "seat": h.seat_name,
                   "address": h.address, "status": h.status, "exit_code": h.exit_code,
                   "output_tail": h.output_tail, "error": h.error,
                   "started_at": when(h.started_at), "finished_at": when(h.finished_at)}
                  for h in run.hosts],
    }
