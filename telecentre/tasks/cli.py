"""``telecentre worker``: run background tasks (remote actions, sweeps, the jobs' work)."""
import os
import socket

import click
from celery.signals import worker_process_init
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--concurrency", "-c", type=click.IntRange(1, 500),
              help="Tasks at once (default TASKS_WORKER_CONCURRENCY, 16).")
@click.option("--pool", type=click.Choice(["threads", "prefork", "solo"]), default="threads",
              show_default=True, help="threads: most tasks wait on the network (SSH, SNMP).")
@click.option("--name", help="This worker's name (default: worker<pid>@<host>).")
@with_appcontext
def worker_command(concurrency, pool, name):
    """Run a task worker; start as many as you like, on as many machines as you like."""
    from flask import current_app

    from telecentre.common import logs
    from telecentre.tasks import broker_url, celery_for
    app = current_app._get_current_object()
    logs.configure(app.config.get("LOG_FORMAT") or "json", app.config.get("LOG_LEVEL", "INFO"))
    concurrency = concurrency or int(app.config["TASKS_WORKER_CONCURRENCY"])
    name = name or f"worker{os.getpid()}@{socket.gethostname()}"
    url = broker_url(app)

    @worker_process_init.connect(weak=False)
    def fresh_connections_in_child(**_kwargs):
        """--pool prefork: a forked child must not share the parent's database connections."""
        from telecentre.extensions import db
        with app.app_context():
            db.engine.dispose(close=False)

    click.echo(f"worker {name}: {pool} x{concurrency}, broker "
               f"{url.split('@')[-1] if '@' in url else url}", err=True)
    celery_for(app).worker_main(["worker", "--pool", pool, "--concurrency", str(concurrency),
                                 "--hostname", name, "--loglevel",
                                 app.config.get("LOG_LEVEL", "INFO"),
                                 "--without-gossip", "--without-mingle", "--without-heartbeat"])
