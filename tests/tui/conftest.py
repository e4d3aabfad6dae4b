import contextlib

import pytest
from sqlalchemy import select
from textual.widgets import DataTable
from textual.worker import WorkerCancelled, WorkerState

from tests.factories import password_hash
from workbench.bootstrap import build
from workbench.members.models import Staff

PASSWORD = "password1"


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
            staff.password_hash = password_hash(PASSWORD)
        session.commit()
    return world


async def wait_for_workers(app) -> None:
    """Wait for the app's started workers. Unlike `WorkerManager.wait_for_complete`, a worker
    an exclusive successor cancelled (a reload replacing a load) is not a failure, and one not
    started yet is left to the next round."""
    for worker in list(app.workers):
        if worker.state != WorkerState.PENDING:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()


async def wait_for_tables(pilot, timeout: float = 5.0) -> None:
    """Wait until every table on screen has measured its rows. A DataTable sizes its columns to
    new rows only on its next idle; a picture taken before that, on a busy machine, shows
    columns as wide as their headers. (No public flag says so: these are DataTable's own.)"""
    for _ in range(int(timeout / 0.01)):
        tables = list(pilot.app.screen.query(DataTable))
        if not any(t._require_update_dimensions or t._updated_cells for t in tables):
            return
        await pilot.pause(0.01)


async def wait_for_stable_picture(pilot, timeout: float = 10.0) -> None:
    """Before a snapshot: wait until two screenshots a moment apart are the same, so the picture
    is the screen at rest and not a frame caught between a table's rows and its column widths.
    Cursors stop blinking first: a blinking cursor would make the picture depend on the moment."""
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False
    await pilot.pause()
    previous = pilot.app.export_screenshot()
    for _ in range(int(timeout / 0.1)):
        await pilot.pause(0.1)
        current = pilot.app.export_screenshot()
        if current == previous:
            return
        previous = current
