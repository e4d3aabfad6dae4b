from functools import cache

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.tui.harness import PASSWORD
from workbench.bootstrap import build
from workbench.members.models import Staff


@cache
def cheap_password_hash() -> str:
    """An argon2 hash of PASSWORD with the smallest cost: signing in verifies it for real (the
    hash names its own parameters) in microseconds, where the production cost takes a fifth
    of a second of CPU at every sign-in of every test."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


@pytest.fixture
def wb(settings, clock, keyring):
    """The workbench as the TUI runs it: with the hotline."""
    workbench = build(settings, clock=clock, keyring=keyring, telephony=True)
    yield workbench
    workbench.dispose()


@pytest.fixture
def tui_world(wb, world):
    """The integration `world`, with a password for every staff member."""
    with wb.sessions() as session:
        for staff in session.scalars(select(Staff)):
            staff.password_hash = cheap_password_hash()
        session.commit()
    return world
