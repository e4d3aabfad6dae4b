"""The use cases: each thing a person does, as a method that takes the acting staff member and
plain arguments, checks the role, runs in one transaction of its own (`UnitOfWork`) and returns
a read model. The TUI, the CLI, the webhook server and the scheduler call these and nothing
below them (tests/unit/test_edges_call_use_cases.py keeps it so).

One desk per area; `build_usecases` gives each its collaborators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.usecases.activities import ActivityDesk, activity_desk
from workbench.usecases.admin import AdminDesk
from workbench.usecases.applications import ApplicationDesk, application_desk
from workbench.usecases.approvals import AccessDesk, access_desk
from workbench.usecases.assigned_agents import AssignedAgentDesk, assigned_agent_desk
from workbench.usecases.base import UnitOfWork
from workbench.usecases.calendar import CalendarDesk, calendar_desk
from workbench.usecases.callbacks import CallbackDesk, callback_desk
from workbench.usecases.calls import HotlineDesk, hotline_desk
from workbench.usecases.cards import CardDesk, card_desk
from workbench.usecases.complaints import ComplaintDesk
from workbench.usecases.consent import ConsentDesk, consent_desk
from workbench.usecases.dashboard import DashboardDesk, dashboard_desk
from workbench.usecases.goods import GoodsDesk, goods_desk
from workbench.usecases.members import MemberDesk, member_desk
from workbench.usecases.messages import MessageDesk
from workbench.usecases.odoo import OdooDesk
from workbench.usecases.operations import OperationsDesk, operations_desk
from workbench.usecases.points import PointsDesk, points_desk
from workbench.usecases.protection import ProtectionDesk, protection_desk
from workbench.usecases.replies import ReplyDesk, reply_desk
from workbench.usecases.sign_in import SignInDesk, sign_in_desk
from workbench.usecases.statistics import StatisticsDesk
from workbench.usecases.termination import TerminationDesk, termination_desk
from workbench.usecases.tiers import TierDesk, tier_desk
from workbench.usecases.till import TillDesk, till_desk
from workbench.usecases.wallboard import WallboardDesk, wallboard_desk

if TYPE_CHECKING:
    from workbench.bootstrap import Services, Telephony


@dataclass(frozen=True)
class UseCases:
    complaints: ComplaintDesk
    calls: HotlineDesk | None  # None: built without the hotline
    callbacks: CallbackDesk
    dashboard: DashboardDesk
    replies: ReplyDesk
    messages: MessageDesk
    odoo: OdooDesk  # its sync is None where no [odoo] host is configured
    admin: AdminDesk
    statistics: StatisticsDesk
    sign_in: SignInDesk
    members: MemberDesk
    tiers: TierDesk
    protection: ProtectionDesk
    termination: TerminationDesk
    goods: GoodsDesk
    consent: ConsentDesk
    till: TillDesk
    cards: CardDesk
    applications: ApplicationDesk
    points: PointsDesk
    activities: ActivityDesk
    access: AccessDesk
    calendar: CalendarDesk
    operations: OperationsDesk  # counts and readiness for /metrics and /ready
    wallboard: WallboardDesk
    assigned_agents: AssignedAgentDesk  # members' 专属客服 (routing by tier)


def build_usecases(s: Services, telephony: Telephony | None) -> UseCases:
    uow = UnitOfWork(s.sessions)
    complaints = ComplaintDesk(uow=uow, complaints=s.complaints, reports=s.complaint_reports)
    callbacks = callback_desk(s, uow)
    return UseCases(
        complaints=complaints,
        calls=hotline_desk(s, telephony) if telephony else None,
        callbacks=callbacks,
        dashboard=dashboard_desk(s, complaints, callbacks),
        replies=reply_desk(s, uow),
        messages=MessageDesk(
            uow=uow,
            messages=s.messages,
            outbox=s.outbox,
            dispatcher=s.dispatcher,
            access=s.access,
            registry=s.registry,
            mailings=s.mailings,
        ),
        odoo=OdooDesk(uow=uow, sync=s.odoo, clock=s.clock, audit=s.audit),
        admin=AdminDesk(uow=uow, services=s),
        statistics=StatisticsDesk(statistics=s.statistics, complaint_reports=s.complaint_reports),
        sign_in=sign_in_desk(s, uow),
        members=member_desk(s, uow),
        tiers=tier_desk(s, uow),
        protection=protection_desk(s, uow),
        termination=termination_desk(s, uow),
        goods=goods_desk(s, uow),
        consent=consent_desk(s, uow),
        till=till_desk(s, uow),
        cards=card_desk(s, uow),
        applications=application_desk(s, uow),
        points=points_desk(s, uow),
        activities=activity_desk(s, uow),
        access=access_desk(s, uow),
        calendar=calendar_desk(s, uow),
        operations=operations_desk(s, uow),
        wallboard=wallboard_desk(s, uow),
        assigned_agents=assigned_agent_desk(s, uow),
    )
