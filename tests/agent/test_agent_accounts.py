"""The service as root with a real public account: the lock screen runs as that account
under Xvfb, cannot be killed to gain anything, cannot be impersonated, and every
session ends with the account back at its template.

The accounts are created here with useradd and removed at the end. There is no
logind in these containers: `loginctl` fails (reported with ok=false) and the
service's own process killing and home reset do the work.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from agent.cleanslate import kill_user_processes, user_processes
from conftest import ROOT, WAIT
from tests import xvfb as xvfb_display

# The lock screen runs on the system's Python (standard library and Tk only): the test
# interpreter may live where the public account cannot reach (e.g. under /root).
UI_PYTHON = "/usr/bin/python3"


def _others_can_reach(path: str) -> bool:
    """True when every folder down to ``path`` lets other accounts through (o+x)."""
    path = os.path.abspath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="creates Linux accounts: needs root"),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("useradd", "userdel", "runuser", "Xvfb"))
        or subprocess.run([UI_PYTHON, "-c", "import tkinter"], capture_output=True).returncode,
        reason="needs useradd, runuser, Xvfb and python3-tk",
    ),
    # The public account runs the lock screen from this checkout (a clone in a `mktemp -d`
    # folder, mode 700, is out of its reach, and the lock screen would exit at start).
    pytest.mark.skipif(not _others_can_reach(ROOT),
                       reason="the checkout is not reachable by other accounts (chmod o+x)"),
]

RELOCK_WITHIN = 5.0  # the bound: kill -9 of the lock screen relocks within 5 s


def _account(prefix):
    name = f"{prefix}{os.getpid() % 100000}"
    subprocess.run(["userdel", "-r", name], capture_output=True, check=False)
    subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True)
    return name


def _drop(name):
    kill_user_processes(pwd.getpwnam(name).pw_uid)
    subprocess.run(["userdel", "-r", name], capture_output=True, check=False)


@pytest.fixture
def public_user():
    """A fresh public account (and nothing left of it afterwards)."""
    name = _account("tcpub")
    yield name
    _drop(name)


@pytest.fixture
def other_user():
    """A second ordinary account, neither root nor the public one."""
    name = _account("tcoth")
    yield name
    _drop(name)


@pytest.fixture
def display():
    """An Xvfb display any local client may use (the public account's lock screen draws here)."""
    xvfb, name = xvfb_display.start(any_client=True)
    yield name
    xvfb_display.stop(xvfb)


@pytest.fixture
def site():
    """A directory the public account may traverse but not write (like /var/lib, /run)."""
    base = tempfile.mkdtemp(prefix="tc-acct-", dir="/tmp")  # noqa: S108
    os.chmod(base, 0o755)
    template = os.path.join(base, "home-template")
    os.makedirs(os.path.join(template, "Dokumenty"))
    os.makedirs(os.path.join(template, ".config"))
    with open(os.path.join(template, "Dokumenty", "Witamy.txt"), "w") as handle:
        handle.write("Witamy w telecentrum\n")
    with open(os.path.join(template, ".config", "mimeapps.list"), "w") as handle:
        handle.write("[Default Applications]\n")
    yield {"base": base, "state": os.path.join(base, "state"), "template": template,
           "socket": os.path.join(base, "run", "ui.sock")}
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def service(agents, fake_server, public_user, display, site):
    """The service as root, its lock screen (Tk) as the public account on the Xvfb display."""
    def start():
        agent = agents(fake_server.url, site["state"], token=fake_server.new_token(),
                       subcommand="service", ui="tk", os_backend="linux",
                       extra=["--public-user", public_user, "--home-template", site["template"],
                              "--socket", site["socket"], "--display", display,
                              "--ui-python", UI_PYTHON])
        _seen(agent, "online")
        _seen(agent, "ui_attached")  # the lock screen is up (whichever came first)
        return agent
    return start


def _seen(agent, name, timeout=WAIT):
    """Wait until some event called `name` has been logged, whatever came before it."""
    deadline = time.monotonic() + timeout
    while not agent.named(name):
        assert agent.proc.poll() is None, agent.stderr_text()
        assert time.monotonic() < deadline, f"no {name}: {agent.events}"
        time.sleep(0.05)
    return agent.named(name)[0]


def _as(user, *argv, **kwargs):
    return subprocess.run(["runuser", "-u", user, "--", *argv], capture_output=True, text=True,
                          timeout=WAIT, check=False, **kwargs)


def _ui_pid(user, not_pid=None):
    """The lock screen process of `user` (waits for it to exist)."""
    uid = pwd.getpwnam(user).pw_uid
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for pid in user_processes(uid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    argv = handle.read().split(b"\0")
            except OSError:
                continue
            if b"agent" in argv and b"ui" in argv and pid != not_pid:
                return pid
        time.sleep(0.1)
    raise AssertionError(f"no lock screen running as {user}")


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))


