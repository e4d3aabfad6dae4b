import pytest
from sqlalchemy import select

from tests.factories import password_hash
from workbench.members.models import Staff

PASSWORD = "password1"


@pytest.fixture
def tui_world(wb, world):
    """The integration `world`, with a password for every staff member."""
    with wb.sessions() as session:
        for staff in session.scalars(select(Staff)):
            staff.password_hash = password_hash(PASSWORD)
        session.commit()
    return world
