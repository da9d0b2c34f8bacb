"""Prometheus metrics at ``/metrics``.

Request latency is measured in each worker (with gunicorn, set
``PROMETHEUS_MULTIPROC_DIR`` so that every worker's samples are summed). The
figures about the system itself — running sessions, open alerts, job
durations, and what features add through ``register_collector`` (agents,
heartbeats, sweeps) — are read from the database at scrape time, so every
worker reports the same numbers.
"""
import os
import time
from typing import Callable, Iterable

from flask import Response, g, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST



def _request_histogram(registry):
    return Histogram(
        "telecentre_request_seconds", "Time to answer an HTTP request",
        ["endpoint", "method", "status"], registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


_REQUESTS = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = _request_histogram(_REQUESTS)


def use_multiprocess_dir():
    """In a freshly forked gunicorn worker: keep the request figures in PROMETHEUS_MULTIPROC_DIR.

    prometheus_client picks where values live when it is imported; the
    ``telecentre`` command imported it in the master before the directory was
    set, so the worker makes its histogram again now that it is.
    """
    global _REQUESTS, REQUEST_SECONDS
    from prometheus_client import values
    values.ValueClass = values.get_value_class()
    _REQUESTS = CollectorRegistry(auto_describe=True)
    REQUEST_SECONDS = _request_histogram(_REQUESTS)

# Features add callables that yield metric families read from the database.
COLLECTORS: dict[str, Callable[[], Iterable]] = {}


def register_collector(name: str, collect: Callable[[], Iterable]) -> None:
    """Add (or replace) a source of metric families computed at scrape time."""
    COLLECTORS[name] = collect


def observe(response):
    """After a request: record its latency by endpoint, method and status.

    The request's start is the one the request log notes first thing
    (``common.logs``), so no hook of its own runs before each request.
    """
    started = g.get("request_started")
    if started is not None and request.endpoint != "ops.metrics":
        REQUEST_SECONDS.labels(request.endpoint or "unknown", request.method,
                               str(response.status_code)).observe(time.perf_counter() - started)
    return response


def _core_metrics():
    from sqlalchemy import func, select

    from telecentre.alerts.models import Alert
    from telecentre.extensions import db
    from telecentre.ops.models import JobRun
    from telecentre.sessions.models import UsageSession
    running = GaugeMetricFamily("telecentre_sessions_running", "Usage sessions running now")
    running.add_metric([], db.session.scalar(
        select(func.count(UsageSession.id)).where(UsageSession.ended_at.is_(None))))
    yield running
    alerts = GaugeMetricFamily("telecentre_alerts_active", "Alerts not yet resolved",
                               labels=["severity"])
    for severity, count in db.session.execute(
            select(Alert.severity, func.count(Alert.id)).where(Alert.status != "resolved")
            .group_by(Alert.severity)):
        alerts.add_metric([severity], count)
    yield alerts
    latest = select(JobRun.job_id, func.max(JobRun.id).label("id")).where(
        JobRun.ok.is_not(None)).group_by(JobRun.job_id).subquery()
    runs = db.session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id)).all()
    duration = GaugeMetricFamily("telecentre_job_last_duration_seconds",
                                 "Duration of each job's latest run (sweeps included)",
                                 labels=["job"])
    success = GaugeMetricFamily("telecentre_job_last_ok", "1 when the latest run succeeded",
                                labels=["job"])
    for run in runs:
        duration.add_metric([run.job_id], run.duration_seconds)
        success.add_metric([run.job_id], 1 if run.ok else 0)
    yield duration
    yield success


class _DatabaseCollector:
    def collect(self):
        yield from _core_metrics()
        for collect in COLLECTORS.values():
            yield from collect()


def render() -> Response:
    """Return the metrics in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = _REQUESTS
    system = CollectorRegistry(auto_describe=False)
    system.register(_DatabaseCollector())
    body = generate_latest(requests) + generate_latest(system)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