def test_kill_9_of_the_lock_screen_relocks_within_5_s_and_it_comes_back(
        service, fake_server, public_user):
    agent = service()
    first = _ui_pid(public_user)
    killed = _as(public_user, "kill", "-9", str(first))
    assert killed.returncode == 0, killed.stderr  # the resident may kill it…
    lost = agent.wait_for("ui_lost", timeout=RELOCK_WITHIN)
    assert lost["state"] == "locked" and lost["reason"] in ("closed", "exited")
    assert agent.wait_for("os_action", timeout=RELOCK_WITHIN)["action"] == "lock_screen"
    restored = agent.wait_for("ui_restored")  # …and it is back, showing the lock screen again
    assert restored["state"] == "locked" and restored["status"] == "Connected to the server."
    second = _ui_pid(public_user, not_pid=first)
    assert os.stat(f"/proc/{second}").st_uid == pwd.getpwnam(public_user).pw_uid

    # In a session the time keeps running while the lock screen is away.
    fake_server.add_command("unlock", {"minutes": 10})
    agent.wait_for("session_started")
    _as(public_user, "kill", "-9", str(second))
    lost = agent.wait_for("ui_lost", timeout=RELOCK_WITHIN)
    assert lost["state"] == "in_session"
    assert agent.wait_for("os_action", timeout=RELOCK_WITHIN)["action"] == "lock_screen"
    assert agent.wait_for("os_action")["action"] == "unlock_screen"  # the new UI is up
    back = agent.wait_for("ui_restored")
    assert back["state"] == "in_session" and 0 < back["remaining_seconds"] < 600

    # A lock screen that stops answering (stopped, hung) is replaced as well.
    third = _ui_pid(public_user, not_pid=second)
    _as(public_user, "kill", "-STOP", str(third))
    assert agent.wait_for("ui_lost")["reason"] == "not_answering"
    agent.wait_for("ui_restored")
    assert _ui_pid(public_user, not_pid=third) != third

    # The public account can neither stop nor pause the service.
    for signal_name in ("-9", "-STOP", "-TERM"):
        assert _as(public_user, "kill", signal_name, str(agent.proc.pid)).returncode != 0
    assert agent.proc.poll() is None
    print(f"RSS service {_rss_kib(agent.proc.pid)} KiB, "
          f"Tk lock screen {_rss_kib(_ui_pid(public_user))} KiB")
    assert agent.stop() == 0


