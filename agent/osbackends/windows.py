"""Windows actions: LockWorkStation and ExitWindowsEx through ctypes, shutdown.exe for power."""

import ctypes
import os
import subprocess

EWX_LOGOFF, EWX_FORCEIFHUNG = 0x0, 0x10


class _LastInputInfo(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint)]


def _shutdown_exe(*args):
    try:
        return subprocess.run(["shutdown.exe", *args], check=False, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class WindowsBackend:
    """The agent runs in the public account's session, so these act on that session."""

    name = "windows"

    def __init__(self, report):
        self._report = report

    def lock_screen(self):
        """Lock the workstation."""
        ok = bool(ctypes.windll.user32.LockWorkStation())
        self._report("lock_screen", ok=ok)

    def unlock_screen(self):
        """Windows cannot be unlocked programmatically; the agent's window is the lock."""
        self._report("unlock_screen", ok=True)

    def logoff(self):
        """Log the current user off (closing their programs)."""
        ok = bool(ctypes.windll.user32.ExitWindowsEx(EWX_LOGOFF | EWX_FORCEIFHUNG, 0))
        if not ok:
            ok = _shutdown_exe("/l")
        self._report("logoff", ok=ok)

    def reboot(self):
        """Restart the machine now."""
        self._report("reboot", ok=_shutdown_exe("/r", "/t", "0"))

    def shutdown(self):
        """Power off now."""
        self._report("shutdown", ok=_shutdown_exe("/s", "/t", "0"))

    def notify(self, text):
        """The agent's own window shows messages on Windows."""

    def idle_seconds(self):
        """Seconds since the last input in this session."""
        info = _LastInputInfo()
        info.cbSize = ctypes.sizeof(_LastInputInfo)
        if not ctypes.windll.user32.GetLastInputInfo(ctypes.byref(info)):
            return None
        return ((ctypes.windll.kernel32.GetTickCount() - info.dwTime) & 0xFFFFFFFF) / 1000.0

    def os_user(self):
        """The logged-in user's name."""
        return os.environ.get("USERNAME")
