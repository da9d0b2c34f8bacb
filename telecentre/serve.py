"""Serving the app with gunicorn from the ``telecentre serve`` command."""
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


def serve(host: str, port: int, workers: int, log_format: str = "json") -> None:
    """Run gunicorn on ``host:port`` with ``workers`` worker processes (blocks).

    With JSON logs the app writes one line per request (``telecentre.request``),
    so gunicorn's access log is off; with text logs it stays on.
    """
    options = {"bind": f"{host}:{port}", "workers": workers,
               "timeout": 60, "graceful_timeout": 10}
    if log_format == "json":
        options["logger_class"] = JsonLogger
    else:
        options["accesslog"] = "-"
    _Server(options, log_format).run()
