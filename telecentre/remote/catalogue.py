"""The vetted remote actions, defined per operating system in this one place.

IT staff choose an action and fill in its parameters; they never type a shell
command. Every parameter is validated (:mod:`.params`) and then quoted for
the target's shell anyway: POSIX ``sh`` on Linux, PowerShell (passed as
``-EncodedCommand``, so cmd.exe never parses it) on Windows. The only free
command is ``adhoc``, marked admin-only and needing confirmation; the
service layer enforces both.

Paths and service names of the agent on the PCs are the constants below.
"""
from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass, field
from typing import Callable, Mapping

from . import scripts
from .params import (ACCOUNT_HINT, ACCOUNT_PATTERN, MESSAGE_HINT, MESSAGE_PATTERN,
                     PRIVILEGED_ACCOUNTS, VERSION_HINT, VERSION_PATTERN, HostParam,
                     IntParam, InvalidParameters, N_, Param, ParamError)

OS_NAMES = ("linux", "windows")


class UnknownAction(LookupError):
    """No vetted action by that name."""


class UnsupportedOS(ValueError):
    """The action has no definition for that operating system."""


@dataclass(frozen=True)
class Action:
    """One vetted action: its parameters and a script builder per OS.

    ``disruptive`` actions end the user's session (reboot, shutdown, profile
    clean-up); ``admin_only`` and ``needs_confirmation`` are enforced by the
    service layer. Only ``repeatable`` actions (they only read) are started
    again when a host timed out or could not be reached, or when the worker
    carrying them out died; any other is reported, never repeated.
    """

    name: str
    label: str
    description: str
    builders: Mapping[str, Callable[[dict], str]]
    params: tuple[Param, ...] = field(default_factory=tuple)
    timeout: float = 60.0
    disruptive: bool = False
    admin_only: bool = False
    needs_confirmation: bool = False
    repeatable: bool = False

    def validate(self, raw: Mapping[str, object] | None) -> dict:
        """Return cleaned parameters or raise :class:`InvalidParameters`.

        Unknown parameter names are refused, not ignored, so a typo in
        ``--param`` cannot silently fall back to a default.
        """
        raw = dict(raw or {})
        known = {p.name for p in self.params}
        errors = [ParamError(name, N_("Unknown parameter %(param)s."), param=name)
                  for name in sorted(raw) if name not in known]
        cleaned = {}
        for param in self.params:
            try:
                cleaned[param.name] = param.clean(raw.get(param.name))
            except ParamError as exc:
                errors.append(exc)
        if errors:
            raise InvalidParameters(errors)
        return cleaned

    def command(self, os_name: str, raw: Mapping[str, object] | None = None,
                sudo: bool = False) -> str:
        """Validate *raw* and return the command line to send to a *os_name* host.

        With *sudo* the Linux script runs through ``sudo -n`` (the SSH
        account is not root and has a sudoers rule for /bin/sh).
        """
        builder = self.builders.get(os_name)
        if builder is None:
            raise UnsupportedOS(f"{self.name} is not defined for {os_name!r}")
        script = builder(self.validate(raw))
        if os_name == "windows":
            return powershell(script)
        return ("sudo -n " if sudo else "") + "/bin/sh -c " + shlex.quote(script)


