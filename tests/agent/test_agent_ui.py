"""UIs: the console never needs Tk; the Tk lock screen runs a real session under Xvfb."""

import os
import shutil
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from conftest import ROOT, WAIT
from tests import xvfb as xvfb_display


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
    xvfb, display = xvfb_display.start()
    agent = None
    try:
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
        xvfb_display.stop(xvfb)


@pytest.fixture(scope="module")
def xdisplay():
    """A private Xvfb display for Tk in this process, one for the module: Tk keeps its
    connection to a display after the last window is gone, so a second server on the same
    number would meet a dead connection."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb (Debian package xvfb) is not installed")
    xvfb, display = xvfb_display.start("800x600x24")
    before = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    yield
    if before is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = before
    xvfb_display.stop(xvfb)


@pytest.fixture
def lock_screen(xdisplay):
    """``lock_screen(lang)`` → (a built Tk lock screen, the list of what it posted): the
    controller it calls only records (the service is not under test here)."""
    from agent.i18n import Translator
    from agent.ui.tk import TkUI
    from agent.uiproc import _Remaining
    built = []

    def make(lang):
        posted = []
        ui = TkUI(Translator(lang), "pc")
        ui.agent = SimpleNamespace(sessions=_Remaining(), post=lambda *args: posted.append(args))
        ui._build()
        built.append(ui)
        return ui, posted

    yield make
    for ui in built:
        ui.root.destroy()


def test_on_lock_nothing_of_the_session_is_left_on_screen(lock_screen):
    ui, posted = lock_screen("pl")
    ui.card.insert(0, "100234")
    ui.pin.insert(0, "4321")
    ui._show({"event": "session_started", "state": "in_session", "minutes": 30})
    assert ui.card.get() == "" and ui.pin.get() == ""
    ui._show({"event": "message", "state": "in_session", "message": "Zamykamy o 16:00"})
    ui._show({"event": "warning", "state": "in_session", "message": "Zostało 5 min."})
    ui.root.update()
    toplevels = [w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"]
    assert len(toplevels) == 3  # the countdown and two messages
    ui.code.insert(0, "half-typed")
    ui._show({"event": "session_ended", "state": "locked", "message": "Czas minął."})
    ui._show({"event": "locked", "state": "locked", "message": "Komputer zablokowany."})
    ui.root.update()
    assert [w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"] == []
    assert (ui.code.get(), ui.card.get(), ui.pin.get()) == ("", "", "")
    assert ui.root.state() != "withdrawn"
    # A lock screen started again after a kill says what is true now.
    ui._show({"event": "ui_restored", "state": "locked", "message": "Komputer zablokowany.",
              "status": "Brak połączenia z serwerem. Trwająca sesja jest kontynuowana."})
    assert ui.status.cget("text").startswith("Brak połączenia")
    assert ui.message.cget("text") == "Komputer zablokowany."


def test_privacy_button_on_the_lock_screen_shows_the_notice_and_lock_takes_it_away(lock_screen):
    ui, posted = lock_screen("uk")
    assert ui.privacy_button.cget("text") == "Конфіденційність · Prywatność"
    ui.privacy_button.invoke()
    assert posted == [("privacy", "uk")]
    ui._show({"event": "privacy", "state": "locked", "title": "Інформація про захист даних",
              "text": "Інформація\n\nХто є контролером\n\nПовіт.\n",
              "headings": ["Інформація", "Хто є контролером"],
              "url": "https://telecentre.example/ochrona-danych"})
    ui.root.update()
    (window,) = [w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"]
    assert window.title() == "Інформація про захист даних"
    (text,) = [w for c in window.winfo_children() for w in c.winfo_children()
               if w.winfo_class() == "Text"]
    shown = text.get("1.0", "end")
    assert "Хто є контролером\n\nПовіт." in shown
    assert "https://telecentre.example/ochrona-danych" in shown
    assert text.cget("state") == "disabled"
    assert "heading" in text.tag_names("3.0")  # "Хто є контролером" stands out
    # Offline and never fetched: the resident is told where to ask instead.
    ui._show({"event": "privacy", "state": "locked", "message": "Попросіть адміністратора."})
    ui.root.update()
    assert len([w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"]) == 2
    ui._show({"event": "session_started", "state": "in_session", "minutes": 30})
    ui._show({"event": "locked", "state": "locked", "message": "Комп'ютер заблоковано."})
    ui.root.update()
    assert [w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"] == []


def test_print_jobs_window_lists_the_jobs_and_sends_what_the_resident_presses(lock_screen):
    ui, posted = lock_screen("pl")
    ui._show({"event": "session_started", "state": "in_session", "minutes": 30})
    ui.root.update()
    (printing,) = [w for w in ui.timer.winfo_children() if w.winfo_class() == "Button"
                   and w.cget("text") == "Drukowanie"]
    printing.invoke()
    assert posted[-1] == ("print_jobs",)
    ui._show({"event": "print_jobs", "state": "in_session", "currency": "PLN", "jobs": [
        {"id": 7, "pages": 3, "pages_known": True, "colour": False, "cost": 0},
        {"id": 8, "pages": 2, "pages_known": False, "colour": True, "cost": 120}]})
    ui.root.update()
    rows = [f for f in ui.print_window.winfo_children() if f.winfo_class() == "Frame"
            and any(w.winfo_class() == "Label" for w in f.winfo_children())]
    texts = [[w.cget("text") for w in row.winfo_children()] for row in rows]
    assert texts == [
        ["Wydruk 7: 3 str., czarno-biały · bezpłatnie", "Usuń", "Drukuj"],
        ["Wydruk 8: 2? str., kolor · do zapłaty 1,20 PLN", "Usuń", "Drukuj"]]
    [w for w in rows[1].winfo_children() if w.cget("text") == "Drukuj"][0].invoke()
    assert posted[-1] == ("print_action", 8, "release")
    # The answer redraws the one window; the session's end takes it away.
    ui._show({"event": "print_jobs", "state": "in_session", "jobs": [],
              "message": "Nie masz wydruków czekających na zwolnienie."})
    ui.root.update()
    assert len([w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"
                and w is not ui.timer]) == 1
    ui._show({"event": "locked", "state": "locked", "message": "Komputer zablokowany."})
    ui.root.update()
    assert [w for w in ui.root.winfo_children() if w.winfo_class() == "Toplevel"] == []
