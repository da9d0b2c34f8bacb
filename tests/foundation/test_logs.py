"""Structured logs: JSON lines with the request's fields, X-Request-ID, nothing secret."""

import json
import logging

from click.testing import CliRunner

from telecentre.common import logs
from tests.conftest import PASSWORD, Auth


def _lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_request_is_one_json_line_and_carries_its_id(make_app, capsys):
    client = make_app(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    given = client.get("/healthz", headers={"X-Request-ID": "lb-42.a"})
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert given.headers["X-Request-ID"] == "lb-42.a"
    assert len(made.headers["X-Request-ID"]) == 32 and " " not in made.headers["X-Request-ID"]
    lines = [e for e in _lines(capsys.readouterr().err) if e["logger"] == "telecentre.request"]
    assert [e["request_id"] for e in lines] == ["lb-42.a", made.headers["X-Request-ID"]]
    first = lines[0]
    assert {"time", "level", "logger", "message", "pid", "method", "path", "status",
            "duration_ms", "remote_addr"} <= set(first)
    assert (first["method"], first["path"], first["status"]) == ("GET", "/healthz", 200)


def test_a_sign_in_leaves_no_password_and_names_the_user(make_app, create_user, capsys):
    app = make_app(LOG_FORMAT="json")
    user = create_user("resident")
    client = app.test_client()
    auth = Auth(client)
    capsys.readouterr()
    wrong = client.post("/login", data={"login": user.login, "password": "wrong-" + PASSWORD,
                                        "csrf_token": auth.csrf_token()})
    assert wrong.status_code in (200, 401, 422)
    assert auth.login(user).status_code == 302
    err = capsys.readouterr().err
    assert PASSWORD not in err and "wrong-" not in err
    posts = [e for e in _lines(err) if e.get("method") == "POST" and e.get("status") == 302]
    assert posts and posts[-1]["user_id"] == user.id


def test_secret_url_parts_and_messages_are_masked(make_app, capsys):
    client = make_app(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    client.get("/calendar/s3cr3t-feed-token.ics")
    logging.getLogger("telecentre.test").warning("sent password=hunter2, Bearer abc.def")
    err = capsys.readouterr().err
    assert "s3cr3t-feed-token" not in err and "/calendar/***.ics" in err
    assert "hunter2" not in err and "abc.def" not in err


def test_text_by_default_and_json_for_the_scheduler(make_app, capsys):
    app = make_app()
    assert app.config["LOG_FORMAT"] is None
    logging.getLogger("telecentre.test").warning("plain")
    assert capsys.readouterr().err.rstrip().endswith("WARNING telecentre.test: plain")
    from telecentre.cli import scheduler_command
    try:
        result = CliRunner().invoke(scheduler_command, ["--list"], obj=_script_info(app))
        assert result.exit_code == 0, result.output
        logging.getLogger("telecentre.scheduler").info("tick")
        assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["message"] == "tick"
    finally:
        logs.configure("text")


def _script_info(app):
    from flask.cli import ScriptInfo
    return ScriptInfo(create_app=lambda: app)
