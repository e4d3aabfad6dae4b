"""The assigned agent (专属客服) from the profile's member menu (Ctrl+A): offered to supervisors
only; a supervisor assigns the hotline agent to a gold member and takes them away; a member
below the rank is refused under the form, which keeps the typed name."""

from rich.text import Text
from sqlalchemy import update
from textual.widgets import Input, OptionList, Static

from tests.peers.fixtures import HOTLINE
from tests.tui.harness import running
from workbench.members.models import Member
from workbench.telephony.routing_models import AssignedAgent
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.assigned_agent import AssignedAgentScreen
from workbench.tui.screens.member_desk import MemberMenuScreen
from workbench.tui.screens.profile import ProfileScreen


async def _profile(desk, phone: str) -> None:
    await desk.fill("#search-input", phone)
    await desk.press("enter")
    await desk.done("search")
    await desk.shown(ProfileScreen)
    await desk.done("load_service_data")


async def _menu(desk) -> MemberMenuScreen:
    await desk.press("ctrl+a")
    return await desk.shown(MemberMenuScreen)


def _text(screen, selector: str) -> str:
    rendered = screen.query_one(selector, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


def _assigned(wb, member_id):
    with wb.sessions() as session:
        row = session.get(AssignedAgent, member_id)
        return row.staff_id if row else None


async def test_an_agent_is_not_offered_the_assignment(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        await _profile(desk, tui_world.app.phone)
        menu = await _menu(desk)
        assert "assigned.menu" not in [entry.label for entry in menu._entries]


async def test_a_supervisor_assigns_and_unassigns_an_agent(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("supervisor")
        await _profile(desk, world.app.phone)
        menu = await _menu(desk)
        keys = [entry.label for entry in menu._entries]
        assert "assigned.menu" in keys
        menu.query_one(OptionList).highlighted = keys.index("assigned.menu")
        await desk.press("enter")
        screen = await desk.shown(AssignedAgentScreen)
        await desk.done("load")
        assert desk.app.focused is screen.query_one("#assigned-username", Input)
        assert "当前专属客服：无" in _text(screen, "#assigned-now")

        await desk.fill("#assigned-username", "agent")  # the member is regular: refused
        await desk.press("ctrl+s")
        await desk.done("assign")
        assert "silver" in _text(screen, "#assigned-error")
        assert screen.query_one("#assigned-username", Input).value == "agent"
        assert _assigned(wb, world.member_id) is None

        with wb.sessions() as session:
            session.execute(
                update(Member).where(Member.id == world.member_id).values(tier_code="gold")
            )
            session.commit()
        await desk.press("ctrl+s")
        await desk.done("assign")
        assert _text(screen, "#assigned-error") == ""
        assert "已指定专属客服 agent" in _text(screen, "#assigned-result")
        assert "当前专属客服：agent" in _text(screen, "#assigned-now")
        assert _assigned(wb, world.member_id) == world.staff["agent"].id

        await desk.press("ctrl+r")
        await desk.done("unassign")
        assert "已取消专属客服" in _text(screen, "#assigned-result")
        assert _assigned(wb, world.member_id) is None


async def test_the_assigned_agents_screen_opens_the_callers_profile_when_routing_rings_them(
    wb, tui_world
):
    """Routing hands a gold member's call to their assigned agent (no F2): the agent's screen
    opens the caller's masked profile by itself, linked to the call."""
    with wb.sessions() as session:
        session.execute(
            update(Member).where(Member.id == tui_world.member_id).values(tier_code="gold")
        )
        session.commit()
    wb.usecases.assigned_agents.assign(tui_world.staff["supervisor"], tui_world.member_no, "agent")
    sid = "CA" + "7" * 32
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        hotline = desk.app.wb.telephony.hotline
        hotline.incoming(call_sid=sid, from_number=tui_world.app.phone, to_number=HOTLINE)
        desk.mark()
        hotline.menu(call_sid=sid, digits="0")  # rings the assigned agent
        await desk.done("open_handed_call")
        profile = await desk.shown(ProfileScreen)
        assert isinstance(profile, ProfileScreen) and profile.call_id is not None
        assert profile.view.member_no == tui_world.member_no
