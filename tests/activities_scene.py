"""A small company for the activity tests: head office and two stores, their staff, and
members of each tier with a card each (so they can be checked in by card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.factories import add_staff, add_store, application, fake_id_number
from workbench.members.models import Member, Role, Staff, StoreKind
from workbench.usecases.activities import PlanForm

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Person:
    member_no: str
    member_id: int
    card_no: str
    phone: str
    tier: str


@dataclass
class Scene:
    staff: dict[str, Staff]
    members: dict[str, Person]


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def build_scene(wb, clock, *, extra_regulars: int = 0) -> Scene:
    """Members (store, tier, birthday): silver SH01 (April), gold SH01 (March), regular SH01
    (March), regular2 SH01 (April), optout (silver SH01, opted out of SMS), bj (gold BJ01)."""
    with wb.sessions() as session:
        hq = add_store(session, "HQ", StoreKind.HEADQUARTERS)
        sh = add_store(session, "SH01")
        bj = add_store(session, "BJ01")
        staff = {
            "marketing": add_staff(session, clock, "marketing", Role.ANALYST, hq),
            "supervisor": add_staff(session, clock, "supervisor", Role.SUPERVISOR, hq),
            "head": add_staff(session, clock, "head", Role.DEPARTMENT_HEAD, hq),
            "agent": add_staff(session, clock, "agent", Role.AGENT, hq),
            "manager_sh": add_staff(session, clock, "manager_sh", Role.STORE_MANAGER, sh),
            "sales_sh": add_staff(session, clock, "sales_sh", Role.SALES, sh),
            "manager_bj": add_staff(session, clock, "manager_bj", Role.STORE_MANAGER, bj),
            "sales_bj": add_staff(session, clock, "sales_bj", Role.SALES, bj),
        }
        session.commit()
        wanted = [
            ("silver", "SH01", "silver", "19900415"),
            ("gold", "SH01", "gold", "19850310"),
            ("regular", "SH01", "regular", "19920320"),
            ("regular2", "SH01", "regular", "19930402"),
            ("optout", "SH01", "silver", "19880505"),
            ("bj", "BJ01", "gold", "19870612"),
        ] + [(f"extra{n}", "SH01", "regular", "19910101") for n in range(extra_regulars)]
        members = {}
        for key, store, tier, birthday in wanted:
            app = application(
                store_code=store, id_number=fake_id_number(birthday=birthday), name="李华"
            )
            actor = staff["sales_sh"] if store == "SH01" else staff["sales_bj"]
            member = wb.registry.apply(session, application=app, actor=actor)
            wb.registry.approve(session, member_no=member.member_no, actor=staff["agent"])
            card = wb.registry.current_card(session, member.id)
            wb.registry.activate_card(
                session, card_no=card.card_no, phone=app.phone, actor=staff["agent"]
            )
            member.tier_code = tier
            if key == "optout":
                member.sms_opt_out = True
            members[key] = Person(member.member_no, member.id, card.card_no, app.phone, tier)
        session.commit()
        for s in staff.values():
            session.refresh(s)
            session.expunge(s)
    return Scene(staff, members)


def plan(**overrides: str) -> PlanForm:
    """An activity on Friday 20 March 2026, 14:00–17:00 at SH01: priority sign-up from the 5th,
    everyone's from the 8th, closing the 19th at 20:00; cancellations until the 18th 20:00."""
    values = dict(
        kind="new_product_launch",
        theme="春季新品品鉴会",
        starts="2026-03-20 14:00",
        ends="2026-03-20 17:00",
        store="SH01",
        capacity="2",
        budget="8000",
        priority_opens="2026-03-05 10:00",
        signup_opens="2026-03-08 10:00",
        signup_closes="2026-03-19 20:00",
        cancel_until="2026-03-18 20:00",
        points="200",
        channels="sms",
        content="新品试用与讲解",
    )
    values.update(overrides)
    return PlanForm(**values)


def member_of(wb, member_id: int) -> Member:
    with wb.sessions() as session:
        member = session.get_one(Member, member_id)
        session.expunge(member)
        return member
