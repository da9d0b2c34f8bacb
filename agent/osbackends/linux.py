"""Linux desktop actions: loginctl for sessions, xset for the display, systemctl for power.

The public account's session is the one we lock and terminate. The service
runs as root with `--public-user` naming the account (or
`TELECENTRE_PUBLIC_USER`); with `--home-template` too, ending a session also
resets the account to its template (`agent.cleanslate`).
"""

import ctypes
import ctypes.util
import getpass
import os
import shutil
import subprocess


def _run(*argv):
    """Run a command quietly; True when it exists and succeeded."""
    if shutil.which(argv[0]) is None:
        return False
    try:
        return (
            subprocess.run(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("eventMask", ctypes.c_ulong),
    ]


class LinuxBackend:
    """loginctl / xset / systemctl; idle time from the X screensaver extension when present."""

    name = "linux"

    def __init__(self, report, public_user=None, home_template=None, guard=None):
        self._report = report
        self.user = public_user or os.environ.get("TELECENTRE_PUBLIC_USER") or getpass.getuser()
        self._xss = None
        self._guard = guard
        self.slate = None
        if home_template and os.geteuid() == 0:
            from agent.cleanslate import CleanSlate

            self.slate = CleanSlate(self.user, home_template)

    def lock_screen(self):
        """Lock the sessions and blank the display."""
        ok = _run("loginctl", "lock-sessions")
        _run("xset", "dpms", "force", "on")  # our lock window must be visible, not a dark screen
        self._report("lock_screen", ok=ok)

    def unlock_screen(self):
        """Unlock the sessions (the agent's own window is the visible lock)."""
        ok = _run("loginctl", "unlock-sessions")
        self._report("unlock_screen", ok=ok)

    def logoff(self):
        """End the public user's sessions and, as the service, reset the account."""
        if self.slate is None:
            self._report("logoff", ok=_run("loginctl", "terminate-user", self.user))
            return
        self.clean_slate("logoff")

    def clean_slate(self, action="clean_slate"):
        """Reset the public account to its template (nothing without a template)."""
        if self.slate is None:
            return
        try:
            if self._guard is not None:
                with self._guard:
                    done = self.slate.reset()
            else:
                done = self.slate.reset()
        except (OSError, ValueError) as exc:  # reported; the lock screen still comes back
            self._report(action, ok=False, error=str(exc))
            return
        self._report(action, ok=True, **done)

    def reboot(self):
        """Reboot the machine."""
        self._report("reboot", ok=_run("systemctl", "reboot"))

    def shutdown(self):
        """Power the machine off."""
        self._report("shutdown", ok=_run("systemctl", "poweroff"))

    def notify(self, text):
        """A desktop notification, when notify-send exists."""
        _run("notify-send", "Telecentre", text)

    def idle_seconds(self):
        """Seconds since the last keyboard or mouse input on the X display, or None."""
        if not os.environ.get("DISPLAY"):
            return None
        try:
            if self._xss is None:
                xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
                xss = ctypes.cdll.LoadLibrary(ctypes.util.find_library("Xss") or "libXss.so.1")
                xlib.XOpenDisplay.restype = ctypes.c_void_p
                xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
                display = xlib.XOpenDisplay(None)
                if not display:
                    return None
                xlib.XDefaultRootWindow.restype = ctypes.c_ulong
                xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
                self._xss = (
                    xss,
                    display,
                    xlib.XDefaultRootWindow(display),
                    xss.XScreenSaverAllocInfo(),
                )
            xss, display, root, info = self._xss
            xss.XScreenSaverQueryInfo(ctypes.c_void_p(display), ctypes.c_ulong(root), info)
            return info.contents.idle / 1000.0
        except (OSError, AttributeError):
            return None

    def os_user(self):
        """The public account's name."""
        return self.user
