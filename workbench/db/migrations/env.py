"""Alembic environment: runs against the engine handed over in config.attributes."""

from alembic import context
from alembic.runtime.environment import NameFilterParentNames, NameFilterType

from workbench.db.tables import metadata

config = context.config


def _ours(name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames) -> bool:
    """APScheduler keeps its own job table in the same database: not ours to migrate."""
    return not (type_ == "table" and name and name.startswith("apscheduler_"))


def run_migrations() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
