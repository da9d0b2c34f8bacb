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


def test_backups_are_private_and_can_be_encrypted(app, make_app, create_user, tmp_path,
                                                  database_url):
    """0600 always; with a key outside the database the file is ciphertext, restores with that
    key only, and a cut or altered file is refused before anything is touched."""
    import os
    import stat

    from telecentre.ops.backup import BackupError, is_encrypted

    create_user("resident", login="secret-resident")
    os.umask(0o022)  # a usual umask: the backup must not inherit it
    plain = backup(database_url, tmp_path / "plain.backup")
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600 and not is_encrypted(plain)

    runner = app.test_cli_runner()
    key = tmp_path / "keys" / "backup.key"
    key.parent.mkdir()
    assert runner.invoke(args=["backup-key", str(key)]).exit_code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert runner.invoke(args=["backup-key", str(key)]).exit_code != 0  # never overwritten
    keyed = make_app(BACKUP_KEY_FILE=str(key))
    sealed = tmp_path / "sealed.backup"
    with keyed.app_context():  # the command reads the app of the current context
        result = keyed.test_cli_runner().invoke(args=["backup", str(sealed)])
    assert result.exit_code == 0 and "encrypted" in result.output
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600 and is_encrypted(sealed)
    content = sealed.read_bytes()
    assert b"secret-resident" not in content and b"SQLite format" not in content
    assert not list(tmp_path.glob(".telecentre-backup-*"))  # no plain copy left behind

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
        other_key = tmp_path / "other.key"
        new = app.test_cli_runner().invoke(args=["backup-key", str(other_key)])
        assert new.exit_code == 0
        for bad_key in (None, other_key):
            try:
                restore(target_url, sealed, bad_key)
                raise AssertionError("restored without the right key")
            except BackupError as exc:
                assert "key" in str(exc)
        cut = tmp_path / "cut.backup"
        cut.write_bytes(content[:-10])
        try:
            restore(target_url, cut, key)
            raise AssertionError("restored a cut backup")
        except BackupError as exc:
            assert "cut short" in str(exc)
        restore(target_url, sealed, key)
        engine = create_engine(target_url)
        with engine.connect() as conn:
            logins = set(conn.scalars(text("SELECT login FROM users")))
        engine.dispose()
        assert "secret-resident" in logins
    finally:
        if not database_url.startswith("sqlite"):
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
