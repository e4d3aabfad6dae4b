"""Storage: engines for SQLite and PostgreSQL, sessions, column types, Alembic migrations."""

from workbench.db.engine import create_db_engine, make_session_factory

__all__ = ["create_db_engine", "make_session_factory"]
