"""The split without root: absolute session ends, the peer check, the UI's process tree,
the home reset's refusal to follow links."""

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from agent import channel, cleanslate, launcher
from agent.clock import ServerClock
from agent.outbox import Outbox
from agent.osbackends.simulated import SimulatedBackend
from agent.session import SessionManager
from agent.state import StateStore
from conftest import WAIT


class FakeMonotonic:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _manager(tmp_path, mono, boot):
    return SessionManager(
        StateStore(str(tmp_path / "state")), Outbox(str(tmp_path / f"outbox-{boot}.sqlite3")),
        SimulatedBackend(lambda action, **kw: None), lambda event, **f: None,
        lambda key, **f: key, lambda: {"warn_minutes": []}, ServerClock(mono), boot, mono)


def test_a_pc_switched_off_mid_session_does_not_get_the_off_time_back(tmp_path):
    started = datetime.now(timezone.utc) - timedelta(minutes=40)
    mono = FakeMonotonic(5000.0)
    before = _manager(tmp_path, mono, "boot-a")
    # A 45-minute booking that started 40 minutes ago; the PC went off 10 minutes in.
    before.start(45, "code", ends_at=(started + timedelta(minutes=45)).isoformat())
    mono.now += 600
    before.checkpoint()
    after = _manager(tmp_path, FakeMonotonic(40.0), "boot-b")  # rebooted 40 s ago
    assert after.restore()
    # Without the end time it would be 35 min - 40 s; the booking ends in 5 minutes.
    assert 4 * 60 < after.remaining() <= 5 * 60


def test_the_end_time_only_ever_shortens_and_moves_with_an_extension(tmp_path):
    mono = FakeMonotonic(100.0)
    manager = _manager(tmp_path, mono, "boot-a")
    late = datetime.now(timezone.utc) + timedelta(hours=2)
    manager.start(45, "code", ends_at=late.isoformat())
    manager.bound_by_end()
    assert manager.remaining() == 45 * 60
    manager.extend(15)
    assert manager.record["ends_at"] == (late + timedelta(minutes=15)).isoformat()
    manager.checkpoint()
    again = _manager(tmp_path, FakeMonotonic(50.0), "boot-b")
    again.restore()
    assert again.remaining() == 60 * 60 - 50


def test_parent_pid_reads_a_command_name_with_spaces_and_parentheses(tmp_path):
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_text("42 (evil) 1 (x) S 7 42 42 0 -1\n")
    assert launcher.parent_pid(42, proc=str(tmp_path)) == 7
    assert launcher.parent_pid(43, proc=str(tmp_path)) is None


def test_only_the_started_process_tree_counts_as_the_lock_screen():
    child = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        deadline = time.monotonic() + WAIT
        while not launcher.descendants(child.pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        grandchild = launcher.descendants(child.pid)[0]
        assert launcher.descends_from(grandchild, child.pid)
        assert not launcher.descends_from(os.getpid(), child.pid)
        ui = launcher.UiLauncher(["true"])
        ui.proc = child
        assert ui.owns(grandchild, os.getuid())
        assert not ui.owns(grandchild, os.getuid() + 1)  # right tree, wrong account
        assert not ui.owns(os.getpid(), os.getuid())  # right account, not our child
    finally:
        for pid in launcher.descendants(child.pid):
            os.kill(pid, 9)
        child.kill()
        child.wait()


def test_peer_credentials_come_from_the_kernel():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        assert channel.peer_credentials(left) == (os.getpid(), os.getuid(), os.getgid())


def test_a_process_that_is_not_the_lock_screen_is_refused(fake_server, agents, tmp_path):
    path = str(tmp_path / "ui.sock")
    agent = agents(fake_server.url, tmp_path / "state", token=fake_server.new_token(),
                   extra=["--socket", path])
    agent.wait_for("online")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "state").st_mode & 0o777 == 0o700
    intruder = channel.connect(path, timeout=WAIT)  # same account, but not the UI it started
    # The service refuses at accept, before anything is said: read that first (a send
    # after the service has closed would close our end and lose the refusal).
    assert "refused" in intruder.receive()
    with pytest.raises(channel.ChannelClosed):
        intruder.send({"op": "line", "text": "/end"})
        intruder.receive()
    agent.send("/end")  # the real console UI still works
    assert agent.stop() == 0
    assert agent.named("ui_lost") == []


def test_sigkill_of_the_service_takes_the_lock_screen_down_with_it(fake_server, agents, tmp_path):
    agent = agents(fake_server.url, tmp_path / "state", token=fake_server.new_token())
    agent.wait_for("online")
    ui = launcher.descendants(agent.proc.pid)
    assert len(ui) == 1
    agent.kill()  # the UI sees its channel close and exits: no orphan keeps the screen
    deadline = time.monotonic() + WAIT
    while os.path.exists(f"/proc/{ui[0]}") and launcher.parent_pid(ui[0]) is not None:
        with open(f"/proc/{ui[0]}/stat") as handle:
            if handle.read().split(") ")[1].startswith("Z"):
                break
        assert time.monotonic() < deadline, "the UI outlived its service"
        time.sleep(0.05)


