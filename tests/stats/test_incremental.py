"""The rollup job picks up new, running, ended and corrected sessions by itself."""
from datetime import date, timedelta

from sqlalchemy import select

from telecentre.extensions import db
from telecentre.stats import figures
from telecentre.stats.incremental import mark_dirty, run_rollup
from telecentre.stats.models import DailyUsage, RollupState
from tests.stats.conftest import local

DAY = date(2026, 6, 2)  # a Tuesday


def _day(site_id):
    return figures.summary([site_id], DAY, DAY)


def test_run_rollup_follows_sessions_as_they_happen(app, old_seat, create_user, add_session):
    pc = old_seat("cycow")
    resident = create_user()
    first = run_rollup(local(2026, 6, 2, 9))
    db.session.commit()
    assert first["days_rebuilt"] >= 2  # today and yesterday of every site
    running = add_session(pc, resident, "walk_in", local(2026, 6, 2, 9))
    result = run_rollup(local(2026, 6, 2, 9, 30))
    db.session.commit()
    assert result["new_sessions"] == 1
    s = _day(pc.site_id)
    assert s["sessions"] == 1 and s["hours_used"] == 0.5  # running: counted up to now
    assert s["hours_open"] == 1.5  # today: open since 08:00, up to now
    state = db.session.scalar(select(RollupState))
    assert state.open_session_ids == str(running.id)
    running.ended_at = local(2026, 6, 2, 10)
    db.session.commit()
    # Two days later the ended session is still found through the open set, not by "today".
    run_rollup(local(2026, 6, 4, 12))
    db.session.commit()
    assert _day(pc.site_id)["hours_used"] == 1 and _day(pc.site_id)["hours_open"] == 8
    assert db.session.scalar(select(RollupState)).open_session_ids == ""


def test_a_late_session_across_midnight_rebuilds_both_days(app, old_seat, add_session):
    pc = old_seat("cycow")
    run_rollup(local(2026, 6, 10, 12))
    db.session.commit()
    # An agent that was offline delivers a session of a week before, across midnight.
    add_session(pc, None, "guest", local(2026, 6, 2, 23), local(2026, 6, 3, 1))
    run_rollup(local(2026, 6, 10, 12, 10))
    db.session.commit()
    days = {d.day: d.used_seconds for d in db.session.scalars(
        select(DailyUsage).where(DailyUsage.seat_id == pc.id, DailyUsage.used_seconds > 0))}
    assert days == {DAY: 3600, DAY + timedelta(days=1): 3600}


def test_mark_dirty_rebuilds_a_corrected_session(app, old_seat, add_session):
    pc = old_seat("cycow")
    row = add_session(pc, None, "guest", local(2026, 6, 2, 9), local(2026, 6, 2, 10))
    run_rollup(local(2026, 6, 2, 12))
    db.session.commit()
    assert _day(pc.site_id)["hours_used"] == 1
    row.ended_at = local(2026, 6, 2, 9, 15)  # corrected in place: the id watermark misses it
    mark_dirty(pc.site_id, row.started_at, row.ended_at)
    db.session.commit()
    run_rollup(local(2026, 6, 5, 12))
    db.session.commit()
    assert _day(pc.site_id)["hours_used"] == 0.25


def test_days_before_the_retention_horizon_are_not_rebuilt(make_app, old_seat, add_session,
                                                           app):
    app.config["RETENTION_DAYS"] = 30
    pc = old_seat("cycow")
    add_session(pc, None, "guest", local(2026, 6, 2, 9), local(2026, 6, 2, 10))
    result = run_rollup(local(2026, 9, 1, 12))
    db.session.commit()
    assert result["new_sessions"] == 1
    assert _day(pc.site_id)["sessions"] == 0


def test_jobs_and_commands(app, runner, old_seat, add_session, tmp_path):
    from telecentre.jobs import load_jobs, run_job
    specs = load_jobs(app)
    assert {"stats.rollup", "stats.nightly", "stats.retention"} <= set(specs)
    pc = old_seat("cycow")
    add_session(pc, None, "guest", local(2026, 6, 2, 9), local(2026, 6, 2, 10))
    assert run_job(app, specs["stats.rollup"])["new_sessions"] == 1
    result = runner.invoke(args=["stats", "rebuild", "--since", "2026-06-01"])
    assert result.exit_code == 0 and "site-days rebuilt" in result.output
    out = tmp_path / "indicators.xlsx"
    result = runner.invoke(args=["stats", "indicators", "--year", "2026", "--format", "xlsx",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook
    sheet = load_workbook(out).worksheets[0]
    june = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)
            if row[0].value == "2026-06" and row[1].value == "Urząd Gminy Cyców"][0]
    assert june[6] == 1 and june[8] == 1  # one session, one hour
    result = runner.invoke(args=["stats", "retention"])
    assert result.exit_code == 0 and "0 sessions pseudonymised" in result.output
