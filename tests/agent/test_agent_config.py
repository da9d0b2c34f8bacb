"""Options from the command line and from INI or JSON files."""

import json

import pytest

from agent import cli
from agent.config import ConfigError, load

BASE = ["--server", "https://telecentrum.powiat-leczna.pl", "--state-dir", "/tmp/agent-state"]


def test_command_line_only():
    cfg = load(BASE + ["--enrollment-token", "T", "--ui", "console", "--kind", "kiosk"])
    assert (cfg.server, cfg.enrollment_token, cfg.ui, cfg.kind, cfg.os_backend) == (
        "https://telecentrum.powiat-leczna.pl",
        "T",
        "console",
        "kiosk",
        "auto",
    )


def test_ini_file_with_command_line_winning(tmp_path):
    path = tmp_path / "agent.ini"
    path.write_text(
        "[agent]\nserver = https://example.org/\nstate-dir = /var/lib/tc\n"
        "seat_name = PC-03\nkind = pc\nui = tk\n",
        encoding="utf-8",
    )
    cfg = load(["--config", str(path), "--ui", "console"])
    assert (cfg.server, cfg.state_dir, cfg.seat_name, cfg.ui) == (
        "https://example.org",
        "/var/lib/tc",
        "PC-03",
        "console",
    )


def test_json_file(tmp_path):
    path = tmp_path / "agent.json"
    path.write_text(
        json.dumps(
            {
                "server": "http://127.0.0.1:18080",
                "state_dir": "/tmp/s",
                "os-backend": "simulated",
                "lang": "en",
            }
        ),
        encoding="utf-8",
    )
    cfg = load(["--config", str(path)])
    assert (cfg.server, cfg.os_backend, cfg.lang) == ("http://127.0.0.1:18080", "simulated", "en")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--state-dir", "/tmp/s"], "--server"),
        (["--server", "https://example.org"], "--state-dir"),
        (["--server", "http://example.org", "--state-dir", "/tmp/s"], "https"),
        (["--server", "http://10.0.0.5", "--state-dir", "/tmp/s"], "loopback"),
        (["--server", "ftp://127.0.0.1", "--state-dir", "/tmp/s"], "https"),
        (BASE + ["--ca-file", "/nonexistent/ca.pem"], "CA file"),
    ],
)
def test_invalid_options_are_named(argv, words):
    with pytest.raises(ConfigError, match=words):
        load(argv)


@pytest.mark.parametrize(
    "server",
    ["http://127.0.0.1:18080", "http://localhost:18080", "http://[::1]:18080", "http://127.3.4.5"],
)
def test_plain_http_is_fine_on_loopback(server):
    assert load(["--server", server, "--state-dir", "/tmp/s"]).server == server


@pytest.mark.parametrize(
    "text, words",
    [
        ("[other]\nserver = https://x\n", "no \\[agent\\] section"),
        ("[agent]\nserver = https://x\nstate_dir=/tmp\ncolour = red\n", "unknown option 'colour'"),
        ('{"server": ', "not valid JSON"),
        ("[agent]\nserver = https://x\nstate_dir=/tmp\nkind = tablet\n", "kind must be one of"),
    ],
)
def test_bad_files_are_explained(tmp_path, text, words):
    path = tmp_path / "agent.conf"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load(["--config", str(path)])


def test_main_exits_2_with_the_reason(capsys):
    assert cli.main(["--server", "http://192.168.1.10", "--state-dir", "/tmp/s"]) == 2
    assert "loopback" in capsys.readouterr().err
