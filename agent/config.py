"""Agent options: command line, optionally on top of a config file (INI or JSON).

The command line wins over the file. An INI file keeps the keys in an
`[agent]` section; a JSON file is one object. Keys are the long option names
with dashes or underscores (`state-dir` or `state_dir`).
"""

import argparse
import configparser
import json
import os
from dataclasses import dataclass, fields
from typing import Optional

from agent.transport import check_server_url


class ConfigError(Exception):
    """A missing or invalid option; the message says which."""


@dataclass
class Config:
    """The validated options the agent runs with."""

    server: str
    state_dir: str
    enrollment_token: Optional[str] = None
    ui: str = "console"
    os_backend: str = "auto"
    ca_file: Optional[str] = None
    seat_name: Optional[str] = None
    kind: str = "pc"
    lang: Optional[str] = None
    rotate_days: float = 30.0
    public_user: Optional[str] = None
    home_template: Optional[str] = None
    socket: Optional[str] = None
    display: Optional[str] = None
    xauthority: Optional[str] = None
    ui_python: Optional[str] = None
    ui_unit: Optional[str] = None


CHOICES = {
    "ui": ("tk", "console"),
    "os_backend": ("auto", "simulated", "linux", "windows"),
    "kind": ("pc", "kiosk"),
    "lang": ("pl", "en", "uk"),
}


def build_parser():
    """The argparse parser; every option defaults to None so the file can fill it."""
    parser = argparse.ArgumentParser(prog="telecentre-agent", description="Telecentre agent")
    parser.add_argument(
        "--config", help="INI ([agent] section) or JSON file with the options below"
    )
    parser.add_argument("--server", help="server URL, https:// (http:// only for loopback)")
    parser.add_argument(
        "--enrollment-token", help="one-time token from `telecentre agents enrollment-token`"
    )
    parser.add_argument("--state-dir", help="directory for the agent's state and outbox")
    parser.add_argument("--ui", choices=CHOICES["ui"])
    parser.add_argument("--os-backend", choices=CHOICES["os_backend"])
    parser.add_argument("--ca-file", help="CA bundle to verify the server with")
    parser.add_argument("--seat-name", help="bind to this existing seat at enrolment")
    parser.add_argument("--kind", choices=CHOICES["kind"])
    parser.add_argument("--lang", choices=CHOICES["lang"])
    parser.add_argument(
        "--rotate-days", type=float, help="ask for a new secret after this many days"
    )
    split = parser.add_argument_group("service and lock screen (see docs/agent.md)")
    split.add_argument("--public-user", help="the public account the lock screen runs as (root)")
    split.add_argument(
        "--home-template", help="directory the public account's home is reset to after a session"
    )
    split.add_argument("--socket", help="Unix socket between the service and the lock screen")
    split.add_argument("--display", help="X display of the public session (e.g. :0)")
    split.add_argument("--xauthority", help="X authority file the lock screen uses")
    split.add_argument(
        "--ui-unit",
        help="start the lock screen as this systemd unit instead of through runuser",
    )
    split.add_argument(
        "--ui-python", help="interpreter for the lock screen (default: this one); needs Tk"
    )
    return parser


def read_file(path):
    """Read a config file into a dict with underscore keys."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"config file {path} is not valid JSON: {exc}") from exc
    else:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=path)
        except configparser.Error as exc:
            raise ConfigError(f"config file {path} is not a valid INI file: {exc}") from exc
        if not parser.has_section("agent"):
            raise ConfigError(f"config file {path} has no [agent] section")
        raw = dict(parser.items("agent"))
    known = {f.name for f in fields(Config)}
    values = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"unknown option {key!r} in {path}")
        values[name] = value
    return values


def load(argv=None):
    """Parse `argv` (and the config file it names) into a validated Config."""
    args = build_parser().parse_args(argv)
    values = read_file(args.config) if args.config else {}
    for key, value in vars(args).items():
        if key != "config" and value is not None:
            values[key] = value
    return validate(values)


def validate(values):
    """Check required options, choices and the server URL; return a Config."""
    for required in ("server", "state_dir"):
        if not values.get(required):
            raise ConfigError(f"--{required.replace('_', '-')} is required")
    for key, allowed in CHOICES.items():
        if values.get(key) is not None and values[key] not in allowed:
            raise ConfigError(f"{key.replace('_', '-')} must be one of {', '.join(allowed)}")
    try:
        values["rotate_days"] = float(values.get("rotate_days", 30.0))
    except (TypeError, ValueError) as exc:
        raise ConfigError("rotate-days must be a number") from exc
    try:
        check_server_url(values["server"])
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if values.get("ca_file") and not os.path.isfile(values["ca_file"]):
        raise ConfigError(f"CA file {values['ca_file']} does not exist")
    values["server"] = values["server"].rstrip("/")
    values["state_dir"] = os.path.abspath(values["state_dir"])
    if values.get("home_template"):
        values["home_template"] = os.path.abspath(values["home_template"])
        if not os.path.isdir(values["home_template"]):
            raise ConfigError(f"home template {values['home_template']} is not a directory")
        if not values.get("public_user"):
            raise ConfigError("--home-template needs --public-user")
    if values.get("ui_unit") and not values.get("public_user"):
        raise ConfigError("--ui-unit needs --public-user")
    return Config(**values)
