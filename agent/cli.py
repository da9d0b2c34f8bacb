"""`telecentre-agent`: parse options, open the state, pick OS backend and UI, run.

    telecentre-agent [service] --server URL --state-dir DIR [options]
    telecentre-agent ui --socket PATH [--ui tk|console]

Without a subcommand the service and its lock screen run as one process
tree: this process is the service, the UI is its child (as the public user
when we are root and `--public-user` is given, else as ourselves); with
`--ui console` the child reads the codes on our stdin and writes the JSON
lines on our stdout. `service` is the same but also logs every event to
stdout (the journal) unless the UI is the console. `ui` is the lock screen
alone. On Windows (no Unix socket; the named pipe is not wired in yet) the
UI runs inside the agent's own process as before.

Exit status: 0 stopped, 2 bad options or enrolment refused, 3 revoked.
"""

import os
import signal
import sys
import threading

from agent import config as config_module
from agent import osbackends, ui as ui_module
from agent.core import Agent
from agent.credentials import Credentials
from agent.i18n import Translator, detect_language
from agent.lockfile import AlreadyRunning, StateDirLock
from agent.outbox import Outbox
from agent.state import StateStore
from agent.sync import token_fingerprint
from agent.transport import Transport

EXIT_REVOKED = 3


def _still_revoked(store, token):
    """True when the state says revoked and no new enrolment token was given."""
    if not store.get("revoked"):
        return False
    if token and token_fingerprint(token) != store.get("enrolled_token"):
        # A new token: forget the revoked identity and enrol again (the outbox stays).
        store.update(
            agent_id=None,
            secret=None,
            pending_secret=None,
            revoked=False,
            session=None,
            commands={},
        )
        return False
    return True


def main(argv=None):
    """Run the agent (or its UI alone); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ui"]:
        from agent import uiproc

        return uiproc.main(argv[1:])
    service_mode = argv[:1] == ["service"]
    if service_mode:
        argv = argv[1:]
    try:
        cfg = config_module.load(argv)
    except config_module.ConfigError as exc:
        print(f"telecentre-agent: {exc}", file=sys.stderr)
        return 2
    t = Translator(detect_language(cfg.lang))
    split = os.name != "nt"
    try:
        if split:
            _private_state_dir(cfg.state_dir)
        store = StateStore(cfg.state_dir)
        lock = StateDirLock(cfg.state_dir).acquire()  # noqa: F841 - held until the process ends
    except AlreadyRunning:
        print(f"telecentre-agent: another agent is running with {cfg.state_dir}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"telecentre-agent: cannot use state directory {cfg.state_dir}: {exc}", file=sys.stderr
        )
        return 2
    guard = threading.Lock()  # held while the public account is reset; the UI waits
    try:
        if split:
            ui = _service_ui(cfg, service_mode, guard)
        else:
            ui = ui_module.select(cfg.ui, t, cfg.kind)
    except (OSError, KeyError) as exc:
        print(f"telecentre-agent: cannot set up the lock screen: {exc}", file=sys.stderr)
        return 2
    holder = {}
    backend = osbackends.select(
        cfg.os_backend,
        lambda action, **kw: holder["agent"].report_os_action(action, **kw),
        public_user=cfg.public_user,
        home_template=cfg.home_template,
        guard=guard,
    )
    if _still_revoked(store, cfg.enrollment_token):
        holder["agent"] = _Reporter(ui)
        backend.lock_screen()
        ui.emit(
            {
                "event": "revoked",
                "state": "locked",
                "message": store.get("revoked_message") or t("revoked"),
            }
        )
        if split:
            return ui.run(_Revoked())
        return EXIT_REVOKED
    credentials = Credentials(store)
    transport = Transport(cfg.server, cfg.ca_file, t.accept_language(), credentials)
    outbox = Outbox(os.path.join(cfg.state_dir, "outbox.sqlite3"))
    agent = Agent(cfg, store, outbox, transport, credentials, backend, ui, t)
    holder["agent"] = agent
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda signum, frame: agent.stop())
    if not store.get("session") and hasattr(backend, "clean_slate"):
        backend.clean_slate()  # a crash or power cut may have left the account dirty
    status = ui.run(agent)
    if not agent.link.is_alive():
        outbox.close()  # else the process exit closes it under the link thread's feet
    return status


def _private_state_dir(directory):
    """The state directory exists, is ours alone (0700) and, as root, root's."""
    os.umask(0o077)  # the outbox and its journal files too
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(directory, 0, 0)
    os.chmod(directory, 0o700)


def _service_ui(cfg, service_mode, guard):
    """The channel, the launcher of the lock screen and the ServiceUI that ties them."""
    from agent.launcher import SystemdUiLauncher, UiLauncher
    from agent.service import ServiceUI, socket_path
    from agent import channel

    as_root = os.geteuid() == 0 and bool(cfg.public_user)
    path = socket_path(cfg.socket, as_root)
    command = [cfg.ui_python or sys.executable, "-m", "agent", "ui", "--socket", path,
               "--ui", cfg.ui, "--kind", cfg.kind] + (["--lang", cfg.lang] if cfg.lang else [])
    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {"PYTHONPATH": home}
    for key, value in (("DISPLAY", cfg.display), ("XAUTHORITY", cfg.xauthority)):
        if value or (as_root and os.environ.get(key)):
            env[key] = value or os.environ[key]
    for key in ("LANG", "LC_ALL"):
        if as_root and os.environ.get(key):
            env[key] = os.environ[key]
    if cfg.ui_unit and as_root:
        launcher = SystemdUiLauncher(cfg.ui_unit, cfg.public_user)  # the unit says what runs
    else:
        launcher = UiLauncher(command, cfg.public_user if as_root else None, env, cwd=home)
    listener = channel.listen(path, owner_uid=0 if as_root else None,
                              owner_gid=launcher.gid if as_root else None,
                              mode=0o660 if as_root else 0o600)
    log = sys.stdout if service_mode and cfg.ui != "console" else None
    return ServiceUI(listener, launcher, log=log, guard=guard)


class _Revoked:
    """Stands in for the controller when a revoked agent only shows why and exits."""

    def __init__(self):
        self.stop_event = threading.Event()

    def run(self):
        return EXIT_REVOKED

    def post(self, *args):
        pass

    def ui_snapshot(self):
        return {"state": "locked", "remaining_seconds": None}


class _Reporter:
    """Reports OS actions before an Agent exists (the revoked path)."""

    def __init__(self, ui):
        self.ui = ui

    def report_os_action(self, action, **details):
        self.ui.emit(dict({"event": "os_action", "state": "locked", "action": action}, **details))
