"""Snapshots of the agent's main screens: sign-in, the home screen with a call waiting (80×24
and 200×50), and a member's masked profile, on a fixed clock and a member with fixed numbers
(refresh with `pytest tests/tui/test_agent_snapshots.py --snapshot-update`, then look at the
SVGs before committing them). The last test checks that no picture shows personal data in clear.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.factories import application
from tests.tui.harness import Desk
from tests.tui.test_calls import ring
from workbench.members.models import Member, MemberCard
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.profile import ProfileScreen

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_agent_snapshots"
PHONE, ID_NUMBER = "13912345678", "110101198503021238"
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _caller(wb, world) -> None:
    """A member whose every number is fixed, so the pictures do not change between runs."""
    with wb.sessions() as session:
        member = wb.registry.apply(
            session,
            application=application(
                name="欧阳娜娜",
                phone=PHONE,
                id_number=ID_NUMBER,
                email="nana@example.com",
                address="上海市浦东新区张江路100号",
            ),
            actor=world.staff["sales_own"],
        )
        wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.flush()
        session.execute(
            update(MemberCard)
            .where(MemberCard.member_id == member.id)
            .values(card_no="9000000000018")
        )
        session.execute(update(Member).where(Member.id == member.id).values(member_no="M200000001"))
        session.commit()


def _ringing(take: bool = False):
    """Signed in as the agent, the caller ringing; with `take`, the call taken (F2)."""

    async def run_before(pilot) -> None:
        desk = Desk.attach(pilot)
        await desk.sign_in("agent")
        await ring(desk, PHONE, sid="CA" + "5" * 32)
        if take:
            await desk.press("f2")
            await desk.done("take_call")
            await desk.shown(ProfileScreen)
            await desk.done("load_service_data")
        await desk.at_rest()

    return run_before


@sqlite_only
def test_sign_in(wb, tui_world, snap_compare):
    assert snap_compare(WorkbenchApp(wb), terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@sqlite_only
def test_home_with_a_call_waiting(wb, tui_world, snap_compare, size):
    _caller(wb, tui_world)
    assert snap_compare(WorkbenchApp(wb), terminal_size=size, run_before=_ringing())


@sqlite_only
def test_the_callers_profile_masked(wb, tui_world, snap_compare):
    _caller(wb, tui_world)
    assert snap_compare(WorkbenchApp(wb), terminal_size=(120, 40), run_before=_ringing(take=True))


def test_no_picture_shows_personal_data_in_clear():
    pictures = sorted(SNAPSHOTS.glob("*.svg"))
    assert len(pictures) == 4
    clear = [PHONE, ID_NUMBER, "欧阳娜娜", "nana@example.com", "张江路100号", "1985-03-02"]
    for picture in pictures:
        text = picture.read_text(encoding="utf-8")
        assert not [value for value in clear if value in text], picture.name
        assert not re.search(r"1[3-9]\d{9}", text), picture.name
    profile = next(p for p in pictures if "profile" in p.name).read_text(encoding="utf-8")
    assert "139****5678" in profile.replace("&#160;", " ")  # the masked phone is there
