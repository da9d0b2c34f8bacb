"""The vetted actions: every action exists on both OSes, bad parameters are refused."""
from __future__ import annotations

import base64
import shlex

import pytest

from telecentre.remote.catalogue import (ACTIONS, OS_NAMES, UnknownAction, UnsupportedOS,
                                         available_actions, get_action)
from telecentre.remote.params import InvalidParameters

REQUIRED = {"update_agent": {"version": "1.4.2"}, "adhoc": {"command": "uptime"}}
BRIEF_ACTIONS = {"reboot", "shutdown", "restart_agent", "update_agent", "collect_logs",
                 "clean_profile", "disk_diagnostics", "network_diagnostics", "adhoc"}


def linux_script(command: str) -> str:
    """The script inside ``/bin/sh -c '…'``, unquoted as sh would."""
    words = shlex.split(command)
    assert words[:2] == ["/bin/sh", "-c"] and len(words) == 3
    return words[2]


def windows_script(command: str) -> str:
    """The PowerShell script inside ``-EncodedCommand``."""
    assert command.startswith("powershell.exe ")
    return base64.b64decode(command.split()[-1]).decode("utf-16-le")


def test_every_action_is_defined_for_both_systems():
    assert set(ACTIONS) == BRIEF_ACTIONS
    for action in ACTIONS.values():
        for os_name in OS_NAMES:
            assert action.command(os_name, REQUIRED.get(action.name))


def test_adhoc_is_for_admins_only_and_needs_confirmation():
    adhoc = get_action("adhoc")
    assert adhoc.admin_only and adhoc.needs_confirmation
    assert "adhoc" not in {a.name for a in available_actions(is_admin=False)}
    assert "adhoc" in {a.name for a in available_actions(is_admin=True)}
    assert not any(a.admin_only for a in ACTIONS.values() if a.name != "adhoc")


def test_message_with_polish_text_and_punctuation_stays_one_argument():
    message = "Uwaga: koniec za 5 min; zapisz pliki (dział IT)!"
    command = get_action("reboot").command("linux", {"delay_minutes": "5", "message": message})
    assert shlex.split(linux_script(command)) == ["shutdown", "-r", "+5", message]
    script = windows_script(get_action("reboot").command("windows", {"message": message}))
    assert f"/t 60 /c '{message}'" in script


def test_version_reaches_the_command_verbatim():
    action = get_action("update_agent")
    words = shlex.split(linux_script(action.command("linux", {"version": "2.0.0rc1"})))
    at = words.index("telecentre==2.0.0rc1")
    assert words[at - 6:at] == ["$py", "-m", "pip", "install", "--no-deps", "--upgrade"]
    script = windows_script(action.command("windows", {"version": "1.10.3"}))
    assert "'telecentre==1.10.3'" in script


def test_sudo_wraps_the_whole_script():
    command = get_action("restart_agent").command("linux", sudo=True)
    assert command.startswith("sudo -n /bin/sh -c ")


@pytest.mark.parametrize("action,params,field", [
    ("update_agent", {"version": "1.0; rm -rf /"}, "version"),
    ("update_agent", {"version": "$(reboot)"}, "version"),
    ("update_agent", {"version": "latest"}, "version"),
    ("update_agent", {}, "version"),
    ("update_agent", {"version": "1.0.0", "index": "http://evil"}, "index"),
    ("reboot", {"message": "it's time"}, "message"),
    ("reboot", {"message": "bye $USER"}, "message"),
    ("reboot", {"message": "a\nb"}, "message"),
    ("reboot", {"message": "`id`"}, "message"),
    ("reboot", {"message": "x" * 121}, "message"),
    ("reboot", {"delay_minutes": "61"}, "delay_minutes"),
    ("reboot", {"delay_minutes": "-1"}, "delay_minutes"),
    ("reboot", {"delay_minutes": "5 minutes"}, "delay_minutes"),
    ("reboot", {"delay_minutes": True}, "delay_minutes"),
    ("shutdown", {"delay_minutes": 1.5}, "delay_minutes"),
    ("collect_logs", {"lines": "100000"}, "lines"),
    ("clean_profile", {"user": "root"}, "user"),
    ("clean_profile", {"user": "Administrator"}, "user"),
    ("clean_profile", {"user": "../etc"}, "user"),
    ("clean_profile", {"user": "public user"}, "user"),
    ("network_diagnostics", {"target": "-f 10.0.0.1"}, "target"),
    ("network_diagnostics", {"target": "host;reboot"}, "target"),
    ("network_diagnostics", {"target": "10.0.0"}, "target"),
    ("adhoc", {"command": "echo \x1b[31m"}, "command"),
    ("adhoc", {"command": "   "}, "command"),
])
def test_bad_parameters_are_refused(action, params, field):
    for os_name in OS_NAMES:
        with pytest.raises(InvalidParameters) as caught:
            get_action(action).command(os_name, params)
        assert field in caught.value.errors
        error = caught.value.errors[field]
        assert error.message % error.values  # a complete, translatable message


def test_several_errors_are_reported_together():
    with pytest.raises(InvalidParameters) as caught:
        get_action("reboot").validate({"delay_minutes": "999", "message": "$x", "force": "1"})
    assert set(caught.value.errors) == {"delay_minutes", "message", "force"}


def test_good_parameters_are_cleaned():
    assert get_action("reboot").validate({"delay_minutes": " 15 "})["delay_minutes"] == 15
    assert get_action("network_diagnostics").validate(
        {"target": "Router.Leczna.local"}) == {"target": "router.leczna.local"}
    assert get_action("network_diagnostics").validate({"target": "fe80::1"}) == {
        "target": "fe80::1"}
    assert get_action("clean_profile").validate({}) == {"user": "public"}


def test_unknown_action_and_system_are_refused():
    with pytest.raises(UnknownAction):
        get_action("rm")
    with pytest.raises(UnsupportedOS):
        get_action("reboot").command("macos")


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_linux_script_is_valid_sh(name):
    """``sh -n`` parses each script without running it."""
    import subprocess
    script = linux_script(get_action(name).command("linux", REQUIRED.get(name)))
    checked = subprocess.run(["/bin/sh", "-n", "-c", script], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stderr
