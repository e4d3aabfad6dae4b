"""The first steps of the callback tests: a callback due for the world's member, and Ctrl+N on
the home screen claiming it."""

from tests.tui.harness import Desk
from workbench.tui.screens.callback import CallbackScreen


def schedule_callback(wb, world) -> None:
    """A satisfaction-check callback for the world's member, due now."""
    with wb.sessions() as session:
        wb.callbacks.schedule(session, member_id=world.member_id, reason="satisfaction_check")
        session.commit()


async def claim_callback(desk: Desk) -> CallbackScreen:
    """Ctrl+N on the home screen: the next callback claimed, its workspace loaded."""
    await desk.press("ctrl+n")
    await desk.done("claim_callback")
    screen = await desk.shown(CallbackScreen)
    await desk.done("load_service_data")
    return screen
