"""OS actions behind one small interface, chosen at start.

Every backend has: lock_screen(), unlock_screen(), logoff(), reboot(),
shutdown(), notify(text), idle_seconds() -> float | None, os_user() -> str | None.
"""

import os
import sys


def select(name, report, public_user=None, home_template=None, guard=None):
    """Return the backend called `name` ("auto" picks by OS).

    `report(action, **details)` sees each action the backend takes. The Linux
    backend, run as root with `public_user` and `home_template`, resets that
    account after every session (`agent.cleanslate`), holding `guard` while
    it does so that no lock screen starts half-way.
    """
    if name == "auto":
        name = (
            "windows"
            if os.name == "nt"
            else ("linux" if sys.platform.startswith("linux") else "simulated")
        )
    if name == "simulated":
        from agent.osbackends.simulated import SimulatedBackend

        return SimulatedBackend(report)
    if name == "linux":
        from agent.osbackends.linux import LinuxBackend

        return LinuxBackend(report, public_user, home_template, guard)
    if name == "windows":
        from agent.osbackends.windows import WindowsBackend

        return WindowsBackend(report)
    raise ValueError(f"unknown OS backend {name!r}")
