"""The Windows parts of the split, checked for the calls and commands they would make.

They have not run on Windows: these tests pin what they do so that the first
run there starts from something reviewed (see docs/agent.md)."""

import subprocess

import pytest

from agent import winlaunch, winpipe, winslate

SID = "S-1-5-21-1004336348-1177238915-682003330-1001"


class Recorder:
    """Stands in for the Win32 API: records calls, answers from `replies`."""

    def __init__(self, **replies):
        self.calls = []
        self.replies = replies

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            reply = self.replies.get(name)
            return reply(*args) if callable(reply) else reply
        return call


def test_the_pipe_lets_the_public_user_read_and_write_but_never_create_an_instance():
    sddl = winpipe.pipe_sddl(SID)
    assert sddl == f"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x120083;;;{SID})"
    assert not winpipe.CLIENT_RIGHTS & 0x0004  # FILE_CREATE_PIPE_INSTANCE (= FILE_APPEND_DATA)
    for bad in ("S-1-1-0", "S-1-5-32-545", f"{SID})(A;;GA;;;WD", ""):
        with pytest.raises(ValueError):
            winpipe.pipe_sddl(bad)


def test_the_pipe_server_keeps_only_the_lock_screen_it_started():
    clients = iter([4242, 777])
    api = Recorder(security_attributes="SA", CreateNamedPipeW=lambda *a: len(a),
                   ConnectNamedPipe=True, GetNamedPipeClientProcessId=lambda h: next(clients))
    server = winpipe.PipeServer(api, SID)
    handle, pid = server.accept(lambda pid: pid == 777)
    assert pid == 777
    creates = [args for name, args in api.calls if name == "CreateNamedPipeW"]
    assert creates[0][0] == r"\\.\pipe\telecentre-agent"
    assert creates[0][1] == winpipe.PIPE_ACCESS_DUPLEX | winpipe.FILE_FLAG_FIRST_PIPE_INSTANCE
    assert creates[1][1] == winpipe.PIPE_ACCESS_DUPLEX  # later instances: the name is ours
    assert creates[0][2] & winpipe.PIPE_REJECT_REMOTE_CLIENTS and creates[0][3] == 1
    assert creates[0][7] == "SA"
    names = [name for name, _ in api.calls]
    assert names.count("DisconnectNamedPipe") == 1  # pid 4242 was shown the door
    assert ("security_attributes", (winpipe.pipe_sddl(SID),)) in api.calls


def test_a_pipe_name_taken_by_someone_else_stops_the_service():
    api = Recorder(security_attributes="SA", CreateNamedPipeW=winpipe.INVALID_HANDLE_VALUE)
    with pytest.raises(winpipe.PipeRefused):
        winpipe.PipeServer(api, SID).accept(lambda pid: True)


def test_the_profile_reset_runs_these_commands_in_this_order():
    plan = winslate.reset_plan("telecentrum", SID, 2)
    assert [what for what, _ in plan] == [
        "end the session", "kill what is left", "cancel print jobs", "delete the profile"]
    assert plan[0][1] == ["logoff.exe", "2"]
    assert plan[1][1] == ["taskkill.exe", "/F", "/T", "/FI", "USERNAME eq telecentrum"]
    assert "Where-Object { $_.UserName -eq 'telecentrum' } | Remove-PrintJob" in plan[2][1][-1]
    assert f"Win32_UserProfile -Filter \"SID='{SID}'\"" in plan[3][1][-1]
    assert plan[3][1][-1].endswith("Remove-CimInstance")


def test_the_profile_reset_refuses_names_that_could_smuggle_a_command():
    for user, sid in (("a'; Remove-Item C:\\ -Recurse; '", SID), ("telecentrum", "S-1-5-18"),
                      ("", SID), ("telecentrum", SID + "'")):
        with pytest.raises(ValueError):
            winslate.reset_plan(user, sid, None)


def test_every_step_is_tried_and_failures_are_reported():
    ran = []

    def run(argv, **kwargs):
        ran.append(argv[0])
        return subprocess.CompletedProcess(argv, 1 if argv[0] == "taskkill.exe" else 0)

    done = winslate.WindowsCleanSlate("telecentrum", SID, run=run).reset(session_id=3)
    assert ran == ["logoff.exe", "taskkill.exe", "powershell.exe", "powershell.exe"]
    assert done == {"failed": ["kill what is left"]}


def test_the_lock_screen_starts_on_the_users_desktop_with_the_users_token():
    api = Recorder(WTSGetActiveConsoleSessionId=1, WTSQueryUserToken="TOKEN",
                   CreateEnvironmentBlock="ENV", CreateProcessAsUserW=5120)
    argv = [r"C:\Program Files\Python312\pythonw.exe", "-m", "agent", "ui"]
    assert winlaunch.start_in_user_session(api, argv, r"C:\Program Files\Telecentre") == (5120, 1)
    create = dict(api.calls)["CreateProcessAsUserW"]
    assert create[0] == "TOKEN"
    assert create[1] == '"C:\\Program Files\\Python312\\pythonw.exe" -m agent ui'
    assert create[2] == winlaunch.CREATE_UNICODE_ENVIRONMENT | winlaunch.CREATE_NO_WINDOW
    assert create[5] == "winsta0\\default"
    assert [name for name, _ in api.calls][-2:] == ["DestroyEnvironmentBlock", "CloseHandle"]


def test_nobody_signed_in_means_no_lock_screen_yet():
    api = Recorder(WTSGetActiveConsoleSessionId=winlaunch.NO_SESSION)
    assert winlaunch.start_in_user_session(api, ["x"], "C:\\") is None
    assert [name for name, _ in api.calls] == ["WTSGetActiveConsoleSessionId"]
