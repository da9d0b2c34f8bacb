"""Serving the app with gunicorn from the ``telecentre serve`` command."""
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


def serve(host: str, port: int, workers: int) -> None:
    """Run gunicorn on ``host:port`` with ``workers`` worker processes (blocks)."""
    _Server({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-",
             "timeout": 60, "graceful_timeout": 10}).run()