def test_the_home_reset_never_follows_a_link_out_of_the_home(tmp_path):
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "shadow").write_text("precious")
    template = tmp_path / "template"
    (template / "Dokumenty").mkdir(parents=True)
    (template / "Dokumenty" / "Witamy.txt").write_text("witamy")
    os.symlink("Dokumenty", template / "Documents")
    home = tmp_path / "home"
    (home / "Pobrane").mkdir(parents=True)
    (home / "Pobrane" / "wniosek.pdf").write_text("pdf")
    os.symlink(outside, home / "link")
    os.symlink(outside, home / "Pobrane" / "deep-link")
    cleanslate.restore_home(str(home), str(template), os.getuid(), os.getgid())
    assert (outside / "shadow").read_text() == "precious"
    assert sorted(os.listdir(home)) == ["Documents", "Dokumenty"]
    assert os.readlink(home / "Documents") == "Dokumenty"
    assert (home / "Dokumenty" / "Witamy.txt").read_text() == "witamy"
    assert os.stat(home).st_mode & 0o777 == 0o700
    with pytest.raises(ValueError):
        cleanslate.restore_home("/", str(template), os.getuid(), os.getgid())
    os.symlink(outside, tmp_path / "home-link")
    with pytest.raises(ValueError):
        cleanslate.restore_home(str(tmp_path / "home-link"), str(template), 0, 0)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own a file as another account")
def test_temporary_files_of_the_account_go_and_no_others(tmp_path):
    top = tmp_path / "tmp"
    top.mkdir()
    (top / "theirs").write_text("x")
    (top / "mine").write_text("y")
    os.chown(top / "theirs", 65534, 65534)
    assert cleanslate.clean_temp(65534, [str(top)]) == 1
    assert os.listdir(top) == ["mine"]


def test_print_jobs_are_cancelled_for_the_account_only():
    assert cleanslate.print_job_commands("tcpub") == [["cancel", "-u", "tcpub"]]


def test_the_lock_screen_process_imports_neither_tls_nor_sqlite():
    script = ("import runpy, sys; sys.argv = ['agent', 'ui', '--help']\n"
              "try:\n    runpy.run_module('agent', run_name='__main__')\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in ('ssl', 'sqlite3', 'agent.core') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                         timeout=WAIT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_systemd_launcher_accepts_only_processes_in_its_units_cgroup(tmp_path):
    ran = []
    unit = "telecentre-agent-ui.service"
    cgroups = tmp_path / "cgroup"
    (cgroups / unit).mkdir(parents=True)
    proc = tmp_path / "proc"
    for pid, path in ((10, f"/system.slice/{unit}"), (11, "/user.slice/user-1001.slice/x.scope"),
                      (12, f"/system.slice/{unit}-evil")):
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cgroup").write_text(f"0::{path}\n")
    def run(argv, **kwargs):
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    ui = launcher.SystemdUiLauncher(unit, "nobody", run=run, proc=str(proc),
                                    cgroup_root=str(cgroups))
    nobody = ui.uid
    assert ui.owns(10, nobody)
    assert not ui.owns(10, 0)  # root in the right cgroup is not the public account
    assert not ui.owns(11, nobody) and not ui.owns(12, nobody) and not ui.owns(13, nobody)
    assert not ui.running()
    ui.start()
    (cgroups / unit / "cgroup.procs").write_text("10\n")
    assert ui.running()
    ui.stop()
    assert ran == [["systemctl", "restart", unit], ["systemctl", "stop", unit]]


@pytest.mark.parametrize("lang", ["pl", "en", "uk"])
def test_the_lock_screen_process_starts_in_every_language_of_the_agent(monkeypatch, tmp_path,
                                                                        capsys, lang):
    # The service passes its own --lang on; the UI process once refused "uk" and never came up.
    from agent import uiproc
    monkeypatch.setattr(uiproc, "CONNECT_FOR", 0.0)
    status = uiproc.main(["--socket", str(tmp_path / "none.sock"), "--ui", "console",
                          "--lang", lang])
    assert status == 1 and "cannot reach the service" in capsys.readouterr().err


def test_the_service_passes_on_a_privacy_request_and_nothing_else_the_ui_adds(tmp_path):
    from agent.service import ServiceUI
    posted = []

    class Agent:
        def post(self, *args):
            posted.append(args)

    service = ServiceUI.__new__(ServiceUI)  # only its filter of what the UI says
    service.agent = Agent()
    service._forward("privacy", {"op": "privacy", "lang": "uk"})
    service._forward("privacy", {"op": "privacy", "lang": "../../etc"})
    assert posted == [("privacy", "uk"), ("privacy", None)]
