"""Backup and restore, on the database the suite runs on."""
import uuid

from sqlalchemy import create_engine, func, select, text

from telecentre.auth.models import User
from telecentre.extensions import db
from telecentre.ops.backup import backup, restore


def test_backup_then_restore_into_an_empty_database(app, create_user, tmp_path, database_url):
    create_user("admin", login="kept-admin")
    create_user("resident", login="kept-resident")
    dump = backup(database_url, tmp_path / "telecentre.backup")
    assert dump.stat().st_size > 0
    if database_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path}/restored.sqlite"
    else:
        name = f"telecentre_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = database_url.rsplit("/", 1)[0] + "/" + name
    try:
        restore(target_url, dump)
        engine = create_engine(target_url)
        with engine.connect() as conn:
            logins = set(conn.scalars(text("SELECT login FROM users")))
            sites = conn.scalar(text("SELECT count(*) FROM sites"))
            version = conn.scalar(text("SELECT version_num FROM alembic_version"))
        engine.dispose()
        assert {"kept-admin", "kept-resident"} <= logins
        assert sites == 7 and version
        assert db.session.scalar(select(func.count(User.id))) == 2
    finally:
        if not database_url.startswith("sqlite"):
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_restore_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "nope.backup")])
    assert result.exit_code != 0 and "does not exist" in result.output
