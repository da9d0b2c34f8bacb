"""Serving the app with gunicorn from the ``telecentre serve`` command."""
import os
import shutil
import tempfile

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger


class _Server(BaseApplication):
    def __init__(self, options, log_format):
        self.options = options
        self.log_format = log_format
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from telecentre import create_app
        return create_app({"LOG_FORMAT": self.log_format})


class JsonLogger(Logger):
    """Gunicorn's own messages (workers booting, timeouts) as JSON lines like the app's."""

    def setup(self, cfg):
        super().setup(cfg)
        from telecentre.common.logs import JsonFormatter
        for handler in self.error_log.handlers + self.access_log.handlers:
            handler.setFormatter(JsonFormatter())


def _post_fork(_server, _worker):
    from telecentre.ops.metrics import use_multiprocess_dir
    use_multiprocess_dir()


def _child_exit(_server, worker):
    """A worker's latency samples stay summed in /metrics; its live gauges are dropped."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def control_socket_path(instance_path: str, port: int) -> str:
    """Where this instance's gunicorn control socket lives: its instance folder, by port.

    gunicorn ≥ 25.1 opens one by default at ``$XDG_RUNTIME_DIR/gunicorn.ctl`` or
    ``~/.gunicorn/gunicorn.ctl`` — one path for every gunicorn of the user, so a
    second instance would take over the first one's socket. A Unix socket path
    has at most 107 bytes: a longer instance path gets a private temporary folder.
    """
    path = os.path.join(instance_path, f"gunicorn-{port}.ctl")
    if len(path.encode()) > 100:
        path = os.path.join(tempfile.mkdtemp(prefix="telecentre-ctl-"), "gunicorn.ctl")
    return path


def _has_setting(name: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS
    return any(setting.name == name for setting in KNOWN_SETTINGS)


def serve(host: str, port: int, workers: int, threads: int = 1,
          log_format: str = "json", instance_path: str | None = None) -> None:
    """Run gunicorn on ``host:port`` with ``workers`` processes of ``threads`` threads (blocks).

    With JSON logs the app writes one line per request (``telecentre.request``),
    so gunicorn's access log is off; with text logs it stays on. Unless
    ``PROMETHEUS_MULTIPROC_DIR`` is set already, a fresh directory is made for
    it, so that /metrics sums the request figures of every worker whichever
    worker answers the scrape.
    """
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="telecentre-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir  # read by the workers' metrics
    options = {"bind": f"{host}:{port}", "workers": workers,
               "timeout": 60, "graceful_timeout": 10,
               "post_fork": _post_fork, "child_exit": _child_exit}
    if threads > 1:
        options.update(worker_class="gthread", threads=threads)
    if instance_path and _has_setting("control_socket"):
        options["control_socket"] = control_socket_path(instance_path, port)
    if log_format == "json":
        options["logger_class"] = JsonLogger
    else:
        options["accesslog"] = "-"
    try:
        _Server(options, log_format).run()
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
