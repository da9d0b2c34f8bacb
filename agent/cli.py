"""`telecentre-agent`: parse options, open the state, pick OS backend and UI, run.

Exit status: 0 stopped, 2 bad options or enrolment refused, 3 revoked.
"""

import os
import signal
import sys

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
    """Run the agent; return the exit status."""
    try:
        cfg = config_module.load(argv)
    except config_module.ConfigError as exc:
        print(f"telecentre-agent: {exc}", file=sys.stderr)
        return 2
    t = Translator(detect_language(cfg.lang))
    try:
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
    ui = ui_module.select(cfg.ui, t, cfg.kind)
    holder = {}
    backend = osbackends.select(
        cfg.os_backend, lambda action, **kw: holder["agent"].report_os_action(action, **kw)
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
        return EXIT_REVOKED
    credentials = Credentials(store)
    transport = Transport(cfg.server, cfg.ca_file, t.accept_language(), credentials)
    outbox = Outbox(os.path.join(cfg.state_dir, "outbox.sqlite3"))
    agent = Agent(cfg, store, outbox, transport, credentials, backend, ui, t)
    holder["agent"] = agent
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda signum, frame: agent.stop())
    status = ui.run(agent)
    if not agent.link.is_alive():
        outbox.close()  # else the process exit closes it under the link thread's feet
    return status


class _Reporter:
    """Reports OS actions before an Agent exists (the revoked path)."""

    def __init__(self, ui):
        self.ui = ui

    def report_os_action(self, action, **details):
        self.ui.emit(dict({"event": "os_action", "state": "locked", "action": action}, **details))
