"""The agent's print endpoints, the settings page's refusals, and the scheduled jobs."""
from telecentre.agent_api.auth import secret_hash
from telecentre.extensions import db
from telecentre.printing import services
from telecentre.printing.models import PrintJob, PrintSettings
from tests.printing.cups_server import wait_for

SECRET = "agent-secret-for-printing"


def _agent_headers(usage):
    from telecentre.agent_api.models import Agent
    agent = db.session.scalar(db.select(Agent).where(Agent.seat_id == usage.seat_id))
    agent.secret_hash = secret_hash(SECRET)
    db.session.commit()
    return {"Authorization": f"Bearer {agent.id}.{SECRET}"}


def _synced(settings, expect):
    def done():
        services.sync_site(settings)
        db.session.commit()
        return db.session.query(PrintJob).count() >= expect
    wait_for(done, what=f"{expect} jobs recorded")


def test_the_pc_sees_and_releases_only_its_sessions_jobs(
        client, print_site, cups_server, running_session, create_user, document):
    mine = running_session(create_user("resident"), address="127.0.0.1")
    other = running_session(create_user("resident"), address="10.0.0.7")
    cups_server.submit(print_site.queues[0], document(2, "mine"))
    cups_server.submit(print_site.queues[0], document(1, "theirs"), user=other.local_id)
    _synced(print_site, 2)
    headers = _agent_headers(mine)
    reply = client.get("/api/v1/agent/print-jobs", headers=headers)
    assert reply.status_code == 200
    jobs = reply.get_json()["jobs"]
    assert [(j["pages"], j["cost"], j["state"]) for j in jobs] == [(2, 0, "held")]
    assert "name" not in jobs[0] and "job-name" not in jobs[0]

    theirs = db.session.scalar(db.select(PrintJob).where(PrintJob.session_id == other.id))
    assert client.post(f"/api/v1/agent/print-jobs/{theirs.id}/release",
                       headers=headers).status_code == 404
    reply = client.post(f"/api/v1/agent/print-jobs/{jobs[0]['id']}/release", headers=headers)
    assert reply.status_code == 200 and reply.get_json()["state"] == "released"
    assert client.post(f"/api/v1/agent/print-jobs/{jobs[0]['id']}/cancel",
                       headers=headers).status_code == 409  # no longer waiting
    printed = wait_for(print_site.printer.received, what="the printer to receive it")
    assert b"mine page 2" in printed[0]
    assert client.get("/api/v1/agent/print-jobs").status_code == 401


def test_the_pc_is_refused_over_the_allowance_with_a_clear_message(
        client, print_site, cups_server, running_session, create_user, document):
    print_site.free_pages, print_site.over_allowance = 1, "refuse"
    db.session.commit()
    usage = running_session(create_user("resident"), address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(3))
    _synced(print_site, 1)
    headers = _agent_headers(usage)
    job = db.session.scalar(db.select(PrintJob))
    reply = client.post(f"/api/v1/agent/print-jobs/{job.id}/release",
                        headers={**headers, "Accept-Language": "en"})
    assert reply.status_code == 422
    assert "cannot be printed" in str(reply.get_json())
    db.session.rollback()
    assert db.session.get(PrintJob, job.id).state == "held"


def test_settings_refuse_bad_input_and_change_nothing(app, client, auth, create_user):
    it = create_user("it")
    auth.login(it)
    token = auth.csrf_token("/printing/cycow/settings")
    base = {"csrf_token": token, "cups_host": "print.example", "cups_port": "631",
            "queues": "public", "printer_device_id": "0", "purge_minutes": "60",
            "free_pages": "10", "period": "day", "guest_free_pages": "5", "price_mono": "0.50",
            "price_colour": "2.00", "over_allowance": "charge"}
    for bad in ({"cups_port": "0"}, {"queues": "a b;c"}, {"price_mono": "-1"},
                {"cups_host": "host/../x"}, {"period": "week"}, {"printer_device_id": "999"},
                {"enabled": "y", "cups_host": ""}):
        reply = client.post("/printing/cycow/settings", data={**base, **bad},
                            headers={"Accept-Language": "en"})
        assert reply.status_code in (404, 422), bad
        assert db.session.query(PrintSettings).count() == 0, bad
    reply = client.post("/printing/cycow/settings", data={**base, "enabled": "y"})
    assert reply.status_code == 302
    saved = db.session.scalar(db.select(PrintSettings))
    assert (saved.enabled, saved.queues, saved.price_mono, saved.price_colour) == (
        True, ["public"], 50, 200)


def test_the_scheduled_jobs_sync_and_purge(app, print_site, cups_server, running_session,
                                           create_user, document):
    from telecentre.jobs import JOBS, load_jobs, run_job
    load_jobs(app)
    running_session(create_user("resident"), address="127.0.0.1")
    cups_server.submit(print_site.queues[0], document(1))

    def synced():
        run_job(app, JOBS["printing.sync"])
        db.session.rollback()
        return db.session.query(PrintJob).count() == 1
    wait_for(synced, what="the sync job to record the job")
    assert "0 purged" == run_job(app, JOBS["printing.purge"])


def test_printing_in_the_indicators_and_their_exports(app, client, auth, create_user, site):
    from datetime import datetime, timezone

    from telecentre.stats.indicators import indicators, to_csv
    cycow = site("cycow")
    released = datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc)
    for pages, colour, free in ((3, False, 3), (4, True, 1)):
        db.session.add(PrintJob(site_id=cycow.id, cups_job_id=pages, queue="public",
                                pages=pages, colour=colour, free_pages=free, state="printed",
                                created_at=released, released_at=released))
    db.session.add(PrintJob(site_id=cycow.id, cups_job_id=9, queue="public", pages=5,
                            state="purged", created_at=released))  # never printed: not counted
    db.session.commit()
    report = indicators(2026)
    march = next(r for r in report["month"] if r["site"] == "cycow" and r["label"] == "2026-03")
    assert (march["print_pages"], march["print_mono"], march["print_colour"],
            march["print_free"], march["print_charged"]) == (7, 3, 4, 4, 3)
    county_year = next(r for r in report["year"] if r["site"] is None)
    assert county_year["print_pages"] == 7
    with app.test_request_context():
        text = to_csv(report, "pl").decode("utf-8-sig")
    assert text.splitlines()[0].endswith("Wydrukowane strony;Strony czarno-białe;"
                                         "Strony kolorowe;Strony bezpłatne;Strony płatne")
    auth.login(create_user("admin"))
    assert "Wydrukowane strony" in client.get("/stats/indicators?year=2026").get_data(as_text=True)


def test_retention_removes_who_printed_and_keeps_the_counts(app, create_user, site):
    from datetime import timedelta

    from telecentre.common.time import utcnow
    from telecentre.stats.privacy import apply_retention
    resident = create_user("resident")
    old = utcnow() - timedelta(days=int(app.config["RETENTION_DAYS"]) + 1)
    job = PrintJob(site_id=site("cycow").id, cups_job_id=1, queue="public", pages=2,
                   user_id=resident.id, state="printed", created_at=old, released_at=old,
                   free_pages=2)
    recent = PrintJob(site_id=site("cycow").id, cups_job_id=2, queue="public", pages=1,
                      user_id=resident.id, state="printed", created_at=utcnow())
    db.session.add_all([job, recent])
    db.session.commit()
    counts = apply_retention()
    db.session.commit()
    assert counts["print_jobs_anonymised"] == 1
    db.session.expire_all()
    assert (job.user_id, job.pages, job.free_pages) == (None, 2, 2)
    assert recent.user_id == resident.id