def powershell(script: str) -> str:
    """Return a command line running *script* in PowerShell, immune to cmd.exe."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return ("powershell.exe -NoLogo -NoProfile -NonInteractive "
            "-ExecutionPolicy Bypass -EncodedCommand " + encoded)


_DELAY = IntParam("delay_minutes", N_("Delay in minutes"), minimum=0, maximum=60, default=1)
# The default messages are msgids: the service layer passes the translated
# text as the value when the form leaves the field empty.
_REBOOT_MESSAGE = Param("message", N_("Message shown to the user"), pattern=MESSAGE_PATTERN,
                        hint=MESSAGE_HINT, max_length=120,
                        default=N_("This computer will restart shortly (IT team)."))
_SHUTDOWN_MESSAGE = Param("message", N_("Message shown to the user"), pattern=MESSAGE_PATTERN,
                          hint=MESSAGE_HINT, max_length=120,
                          default=N_("This computer will shut down shortly (IT team)."))
_LINES = IntParam("lines", N_("Lines of log"), minimum=10, maximum=5000, default=200)

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("reboot", N_("Restart the computer"),
           N_("Warns the user, then restarts after the delay."),
           {"linux": scripts.linux_reboot, "windows": scripts.windows_reboot},
           (_DELAY, _REBOOT_MESSAGE), timeout=30, disruptive=True),
    Action("shutdown", N_("Shut the computer down"),
           N_("Warns the user, then powers off after the delay."),
           {"linux": scripts.linux_shutdown, "windows": scripts.windows_shutdown},
           (_DELAY, _SHUTDOWN_MESSAGE), timeout=30, disruptive=True),
    Action("restart_agent", N_("Restart the agent"),
           N_("Restarts the Telecentre agent service and shows its state."),
           {"linux": scripts.linux_restart_agent, "windows": scripts.windows_restart_agent},
           timeout=60),
    Action("update_agent", N_("Update the agent"),
           N_("Installs the given agent version and restarts the service."),
           {"linux": scripts.linux_update_agent, "windows": scripts.windows_update_agent},
           (Param("version", N_("Version"), pattern=VERSION_PATTERN, hint=VERSION_HINT,
                  max_length=24, required=True),), timeout=300),
    Action("collect_logs", N_("Collect logs"),
           N_("Shows the agent's log and the system's recent warnings."),
           {"linux": scripts.linux_collect_logs, "windows": scripts.windows_collect_logs},
           (_LINES,), timeout=60, repeatable=True),
    Action("clean_profile", N_("Clear temporary files and the public profile"),
           N_("Logs the public user off, resets their profile and removes temporary files."),
           {"linux": scripts.linux_clean_profile, "windows": scripts.windows_clean_profile},
           (Param("user", N_("Public account"), pattern=ACCOUNT_PATTERN, hint=ACCOUNT_HINT,
                  max_length=32, default="public", forbidden=PRIVILEGED_ACCOUNTS),),
           timeout=300, disruptive=True),
    Action("disk_diagnostics", N_("Disk diagnostics"),
           N_("Shows file systems, free space and disk health."),
           {"linux": scripts.linux_disk_diagnostics,
            "windows": scripts.windows_disk_diagnostics},
           timeout=120, repeatable=True),
    Action("network_diagnostics", N_("Network diagnostics"),
           N_("Shows addresses, routes and DNS, and pings a host (default: the gateway)."),
           {"linux": scripts.linux_network_diagnostics,
            "windows": scripts.windows_network_diagnostics},
           (HostParam("target", N_("Host to ping")),), timeout=60, repeatable=True),
    Action("adhoc", N_("Ad-hoc command"),
           N_("Runs a command typed by an administrator (sh on Linux, PowerShell on "
              "Windows). Audited."),
           {"linux": scripts.adhoc, "windows": scripts.adhoc},
           (Param("command", N_("Command"), pattern=r"[^\x00-\x08\x0b-\x1f\x7f]+",
                  hint=N_("%(label)s may not contain control characters."),
                  max_length=4000, required=True),),
           timeout=300, admin_only=True, needs_confirmation=True),
)}


def get_action(name: str) -> Action:
    """Return the action called *name* or raise :class:`UnknownAction`."""
    try:
        return ACTIONS[name]
    except KeyError:
        raise UnknownAction(name) from None


def available_actions(is_admin: bool) -> list[Action]:
    """List the actions a user may choose: admins also see ``adhoc``."""
    return [a for a in ACTIONS.values() if is_admin or not a.admin_only]