def test_the_public_account_cannot_read_the_state_or_pass_for_the_lock_screen(
        service, public_user, other_user, site):
    agent = service()
    state = os.stat(site["state"])
    assert (state.st_uid, state.st_mode & 0o777) == (0, 0o700)
    assert os.stat(os.path.join(site["state"], "state.json")).st_mode & 0o777 == 0o600
    assert _as(public_user, "ls", site["state"]).returncode != 0
    assert _as(public_user, "cat", os.path.join(site["state"], "state.json")).returncode != 0
    # Nor can it put a socket of its own in the service's place.
    assert _as(public_user, "rm", "-f", site["socket"]).returncode != 0
    assert _as(public_user, "touch", site["socket"] + ".evil").returncode != 0

    # A program of the public account's own connects and claims to be the lock screen.
    probe = "\n".join([
        "import socket, sys",
        "s = socket.socket(socket.AF_UNIX)",
        "s.connect(sys.argv[1])",
        "try:",
        "    s.sendall(b'{\"op\": \"hello\", \"uid\": 0, \"pid\": 1}\\n')",
        "    s.sendall(b'{\"op\": \"line\", \"text\": \"/end\"}\\n')",
        "except OSError:",
        "    pass  # the service may hang up before we finish",
        "print(s.makefile().readline().strip())",
    ])
    out = _as(public_user, UI_PYTHON, "-c", probe, site["socket"])
    assert out.returncode == 0, out.stderr
    assert "refused" in out.stdout
    refused = agent.wait_for("ui_refused")
    assert refused["uid"] == pwd.getpwnam(public_user).pw_uid  # the kernel's word, not the claim
    # Another account may not even open the socket.
    other = _as(other_user, UI_PYTHON, "-c", probe, site["socket"])
    assert other.returncode != 0 and "PermissionError" in other.stderr
    assert agent.named("ui_lost") == []  # the real lock screen never noticed
    assert agent.stop() == 0


def test_a_session_leaves_nothing_behind_and_the_template_comes_back(
        service, fake_server, public_user, site):
    home = pwd.getpwnam(public_user).pw_dir
    agent = service()
    cleaned = [e for e in agent.named("os_action") if e["action"] == "clean_slate"]
    assert cleaned and cleaned[0]["ok"] is True  # at start: no session was running
    assert _read(os.path.join(home, "Dokumenty", "Witamy.txt")) == "Witamy w telecentrum\n"
    fake_server.add_command("unlock", {"minutes": 10})
    agent.wait_for("session_started")

    # The resident's session: a document, a deleted template file, a download, a browser
    # profile, something left in /tmp and a program still running at the end.
    assert _as(public_user, "sh", "-c",
               "echo 'PESEL 85010112345' > ~/Dokumenty/wniosek.txt && "
               "rm ~/Dokumenty/Witamy.txt && mkdir -p ~/Pobrane && "
               f"{UI_PYTHON} -c 'import urllib.request, sys; "
               f"urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "
               f"{fake_server.url}/download/wniosek.pdf ~/Pobrane/wniosek.pdf && "
               f"touch /tmp/tc-left-{public_user}").returncode == 0
    if shutil.which("chromium"):
        browser = _as(public_user, "env", f"HOME={home}", "chromium", "--headless",
                      "--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      f"--user-data-dir={home}/.config/chromium", "--dump-dom",
                      f"{fake_server.url}/page", cwd=home)
        assert "zalogowano" in browser.stdout, browser.stderr
        assert os.path.exists(os.path.join(home, ".config", "chromium", "Local State"))
    lingering = subprocess.Popen(["runuser", "-u", public_user, "--", "sleep", "600"],
                                 stderr=subprocess.DEVNULL)
    assert os.path.exists(os.path.join(home, "Pobrane", "wniosek.pdf"))

    fake_server.add_command("end_session", {"reason": "Koniec"})
    assert agent.wait_for("session_ended")["reason"] == "ended_by_staff"
    logoff = agent.wait_for("os_action", action="logoff")
    assert logoff["ok"] is True and logoff["killed"] >= 2  # the lock screen and the sleep
    assert lingering.wait(WAIT) != 0
    agent.wait_for("ui_restored", state="locked")  # the next resident finds the lock screen

    left = sorted(os.path.relpath(os.path.join(d, f), home)
                  for d, _, files in os.walk(home) for f in files)
    assert left == [".config/mimeapps.list", "Dokumenty/Witamy.txt"]
    assert _read(os.path.join(home, "Dokumenty", "Witamy.txt")) == "Witamy w telecentrum\n"
    stat = os.stat(home)
    assert (stat.st_uid, stat.st_mode & 0o777) == (pwd.getpwnam(public_user).pw_uid, 0o700)
    assert not os.path.exists(f"/tmp/tc-left-{public_user}")
    assert agent.stop() == 0
