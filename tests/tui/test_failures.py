"""Every failure of a use case reaches the person: a typed error as its message, a database
failure as what to do, anything else as an incident id, with the traceback in the log file and
never on the screen."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from tests.tui.harness import PASSWORD, running
from workbench.complaints.service import ComplaintIntake
from workbench.errors import NotFound
from workbench.logs import configure_logging
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "workbench.log"
    configure_logging("WARNING", file=path, console=False)
    yield path
    logging.getLogger().handlers[:] = []


def _complaint(wb, world) -> str:
    return wb.usecases.complaints.open(
        world.staff["agent"],
        ComplaintIntake(
            channel="hotline", category="billing", description="扣费两次", member_no=world.member_no
        ),
    )


def _signed_in(wb, username):
    with wb.sessions() as session:
        return wb.auth.sign_in(session, username=username, password=PASSWORD)


async def _open_complaint(wb, world, failure: Exception, monkeypatch):
    number = _complaint(wb, world)

    def card(actor, complaint_no):
        raise failure

    monkeypatch.setattr(wb.usecases.complaints, "card", card)
    app = WorkbenchApp(wb)
    return app, number


async def test_an_unexpected_error_shows_an_incident_id_and_logs_the_traceback(
    wb, tui_world, monkeypatch, log_file
):
    app, number = await _open_complaint(
        wb, tui_world, RuntimeError("boom 13812345678"), monkeypatch
    )
    async with running(app) as desk:
        app.start_session(_signed_in(wb, "supervisor"))
        app.push_screen(ComplaintScreen(number))
        done = await desk.done("load")
        assert done.failed
        message = await desk.notified("出现意外错误")  # something went wrong
        incident = message.split("已记录为 ")[1].split("（")[0]
        assert str(log_file) in message
        assert "Traceback" not in message and "boom" not in message
    logged = log_file.read_text()
    assert f"incident {incident}" in logged and "RuntimeError: boom" in logged
    assert "13812345678" not in logged  # the log's redaction applies to tracebacks too


async def test_a_database_failure_says_what_to_do(wb, tui_world, monkeypatch, log_file):
    locked = OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    app, number = await _open_complaint(wb, tui_world, locked, monkeypatch)
    async with running(app) as desk:
        app.start_session(_signed_in(wb, "supervisor"))
        app.push_screen(ComplaintScreen(number))
        await desk.done("load")
        message = await desk.notified("locked by another process")
        assert "busy_timeout_seconds" in message
    assert "Traceback" not in log_file.read_text()  # nothing unexpected: nothing logged


async def test_a_typed_error_shows_its_own_message(wb, tui_world, monkeypatch):
    app, number = await _open_complaint(wb, tui_world, NotFound("no complaint C1"), monkeypatch)
    async with running(app) as desk:
        app.start_session(_signed_in(wb, "supervisor"))
        app.push_screen(ComplaintScreen(number))
        await desk.done("load")
        assert await desk.notified("no complaint C1") == "未找到相应记录（no complaint C1）"


async def test_a_worker_that_raises_outside_desk_work_is_reported(wb, tui_world, log_file):
    app = WorkbenchApp(wb)
    async with running(app) as desk:
        app.start_session(_signed_in(wb, "supervisor"))

        def fails() -> None:
            raise ValueError("a bug")

        app.run_worker(fails, thread=True, exit_on_error=False, name="stray")
        message = await desk.notified("出现意外错误")  # something went wrong
        assert "a bug" not in message
    assert "ValueError: a bug" in log_file.read_text()
