"""UIs: the console never needs Tk; the Tk lock screen runs a real session under Xvfb."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, WAIT


def test_console_agent_never_imports_tkinter():
    script = (
        "import sys; from agent import ui, cli, core; "
        "ui.select('console', None, 'pc'); print('tkinter' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT),
        check=True,
    )
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="Xvfb (Debian package xvfb) is not installed"
)
def test_tk_lock_screen_runs_a_session_under_xvfb(fake_server, tmp_path):
    display = ":%d" % (180 + os.getpid() % 50)
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1024x768x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    agent = None
    try:
        time.sleep(1)
        env = dict(os.environ, DISPLAY=display, PYTHONPATH=ROOT)
        agent = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agent",
                "--server",
                fake_server.url,
                "--state-dir",
                str(tmp_path / "s"),
                "--ui",
                "tk",
                "--os-backend",
                "simulated",
                "--enrollment-token",
                fake_server.new_token(),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        fake_server.add_command("unlock", {"minutes": 0.05})
        deadline = time.monotonic() + WAIT
        while len(fake_server.stored("session_ended")) < 1 and time.monotonic() < deadline:
            assert agent.poll() is None, agent.stderr.read().decode()
            time.sleep(0.2)
        types = [e["type"] for e in fake_server.stored()]
        assert types[:2] == ["agent_started", "session_started"] and "session_ended" in types
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(WAIT) == 0
    finally:
        if agent is not None and agent.poll() is None:
            agent.kill()
        if agent is not None:
            agent.communicate(timeout=WAIT)
        xvfb.terminate()
        xvfb.wait(WAIT)
