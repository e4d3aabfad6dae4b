"""Complaints and callbacks for the demo, made through the real services on a clock that walks
through the last two years, so their events, SLA clocks, escalations and reopen rounds are
exactly what the workflow produces."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from workbench.bootstrap import Services, build
from workbench.callbacks.models import CallbackTask, Campaign, Reason
from workbench.clock import FixedClock
from workbench.complaints.escalation import sweep
from workbench.complaints.models import Complaint
from workbench.complaints.service import ComplaintIntake
from workbench.complaints.states import State
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, Role, Staff

DESCRIPTIONS = {
    "product_quality": ["买的商品有质量问题，要求退换", "收到的商品有破损"],
    "service_attitude": ["店员态度冷淡，不理睬顾客", "客服电话里语气不耐烦"],
    "points_and_rights": ["积分没有到账", "生日礼品没有收到", "会员折扣没有生效"],
    "billing": ["被重复扣款", "退款迟迟未到账"],
    "delivery": ["送货延误一周", "售后上门时间一再更改"],
    "privacy": ["接到陌生营销电话，怀疑信息泄露"],
    "other": ["门店停车不便"],
}


def seed_complaints_and_callbacks(
    wb: Services, rng: random.Random, count: int, summary, report
) -> None:
    now = wb.clock.now()
    walker, clock, staff, active = _walker(wb, now)
    pool = _pool(rng, active, count)
    times = _complaint_times(rng, count, now)
    _walk_complaints(walker, rng, clock, staff, pool, times, now, report, count)
    summary.complaints = count
    _callbacks(walker, rng, clock, now, staff)
    with walker.sessions() as session:
        summary.callback_tasks = session.scalar(select(func.count()).select_from(CallbackTask))


def finish_complaints_and_callbacks(
    wb: Services, rng: random.Random, target: int, summary, report
) -> None:
    """Complaints up to `target` and the callback campaign, picking up where an earlier run
    stopped: the complaints already there count, and the campaign is made once."""
    now = wb.clock.now()
    walker, clock, staff, active = _walker(wb, now)
    with walker.sessions() as session:
        done = session.scalar(select(func.count()).select_from(Complaint)) or 0
        campaign = session.scalar(
            select(func.count()).select_from(Campaign).where(col(Campaign.name) == CAMPAIGN)
        )
    pool = _pool(rng, active, target)
    times = _complaint_times(rng, target, now)[done:]
    if times and pool:
        _walk_complaints(walker, rng, clock, staff, pool, times, now, report, target, done)
    if not campaign:
        _callbacks(walker, rng, clock, now, staff)
    with walker.sessions() as session:
        summary.complaints = session.scalar(select(func.count()).select_from(Complaint))
        summary.callback_tasks = session.scalar(select(func.count()).select_from(CallbackTask))


def _walker(wb: Services, now):
    """A workbench of its own on a clock that walks, the staff by username and the active
    members' numbers."""
    clock = FixedClock(now - timedelta(days=730))
    walker = build(wb.settings, clock=clock, keyring=wb.keyring, engine=wb.engine)
    with walker.sessions() as session:
        staff = {s.username: s for s in session.scalars(select(Staff))}
        active = session.scalars(
            select(col(Member.member_no)).where(col(Member.status) == MemberStatus.ACTIVE)
        ).all()
        for person in staff.values():
            session.expunge(person)
    return walker, clock, staff, active


