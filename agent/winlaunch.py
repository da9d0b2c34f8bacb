"""Starting the lock screen in the public user's session from a LocalSystem service.

WRITTEN, UNIT-TESTED FOR THE CALLS IT MAKES, NOT YET RUN ON WINDOWS.

A service runs in session 0 and cannot show windows to the user. It starts
the UI in the signed-in console session with that user's own token:
WTSGetActiveConsoleSessionId → WTSQueryUserToken → CreateEnvironmentBlock →
CreateProcessAsUserW on the interactive desktop (winsta0\\default). The pid
it gets back is the only one the named pipe accepts (`agent.winpipe`).
`api` binds those functions (the tests pass a recorder).
"""

import subprocess

CREATE_UNICODE_ENVIRONMENT = 0x00000400
CREATE_NO_WINDOW = 0x08000000
NO_SESSION = 0xFFFFFFFF
DESKTOP = "winsta0\\default"


def command_line(argv):
    """The Windows command line for `argv` (CreateProcess takes one string)."""
    return subprocess.list2cmdline(argv)


def start_in_user_session(api, argv, cwd):
    """Start `argv` as the console session's user; returns (pid, session id) or None."""
    session = api.WTSGetActiveConsoleSessionId()
    if session == NO_SESSION:
        return None  # nobody signed in yet (the sign-in screen): try again shortly
    token = api.WTSQueryUserToken(session)
    if token is None:
        return None
    try:
        environment = api.CreateEnvironmentBlock(token)
        try:
            pid = api.CreateProcessAsUserW(
                token, command_line(argv), CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW,
                environment, cwd, DESKTOP)
        finally:
            api.DestroyEnvironmentBlock(environment)
    finally:
        api.CloseHandle(token)
    return (pid, session) if pid else None
