"""Serving the app with gunicorn from the ``telecentre serve`` command."""
import os
import shutil
import tempfile

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from telecentre import create_app
        return create_app()


def _post_fork(_server, _worker):
    from telecentre.ops.metrics import use_multiprocess_dir
    use_multiprocess_dir()


def _child_exit(_server, worker):
    """A worker's latency samples stay summed in /metrics; its live gauges are dropped."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def serve(host: str, port: int, workers: int, threads: int = 1) -> None:
    """Run gunicorn on ``host:port`` with ``workers`` processes of ``threads`` threads (blocks).

    Unless ``PROMETHEUS_MULTIPROC_DIR`` is set already, a fresh directory is
    made for it, so that /metrics sums the request figures of every worker
    whichever worker answers the scrape.
    """
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="telecentre-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir  # read by the workers' metrics
    options = {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-",
               "timeout": 60, "graceful_timeout": 10,
               "post_fork": _post_fork, "child_exit": _child_exit}
    if threads > 1:
        options.update(worker_class="gthread", threads=threads)
    try:
        _Server(options).run()
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
