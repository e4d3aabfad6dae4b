"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from workbench.db.migrate import current_revision, head_revision, is_up_to_date
from workbench.db.tables import metadata

# Indexes with a descending column: Alembic compares them only approximately (on SQLite it
# reports them removed and added again), so they are checked by the test below instead.
DESCENDING_INDEXES = {"ix_callback_queue": ["status", "priority", "next_attempt_at", "id"]}


def test_database_is_at_head_and_matches_models(wb):
    assert is_up_to_date(wb.engine)
    assert current_revision(wb.engine) == head_revision()
    with wb.engine.connect() as connection:
        ours = {
            "compare_type": True,
            "include_name": lambda name, kind, _: (
                not (kind == "table" and name.startswith("apscheduler_"))
            ),
            "include_object": lambda obj, name, kind, *_: (
                not (kind == "index" and name in DESCENDING_INDEXES)
            ),
        }
        context = MigrationContext.configure(connection, opts=ours)
        assert compare_metadata(context, metadata) == []


def test_indexes_with_a_descending_column_exist(wb):
    inspector = inspect(wb.engine)
    for name, columns in DESCENDING_INDEXES.items():
        table = metadata.tables[
            next(
                t
                for t in metadata.tables
                if any(i.name == name for i in metadata.tables[t].indexes)
            )
        ]
        [found] = [i for i in inspector.get_indexes(table.name) if i["name"] == name]
        shown = [
            c or e
            for c, e in zip(
                found["column_names"],
                found.get("expressions") or found["column_names"],
                strict=True,
            )
        ]
        assert [c.split()[0].strip('"') for c in shown] == columns


def test_sqlite_runs_in_wal_with_foreign_keys(wb):
    if wb.engine.dialect.name != "sqlite":
        return
    with wb.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_table_exists(wb):
    assert set(metadata.tables) <= set(inspect(wb.engine).get_table_names())
