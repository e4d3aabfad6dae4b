"""Primary keys as plain ints. SQLModel declares `id: int | None` because a new row has none
until it is flushed; a row that was read, or flushed, always has one."""

from __future__ import annotations

from typing import Protocol


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: HasId) -> int:
    """The id of a row that is in the database. None here means a new row was used before the
    session was flushed: a programming error, not something a person can act on."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id
