"""Alembic environment: runs inside the Flask app (``telecentre db …``, ``telecentre init``)."""
from alembic import context
from flask import current_app

config = context.config
db = current_app.extensions["migrate"].db


def include_object(obj, name, type_, reflected, compare_to):
    """Leave out what autogenerate cannot compare (hand-written PostgreSQL exclusion constraints)."""
    if type_ == "table" and name == "alembic_version":
        return False
    return True


def run_migrations_offline():
    """Emit SQL to standard output instead of running it."""
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the app's database, in one transaction."""
    with db.engine.connect() as connection:
        options = {**current_app.extensions["migrate"].configure_args, "compare_type": True,
                   "render_as_batch": connection.dialect.name == "sqlite"}
        context.configure(connection=connection, target_metadata=db.metadata,
                          include_object=include_object, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
