"""Background work on Celery: the scheduler decides when, workers on any machine run it.

Why Celery (weighed against Dramatiq, Huey and Procrastinate):

1. An embedded default with no server: kombu's SQLAlchemy transport keeps the
   queue in a SQLite file in the instance folder (``sqla+sqlite:///…``), so
   ``make demo`` and ``make test`` need nothing running. Dramatiq has no
   SQL broker of its own; Huey's SQLite storage is one machine only;
   Procrastinate needs PostgreSQL.
2. Workers on several machines share Redis or RabbitMQ (``TASKS_BROKER_URL``).
3. A task is acknowledged after it ran (``task_acks_late``), a child that dies
   has its task given back (``task_reject_on_worker_lost``), and on Redis an
   unacknowledged task comes back after ``visibility_timeout``. On top of that
   every task that changes something claims its row in our database and holds a
   lock for as long as it runs (``telecentre.tasks.locks``), so a redelivered
   task never repeats work, and a worker that vanished is noticed at once.
4. The most used Python task queue, maintained, documented (Indico runs on it).

Tasks are declared per feature in ``<feature>/tasks.py`` with Celery's
``shared_task``; every run gets its own Flask app context (so its own
database session) and commits itself.
"""
from __future__ import annotations

import importlib
import os

from celery import Celery, Task


def init_app(app):
    """Build the Celery app for *app* (``app.extensions["celery"]``) and the ``worker`` command."""
    app.config.setdefault("TASKS_BROKER_URL", None)
    app.config.setdefault("TASKS_ALWAYS_EAGER", False)
    app.config.setdefault("TASKS_WORKER_CONCURRENCY", 16)
    app.config.setdefault("TASKS_VISIBILITY_TIMEOUT", 3600)
    # The queue's name on the broker (several installations may share one Redis).
    app.config.setdefault("TASKS_QUEUE", "telecentre")
    make_celery(app)
    from .cli import worker_command
    app.cli.add_command(worker_command)


def broker_url(app) -> str:
    """``TASKS_BROKER_URL``, or the embedded queue: a SQLite file in the instance folder."""
    url = app.config.get("TASKS_BROKER_URL")
    if url:
        return url
    return "sqla+sqlite:///" + os.path.join(app.instance_path, "tasks.sqlite")


def make_celery(app) -> Celery:
    """Return the Celery app bound to the Flask *app* (made once per Flask app)."""
    if "celery" in app.extensions:
        return app.extensions["celery"]
    flask_app = app

    class FlaskTask(Task):
        """Run each task in an app context of its own (its own database session)."""

        def __call__(self, *args, **kwargs):
            from flask import current_app, has_app_context
            owner = current_app._get_current_object() if has_app_context() else flask_app
            with owner.app_context():
                return self.run(*args, **kwargs)

    url = broker_url(app)
    embedded = url.startswith(("sqla+", "sqlalchemy+"))
    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(
        broker_url=url,
        broker_connection_retry_on_startup=True,
        # Acknowledge a task after it ran, and give it back when its worker died in
        # the middle: the task then finds its own claim and does not repeat the work.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": int(app.config["TASKS_VISIBILITY_TIMEOUT"])},
        # The outcome of every task is in the application's own tables.
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_default_queue=app.config["TASKS_QUEUE"],
        task_always_eager=bool(app.config.get("TASKS_ALWAYS_EAGER")),
        task_eager_propagates=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # our log handler writes to stderr itself
        # kombu's SQL transport has no fan-out exchange, which remote control needs.
        worker_enable_remote_control=not embedded,
        worker_send_task_events=False,
        # A broker that blinks must not cut an SSH run short (the claim covers a copy).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        timezone="UTC",
        enable_utc=True,
    )
    if embedded:
        # kombu's SQL transport hands its transport options to create_engine(). On
        # SQLite it says BEGIN IMMEDIATE itself, so our engine hook must not begin
        # for it (telecentre.common.db).
        celery.conf.broker_transport_options = {
            "execution_options": {"sqlite_caller_begins": True}} if "sqlite" in url else {}
    celery.flask_app = app
    app.extensions["celery"] = celery

    _import_task_modules()
    return celery


def _import_task_modules() -> None:
    """Import every feature's ``tasks`` module so that its shared tasks exist."""
    from telecentre import FEATURES
    importlib.import_module("telecentre.jobs")
    importlib.import_module("telecentre.common.outgoing")
    for name in FEATURES:
        try:
            importlib.import_module(f"{name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.tasks":
                raise


def celery_for(app=None) -> Celery:
    """The Celery app of *app* (default: the current Flask app)."""
    if app is None:
        from flask import current_app
        app = current_app._get_current_object()
    return app.extensions["celery"]


def send(task, *args, **options):
    """Queue *task* (a shared task) with *args* on the current Flask app's Celery app.

    Eager (tests): runs it here and now. ``options`` go to ``apply_async``
    (``countdown``, ``expires``…).
    """
    celery = celery_for()
    bound = celery.tasks[task.name]
    return bound.apply_async(args=args, **options)
