"""OpenAPI, errors, encryption at rest, the scheduler's leadership, and the init command."""
import threading
import time

import pytest

from telecentre.extensions import db


def test_openapi_documents_every_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    documented = set(doc["paths"])
    import re
    expected = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r) for r in api_rules}
    assert expected == documented
    token = doc["paths"]["/api/v1/auth/token"]["post"]
    assert token["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "TokenRequest")
    assert "TokenRequest" in doc["components"]["schemas"]


def test_unknown_page_and_api_errors(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    api = client.get("/api/v1/no/such")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    wrong = client.put("/api/v1/sites")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_secrets_are_encrypted_and_rotated(app, runner, tmp_path):
    from telecentre.common import crypto
    token = crypto.encrypt("snmp-auth-key")
    assert "snmp-auth-key" not in token
    assert crypto.decrypt(token) == "snmp-auth-key"
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert len(crypto.load_keys()) == 2
    assert crypto.decrypt(token) == "snmp-auth-key"  # the old key still reads
    rotated = crypto.rotate_token(token)
    runner.invoke(args=["secrets", "prune"])
    assert crypto.decrypt(rotated) == "snmp-auth-key"
    with pytest.raises(crypto.SecretsKeyError):
        crypto.decrypt(token)  # made with the pruned key


def test_only_one_scheduler_leads(app):
    from telecentre.tasks.locks import HeldLocks
    first, second = HeldLocks(app, "first"), HeldLocks(app, "second")
    other = HeldLocks(app, "other")
    try:
        assert first.try_acquire("scheduler")
        assert not second.try_acquire("scheduler")
        assert other.try_acquire("something else")
        first.release()
        assert second.try_acquire("scheduler")
    finally:
        for lead in (first, second, other):
            lead.release()


def test_scheduler_runs_jobs_and_commits(app, monkeypatch):
    from telecentre import jobs
    from telecentre.sites.models import Site
    ran = threading.Event()

    def rename():
        site = db.session.scalar(db.select(Site).where(Site.slug == "spiczyn"))
        site.address = "changed by a job"
        ran.set()

    monkeypatch.setattr(jobs, "JOBS", {})
    jobs.job("test-rename", "interval", seconds=0.2)(rename)
    monkeypatch.setattr(jobs, "load_jobs", lambda _app: jobs.JOBS)
    stop = threading.Event()
    thread = threading.Thread(target=jobs.run_scheduler, args=(app,),
                              kwargs={"stop_event": stop})
    thread.start()
    try:
        assert ran.wait(10)
        # The job commits after it has run: wait for its commit (seen from this session).
        deadline = time.monotonic() + 20
        while True:
            db.session.rollback()
            address = db.session.scalar(db.select(Site.address).where(Site.slug == "spiczyn"))
            if address == "changed by a job" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert address == "changed by a job"


def test_init_command_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
    assert "0 site(s) added" in result.output
