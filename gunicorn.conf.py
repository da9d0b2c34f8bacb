"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden with GUNICORN_* environment variables read
below, or on the command line.
"""
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "gthread"
# Two threads a worker: enough for a request waiting on the database to let another run,
# few enough that the request mix (CPU-bound in Python between short round trips) does not
# queue on each worker's GIL. With 4, the booking bench (50 clients, 2 cores) answered
# 361-433 requests/s; with 2, 471-529 (bench/hot_paths.py, 2026-12-05, docs/operations.md).
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Recycle a worker now and then (memory held by libraries), but not often: a worker's start
# costs ~2 s of CPU (imports, create_app) and cold caches. At the design load (10,000 agents,
# 667 heartbeats/s over 9 workers, ~74 requests/s each) 5,000 requests meant a restart every
# 68 s per worker, a quarter of a core spent starting workers; 50,000 is one every 11 min.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
errorlog = "-"
# Logs: JSON lines unless TELECENTRE_LOG_FORMAT=text (telecentre.common.logs). With
# JSON the app writes one line per request itself, so gunicorn's access log is off.
if os.environ.setdefault("TELECENTRE_LOG_FORMAT", "json") == "json":
    logger_class = "telecentre.serve.JsonLogger"
else:
    accesslog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn ≥ 25.1 opens a control socket (``gunicornc``); by default one path per user,
# shared by every instance. Each instance gets its own beside its instance folder.
control_socket = os.environ.get(
    "GUNICORN_CONTROL_SOCKET",
    os.path.join(os.environ.get("TELECENTRE_INSTANCE_PATH", "instance"),
                 f"gunicorn-{bind.rsplit(':', 1)[-1]}.ctl"))

# Prometheus: every worker writes its samples to a shared folder, summed at scrape.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "telecentre-metrics"))


def on_starting(server):
    """Start with an empty metrics folder (old workers' files would be counted again)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    """Let the metrics of a dead worker go (its gauges would otherwise stay)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
