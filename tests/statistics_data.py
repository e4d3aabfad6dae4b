"""A small world whose statistics are known exactly, on top of the `world` fixture (stores HQ,
SH01, BJ01; its one member in SH01 joined now, at tests.conftest.START).

Members, cards, purchases and points are inserted as rows (statistics read no personal data, so
none is made); complaints and callbacks go through the real services. The default period is
the 12 months up to START's day: [2025-03-03, 2026-03-03) in Shanghai.

SH01: 12 members who joined long ago (m1–m7 regular, m8–m12 silver) and the world's member.
  Bought this period: m1–m7, one purchase of 100.00 each and m1 another of 50.00.
  Bought the previous period: m1–m5 and m8–m12 (the retention cohort of 10; 5 bought again).
  Points this period: every purchase earns its amount; m1–m6 earned 20 activity points;
  m1 and m2 redeemed 100; m3–m7 had 10 expire. m1–m5 lost their cards and got new ones.
  Complaints (the world's member): five satisfied (5, 5, 5, 4, 4) and one closed by a supervisor.
BJ01: 6 regular members who joined long ago; one of them terminated this period. No purchases.
Callbacks: the agent made four calls: reached, reached, no answer, refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.callbacks.models import Reason
from workbench.complaints.service import ComplaintIntake
from workbench.members.models import (
    CardStatus,
    Member,
    MemberCard,
    MemberStatus,
    PointsEntry,
    PointsKind,
    Purchase,
    Store,
)

LONG_AGO = datetime(2024, 1, 10, 2, 0, tzinfo=UTC)
PREVIOUS = datetime(2024, 6, 1, 4, 0, tzinfo=UTC)  # in the previous 12 months
CURRENT = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)  # in the default period
LEFT = datetime(2025, 10, 1, tzinfo=UTC)
EXPIRED = datetime(2026, 1, 1, tzinfo=UTC)
SCORES = (5, 5, 5, 4, 4)


@dataclass
class StatisticsWorld:
    sh01: list[int]  # member ids m1..m12
    bj01: list[int]


def populate(wb, world) -> StatisticsWorld:
    with wb.sessions() as session:
        stores = {s.code: s.id for s in session.scalars(select(Store))}
        sh = [
            _member(session, stores["SH01"], f"S{n:02d}", "regular" if n <= 7 else "silver")
            for n in range(1, 13)
        ]
        bj = [_member(session, stores["BJ01"], f"B{n:02d}", "regular") for n in range(1, 7)]
        ended = session.get(Member, bj[-1])
        ended.status, ended.terminated_at = MemberStatus.TERMINATED, LEFT
        for n, member_id in enumerate(sh, start=1):
            if n <= 7:
                _purchase(session, member_id, stores["SH01"], "100.00", CURRENT)
            if n <= 5 or n >= 8:
                _purchase(session, member_id, stores["SH01"], "80.00", PREVIOUS, points=False)
            if n <= 6:
                _points(session, member_id, PointsKind.ACTIVITY, 20, CURRENT + timedelta(days=10))
            if n <= 2:
                _points(session, member_id, PointsKind.REDEMPTION, -100, CURRENT + timedelta(60))
            if 3 <= n <= 7:
                _points(session, member_id, PointsKind.EXPIRY, -10, EXPIRED)
            if n <= 5:
                _reissue(session, member_id, datetime(2025, 9, 1, tzinfo=UTC))
        _purchase(session, sh[0], stores["SH01"], "50.00", CURRENT + timedelta(days=30))
        session.commit()
    _complaints(wb, world)
    _callbacks(wb, world, sh[:4])
    return StatisticsWorld(sh, bj)


def _member(session, store_id: int, number: str, tier: str) -> int:
    member = Member(
        member_no=f"T{number}",
        status=MemberStatus.ACTIVE,
        store_id=store_id,
        channel="store",
        tier_code=tier,
        submitted_at=LONG_AGO,
        joined_at=LONG_AGO,
    )
    session.add(member)
    session.flush()
    session.add(
        MemberCard(
            member_id=member.id,
            card_no=f"C{number}{store_id}",
            status=CardStatus.ACTIVE,
            issued_at=LONG_AGO,
        )
    )
    return member.id


def _reissue(session, member_id: int, at: datetime) -> None:
    old = session.scalar(select(MemberCard).where(MemberCard.member_id == member_id))
    old.status, old.lost_at, old.closed_at = CardStatus.LOST, at, at
    session.add(
        MemberCard(
            member_id=member_id,
            card_no=f"R{member_id:05d}",
            status=CardStatus.ACTIVE,
            issued_at=at,
            replaces_card_id=old.id,
        )
    )


def _purchase(session, member_id, store_id, amount, at, points=True) -> None:
    purchase = Purchase(
        member_id=member_id,
        store_id=store_id,
        amount=Decimal(amount),
        occurred_at=at,
        points_earned=int(Decimal(amount)) if points else 0,
    )
    session.add(purchase)
    session.flush()
    if points:
        _points(
            session,
            member_id,
            PointsKind.PURCHASE,
            purchase.points_earned,
            at,
            purchase_id=purchase.id,
        )


def _points(session, member_id, kind, points, at, purchase_id=None) -> None:
    expires = at + timedelta(days=730) if points > 0 else None
    session.add(
        PointsEntry(
            member_id=member_id,
            kind=kind,
            points=points,
            occurred_at=at,
            expires_at=expires,
            purchase_id=purchase_id,
        )
    )


def _complaints(wb, world) -> None:
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        for n, score in enumerate((*SCORES, None)):
            c = wb.complaints.open(
                session,
                intake=ComplaintIntake(
                    channel="hotline",
                    category="billing",
                    description=f"问题 {n}",
                    member_no=world.member_no,
                ),
                actor=agent,
            )
            number = c.complaint_no
            if score is None:
                wb.complaints.close(
                    session, complaint_no=number, actor=supervisor, reason="会员不再回应"
                )
                continue
            wb.complaints.assign(
                session, complaint_no=number, department="finance", actor=supervisor
            )
            wb.complaints.investigate(session, complaint_no=number, actor=agent)
            wb.complaints.propose(
                session,
                complaint_no=number,
                root_cause="system_error",
                responsible_party="IT",
                plan="修复",
                actor=agent,
            )
            wb.complaints.approve(session, complaint_no=number, actor=supervisor)
            wb.complaints.inform(session, complaint_no=number, actor=agent)
            wb.complaints.record_satisfaction(
                session, complaint_no=number, score=score, actor=agent
            )
        session.commit()


def _callbacks(wb, world, member_ids: list[int]) -> None:
    agent = world.staff["agent"]
    with wb.sessions() as session:
        for member_id in member_ids:
            wb.callbacks.schedule(session, member_id=member_id, reason=Reason.SATISFACTION_CHECK)
        session.commit()
    for outcome in ("reached", "reached", "no_answer", "refused"):
        claim = wb.callbacks.claim_next(agent)
        wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome=outcome)