def _pool(rng: random.Random, active, count: int) -> list:
    # Some members complain more than once: draw from a smaller pool.
    return rng.sample(active, min(len(active), max(count * 2 // 3, 1)))


def _complaint_times(rng: random.Random, count: int, now) -> list:
    # Most complaints are history; the newest fifth came in over the last ten days and are
    # still being worked on, so every state of the workflow shows.
    recent = max(count // 5, 1)
    return sorted(
        [now - timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(count - recent)]
        + [now - timedelta(seconds=rng.randrange(10 * 86400)) for _ in range(recent)]
    )


def _walk_complaints(walker, rng, clock, staff, pool, times, now, report, total, done=0):
    agents = [s for s in staff.values() if s.role == Role.AGENT]
    supervisor = staff["supervisor1"]
    for n, received in enumerate(times):
        clock.set(received)
        _one_complaint(walker, rng, rng.choice(pool), rng.choice(agents), supervisor, staff, now)
        report("complaints", done + n + 1, total)
    clock.set(now)
    sweep(walker.sessions, walker.complaints)


def _one_complaint(wb: Services, rng, member_no, agent, supervisor, staff, now) -> None:
    category = rng.choice(list(DESCRIPTIONS))
    priority = rng.choices(["urgent", "high", "normal", "low"], [5, 20, 60, 15])[0]
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel=rng.choices(
                    ["hotline", "online_form", "email", "social", "store"], [50, 20, 10, 10, 10]
                )[0],
                category=category,
                priority=priority,
                description=rng.choice(DESCRIPTIONS[category]),
                member_no=member_no,
            ),
            actor=agent,
        )
        number = complaint.complaint_no
        session.commit()
    department = rng.choice(list(wb.complaint_policy.departments))
    steps = _plan(rng)
    walk = wb.clock
    if not isinstance(walk, FixedClock):
        raise TypeError("the demo's complaints walk on a FixedClock")
    for step in steps:
        walk.advance(hours=rng.uniform(0.5, 30 if step != "propose" else 60))
        if wb.clock.now() >= now:
            return  # still open today
        sweep(wb.sessions, wb.complaints)  # escalations as they fall due
        with wb.sessions() as session:
            c = wb.complaints
            if step == "reply":
                c.reply(
                    session, complaint_no=number, actor=agent, note="已电话联系会员，说明处理流程"
                )
            elif step == "assign":
                head = staff.get(f"head.{department}")
                c.assign(
                    session,
                    complaint_no=number,
                    department=department,
                    handler=agent if rng.random() < 0.7 else head,
                    actor=supervisor,
                )
            elif step == "investigate":
                c.investigate(session, complaint_no=number, actor=agent, note="调取记录核实")
            elif step == "propose":
                c.propose(
                    session,
                    complaint_no=number,
                    root_cause=rng.choice(list(wb.complaint_policy.causes)),
                    responsible_party=department,
                    plan="向会员致歉并给予补偿",
                    actor=agent,
                )
            elif step == "approve":
                c.approve(session, complaint_no=number, actor=supervisor)
            elif step == "inform":
                c.inform(session, complaint_no=number, actor=agent, note="已告知会员处理结果")
            elif step.startswith("score"):
                score = int(step[-1])
                c.record_satisfaction(session, complaint_no=number, score=score, actor=agent)
            elif step == "close":
                c.close(
                    session,
                    complaint_no=number,
                    actor=supervisor,
                    reason="会员不再回应，已发送致歉短信",
                )
            session.commit()
        with wb.sessions() as session:
            if wb.complaints.get(session, number).state == State.CLOSED.value:
                return


def _plan(rng) -> list[str]:
    """The steps one complaint will take: most are settled first time, some need more rounds,
    a few are closed by a supervisor."""
    steps = ["reply", "assign", "investigate"]
    for round_ in range(3):
        steps += ["propose", "approve", "inform"]
        if rng.random() < 0.03:
            return steps + ["close"]
        satisfied = rng.random() < (0.8 if round_ == 0 else 0.9)
        steps.append(f"score{rng.choice([4, 5]) if satisfied else rng.choice([1, 2, 3])}")
        if satisfied:
            return steps
    return steps + ["propose", "approve", "inform", "score4"]


CAMPAIGN = "银卡会员关怀回访"


def _callbacks(wb: Services, rng, clock, now, staff) -> None:
    """A campaign running since three days ago, with today's calls partly made, and
    follow-ups for members who were not satisfied."""
    from workbench.demo.seed import local_morning

    zone = wb.settings.timezone
    today = now.astimezone(zone).date()
    campaign = wb.campaigns.create(
        staff["supervisor1"],
        name=CAMPAIGN,
        segment={"tier": "silver"},
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=27),
        daily_capacity=40,
        team="care",
    )
    morning = local_morning(now, zone)
    for days_ago in (3, 2, 1, 0):
        clock.set(morning - timedelta(days=days_ago))
        wb.campaigns.materialise(saved_id(campaign))
        calls = 25 if days_ago else 12
        for agent in (staff["care1"], staff["care2"]):
            for _ in range(calls // 2):
                claim = wb.callbacks.claim_next(agent)
                if claim is None:
                    break
                outcome = rng.choices(
                    ["reached", "no_answer", "busy", "refused", "wrong_number"], [60, 20, 8, 7, 5]
                )[0]
                feedback = "会员对服务表示满意" if outcome == "reached" else None
                wb.callbacks.record_outcome(
                    agent, task_id=claim.task_id, outcome=outcome, feedback=feedback
                )
            clock.advance(hours=2)
    clock.set(morning)
    with wb.sessions() as session:
        unhappy = (
            session.execute(
                select(col(Member.id)).where(col(Member.status) == MemberStatus.ACTIVE).limit(20)
            )
            .scalars()
            .all()
        )
        for member_id in unhappy[:10]:
            wb.callbacks.schedule(
                session,
                member_id=member_id,
                reason=Reason.SATISFACTION_CHECK,
                earliest_at=morning,
                latest_at=morning + timedelta(days=3),
                team="hotline",
            )
        session.commit()
