"""The benchmarks' own PostgreSQL databases (127.0.0.1:5432, trust, user postgres)."""
from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fresh_database(name: str, drop_only: bool = False) -> str:
    """Drop the database ``name`` and, unless ``drop_only``, create it empty; return its URL."""
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name
