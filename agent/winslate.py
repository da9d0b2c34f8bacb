"""A clean slate on Windows: a fresh local profile for every session.

WRITTEN, UNIT-TESTED FOR THE COMMANDS IT RUNS, NOT YET RUN ON WINDOWS.

The service (LocalSystem) ends the public user's session, kills what is left
of it, cancels its print jobs and deletes its profile through CIM
(Win32_UserProfile, the supported way: it removes C:\\Users\\<user> and the
ProfileList entry together). At the next sign-in Windows builds a new
profile from C:\\Users\\Default, which is the template: IT prepares it once
(browser settings, shortcuts) and the browsers' enterprise policies do the
rest. A mandatory profile (NTUSER.MAN) is the documented alternative; see
docs/agent.md.
"""

import re
import subprocess

SID_PATTERN = re.compile(r"^S-1-5-21(-\d{1,10}){4}$")
USER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
POWERSHELL = ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
              "-Command"]


def reset_plan(user, sid, session_id):
    """The commands, in order, as (what, argv); values are checked, never quoted blindly."""
    if not USER_PATTERN.match(user or ""):
        raise ValueError(f"not a local account name: {user!r}")
    if not SID_PATTERN.match(sid or ""):
        raise ValueError(f"not a local account SID: {sid!r}")
    steps = []
    if session_id is not None:
        steps.append(("end the session", ["logoff.exe", str(int(session_id))]))
    steps += [
        ("kill what is left", ["taskkill.exe", "/F", "/T", "/FI", f"USERNAME eq {user}"]),
        ("cancel print jobs", POWERSHELL + [
            "Get-Printer | ForEach-Object { Get-PrintJob -PrinterName $_.Name } | "
            f"Where-Object {{ $_.UserName -eq '{user}' }} | Remove-PrintJob"]),
        ("delete the profile", POWERSHELL + [
            f"Get-CimInstance -ClassName Win32_UserProfile -Filter \"SID='{sid}'\" | "
            "Where-Object { -not $_.Loaded } | Remove-CimInstance"]),
    ]
    return steps


class WindowsCleanSlate:
    """Runs the plan; every step is tried, and what failed is reported."""

    def __init__(self, user, sid, run=subprocess.run):
        self.user, self.sid = user, sid
        self._run = run

    def reset(self, session_id=None):
        """Reset the account; returns {"failed": [steps that did not succeed]}."""
        failed = []
        for what, argv in reset_plan(self.user, self.sid, session_id):
            try:
                result = self._run(argv, capture_output=True, timeout=120, check=False)
                ok = result.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if not ok:
                failed.append(what)
        return {"failed": failed}
