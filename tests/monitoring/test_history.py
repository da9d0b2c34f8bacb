"""Hourly rollups, retention and graph series; the scheduler's jobs."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from telecentre.extensions import db
from telecentre.monitoring import history
from telecentre.monitoring.models import HourlySample, Sample

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # the night clocks go forward in Warsaw


def _samples(device, start, minutes, every=5):
    for m in range(0, minutes, every):
        db.session.add(Sample(device_id=device.id, at=start + timedelta(minutes=m),
                              values={"reachable": 1.0, "cpu_percent": float(m % 60)}))
    db.session.commit()


def test_rollup_summarises_complete_hours_once(create_device):
    device = create_device()
    _samples(device, T0, 150)  # 00:00 .. 02:25
    assert history.rollup(until=T0 + timedelta(hours=2, minutes=30)) == 2  # 00h and 01h
    assert history.rollup(until=T0 + timedelta(hours=2, minutes=30)) == 0  # idempotent
    first = db.session.scalar(select(HourlySample).order_by(HourlySample.hour))
    assert first.hour == T0 and first.count == 12
    assert first.values["cpu_percent"] == [27.5, 0.0, 55.0]


def test_purge_keeps_recent_raw_and_a_year_of_hours(create_device):
    device = create_device()
    now = T0 + timedelta(days=30)
    _samples(device, T0, 60)
    _samples(device, now - timedelta(hours=1), 60)
    history.rollup(until=now)
    db.session.add(HourlySample(device_id=device.id, hour=now - timedelta(days=500), count=1,
                                values={}))
    raw, hourly = history.purge(now=now)
    db.session.commit()
    assert raw == 12 and hourly == 1
    assert db.session.scalar(select(func.count()).select_from(Sample)) == 12
    assert db.session.scalar(select(func.count()).select_from(HourlySample)) >= 1


def test_series_joins_hourly_history_and_raw_samples(create_device):
    device = create_device()
    now = T0 + timedelta(days=10)
    _samples(device, T0, 120)
    _samples(device, now - timedelta(minutes=30), 30)
    history.rollup(until=T0 + timedelta(hours=3))  # the job ran back then
    points = history.series(device.id, "cpu_percent", since=T0, now=now)
    assert points[0] == (T0, 27.5)  # an hourly average
    assert len(points) == 2 + 6     # two hours, then six raw samples
    assert [t for t, _ in points] == sorted(t for t, _ in points)


def test_jobs_are_registered(app):
    from telecentre.jobs import load_jobs
    jobs = load_jobs(app)
    assert jobs["snmp.sweep"].trigger == "interval"
    assert {"snmp.discovery", "snmp.rollup", "snmp.retention"} <= set(jobs)


def test_sweep_job_sends_batches_that_poll_every_device_once(app, site, create_device,
                                                             snmpsim):
    from telecentre.monitoring import jobs, runtime
    from telecentre.monitoring.models import DeviceState, Sample
    app.config.update(SNMP_TIMEOUT=0.5, SNMP_BATCH_SIZE=4)
    runtime.shutdown()
    devices = [create_device(address="127.0.1.1", port=1161, community="router",
                             kind="router") for _ in range(6)]
    try:
        summary = jobs.sweep()  # the tasks run here and now (eager in tests)
    finally:
        runtime.shutdown()
    assert summary == "2 batches sent"
    db.session.expire_all()
    # Every device polled by exactly one batch.
    assert sorted(db.session.scalars(select(Sample.device_id))) == sorted(d.id for d in devices)
    states = db.session.scalars(select(DeviceState)).all()
    assert {s.device_id for s in states} == {d.id for d in devices}
    assert all(s.status == "up" and s.sys_name == "router-test" for s in states)
