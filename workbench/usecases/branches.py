"""Which store a counter operation happens at: the actor's own branch, or (for head office and
the hotline, who have none) a branch they name by its code."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.errors import ValidationError
from workbench.members.models import Staff, Store, StoreKind


def own_branch(session: Session, actor: Staff) -> Store | None:
    """The actor's store, if it is a branch (None: head office, or no store at all)."""
    store = session.get(Store, actor.store_id) if actor.store_id is not None else None
    return store if store is not None and store.kind != StoreKind.HEADQUARTERS else None


def branch_by_code(session: Session, code: str, *, what: str) -> Store:
    """The branch with this code; head office or an unknown code is refused as 'no store
    <code> <what>' (e.g. 'with a till', 'keeps goods')."""
    store = session.scalar(select(Store).where(col(Store.code) == code.strip()))
    if store is None or store.kind == StoreKind.HEADQUARTERS:
        raise ValidationError("store", f"no store {code.strip()!r} {what}")
    return store
