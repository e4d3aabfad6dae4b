"""A workbench built without the hotline (bench/tui.py builds one so) signs agents and
supervisors in without a call listener: nothing to listen to, so nothing logged about it."""

import logging
import threading

import pytest

from tests.tui.harness import WAIT, running
from workbench.bootstrap import build
from workbench.tui.app import WorkbenchApp


@pytest.mark.parametrize("who", ["agent", "supervisor"])
async def test_no_call_listener_and_no_traceback_without_the_hotline(
    settings, clock, keyring, tui_world, caplog, who
):
    caplog.set_level(logging.DEBUG)
    wb = build(settings, clock=clock, keyring=keyring)  # no telephony
    try:
        assert wb.usecases.calls is None
        async with running(WorkbenchApp(wb)) as desk:
            await desk.sign_in(who)
            for thread in threading.enumerate():  # a listener, had one started, has ended
                if thread.name == "call-events":
                    thread.join(WAIT)
    finally:
        wb.dispose()
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert "call events stopped" not in caplog.text
