"""Linux desktop actions: loginctl for sessions, xset for the display, systemctl for power.

The public account's session is the one we lock and terminate; the agent runs
as that user in the graphical session (autostart), or as root with
`TELECENTRE_PUBLIC_USER` naming the account.
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

    def __init__(self, report):
        self._report = report
        self.user = os.environ.get("TELECENTRE_PUBLIC_USER") or getpass.getuser()
        self._xss = None

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
        """End the public user's sessions so the next resident starts clean."""
        ok = _run("loginctl", "terminate-user", self.user)
        self._report("logoff", ok=ok)

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
