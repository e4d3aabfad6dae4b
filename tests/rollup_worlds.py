"""Seeded random worlds for the rollup equality tests, on top of the `world` fixture (stores HQ,
SH01, BJ01 and its staff): members of every store joined over three years (some never approved,
some terminated, a few on a tier the scheme does not know), cards and reissues, purchases over
two years with their points, activity points, redemptions and expiries, complaints with random
times, handlers, scores and closes, and callback calls. Rows are inserted directly (the
statistics read no personal data); what changes them afterwards goes through the real services
(see `change`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update

from workbench.callbacks.models import CallbackAttempt, CallbackTask
from workbench.complaints.models import Complaint
from workbench.members.models import (
    Member,
    MemberCard,
    MemberStatus,
    PointsEntry,
    Purchase,
    Staff,
    Store,
)
from workbench.members.returns import PurchaseReturns

DAY = timedelta(days=1)
TIERS = ("regular", "regular", "regular", "silver", "gold", "platinum", "legacy")
CATEGORIES = ("billing", "service", "product")
CAUSES = (None, "system_error", "staff", "product_defect")
CHANNELS = ("hotline", "store", "online")
DEPARTMENTS = (None, "finance", "service", "it")


def populate(wb, rng: random.Random, *, members: int = 80, complaints: int = 60) -> None:
    now = wb.clock.now()
    with wb.sessions() as session:
        stores = list(session.scalars(select(Store.id).order_by(Store.id)))
        staff = list(session.scalars(select(Staff.id).order_by(Staff.id)))
        first = (session.scalar(select(Member.id).order_by(Member.id.desc())) or 0) + 1
        for n in range(members):
            _member(session, rng, now, rng.choice(stores), f"R{first + n:06d}")
        session.commit()
        member_ids = list(session.scalars(select(Member.id)))
    add_complaints(wb, rng, complaints, member_ids, stores, staff)
    _calls(wb, rng, member_ids, staff)


def _member(session, rng: random.Random, now: datetime, store_id: int, number: str) -> int:
    joined = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    pending = rng.random() < 0.05
    ended = None
    if not pending and rng.random() < 0.15:
        ended = joined + (now - joined) * rng.random()
    member = Member(
        member_no=number,
        status=MemberStatus.PENDING_REVIEW
        if pending
        else (MemberStatus.TERMINATED if ended else MemberStatus.ACTIVE),
        store_id=store_id,
        channel="store",
        tier_code=rng.choice(TIERS),
        submitted_at=joined,
        joined_at=None if pending else joined,
        terminated_at=ended,
    )
    session.add(member)
    session.flush()
    session.add(
        MemberCard(member_id=member.id, card_no=f"C{number}", status="active", issued_at=joined)
    )
    if rng.random() < 0.2:
        session.add(
            MemberCard(
                member_id=member.id,
                card_no=f"D{number}",
                status="active",
                issued_at=joined + (now - joined) * rng.random(),
            )
        )
    if pending:
        return member.id
    start = max(joined, now - 2 * 365 * DAY - 30 * DAY)
    credited = 0
    for _ in range(rng.choice((0, 0, 1, 2, 3, 5, 8))):
        at = start + (now - start) * rng.random()
        credited += purchase(session, rng, member.id, store_id, at)
    for kind, points in (("activity", 20), ("redemption", -50), ("expiry", -10)):
        if rng.random() < 0.25 and credited + points >= 0:  # no balance goes below zero
            credited += points
            at = start + (now - start) * rng.random()
            session.add(PointsEntry(member_id=member.id, kind=kind, points=points, occurred_at=at))
    return member.id


def purchase(session, rng: random.Random, member_id: int, store_id: int, at: datetime) -> int:
    """A purchase and its points credit; returns the points."""
    amount = Decimal(rng.randrange(100, 50000)).scaleb(-2)
    row = Purchase(
        member_id=member_id,
        store_id=store_id,
        amount=amount,
        occurred_at=at,
        points_earned=int(amount),
    )
    session.add(row)
    session.flush()
    session.add(
        PointsEntry(
            member_id=member_id,
            kind="purchase",
            points=int(amount),
            occurred_at=at,
            expires_at=at + 730 * DAY,
            purchase_id=row.id,
        )
    )
    return int(amount)


def add_complaints(wb, rng, count, member_ids, stores, staff) -> None:
    now = wb.clock.now()
    with wb.engine.begin() as connection:
        first = connection.execute(select(Complaint.id).order_by(Complaint.id.desc())).scalar()
        rows = []
        for n in range((first or 0) + 1, (first or 0) + 1 + count):
            received = now - timedelta(seconds=rng.randrange(2 * 365 * 86400))
            due = received + timedelta(hours=rng.choice((4, 24)))
            responded = received + timedelta(minutes=rng.randrange(1, 3000))
            closed = received + timedelta(minutes=rng.randrange(30, 20000))
            is_closed = closed < now and rng.random() < 0.8
            rows.append(
                {
                    "id": n,
                    "complaint_no": f"K{n:08d}",
                    "member_id": rng.choice([None, *member_ids[:15]]),
                    "channel": rng.choice(CHANNELS),
                    "category": rng.choice(CATEGORIES),
                    "priority": "normal",
                    "store_id": rng.choice([None, *stores]),
                    "description_enc": "-",
                    "state": "closed" if is_closed else "investigating",
                    "round": rng.choice((1, 1, 1, 2)),
                    "department": rng.choice(DEPARTMENTS),
                    "root_cause": rng.choice(CAUSES),
                    "handler_id": rng.choice([None, *staff]),
                    "received_at": received,
                    "received_by_id": rng.choice(staff),
                    "round_started_at": received,
                    "first_response_at": responded
                    if responded < now and rng.random() < 0.9
                    else None,
                    "first_response_due": due,
                    "closed_at": closed if is_closed else None,
                    "closed_reason": "no reply" if is_closed and rng.random() < 0.2 else None,
                    "satisfaction": rng.choice((None, 1, 2, 3, 4, 5, 5)) if is_closed else None,
                    "sla_paused_seconds": 0,
                    "escalation_level": 0,
                    "sla_breached": rng.random() < 0.2,
                }
            )
        connection.execute(insert(Complaint), rows)


def _calls(wb, rng: random.Random, member_ids: list[int], staff: list[int]) -> None:
    now = wb.clock.now()
    with wb.engine.begin() as connection:
        first = connection.execute(
            select(CallbackTask.id).order_by(CallbackTask.id.desc())
        ).scalar()
        tasks, attempts = [], []
        for n in range((first or 0) + 1, (first or 0) + 1 + len(member_ids) // 3):
            at = now - timedelta(seconds=rng.randrange(400 * 86400))
            tasks.append(
                {
                    "id": n,
                    "member_id": rng.choice(member_ids),
                    "reason": "satisfaction_check",
                    "priority": 0,
                    "earliest_at": at,
                    "latest_at": at + 3 * DAY,
                    "next_attempt_at": at,
                    "status": "done",
                    "attempts": 1,
                    "created_at": at,
                }
            )
            attempts.append(
                {
                    "task_id": n,
                    "staff_id": rng.choice(staff),
                    "at": at,
                    "outcome": rng.choice(("reached", "no_answer", "refused")),
                }
            )
        connection.execute(insert(CallbackTask), tasks)
        connection.execute(insert(CallbackAttempt), attempts)


def change(wb, rng: random.Random) -> dict[str, int]:
    """What happens between two refreshes, through the real services where there is one:
    returns of purchases, points expiry, terminations (points and goods settled, cards closed,
    personal data erased), erasure, new members, tier changes, new purchases."""
    done = dict.fromkeys(("returns", "expired", "terminated", "erased", "joined", "tiers"), 0)
    returns = PurchaseReturns(clock=wb.clock, ledger=wb.ledger)
    with wb.sessions() as session:
        purchases = list(session.scalars(select(Purchase).order_by(Purchase.id)))
        for n, bought in enumerate(rng.sample(purchases, min(8, len(purchases)))):
            part = (bought.amount * Decimal(rng.choice(("0.5", "1")))).quantize(Decimal("0.01"))
            returns.take(session, purchase=bought, amount=part, return_ref=f"RET{n}", staff_id=None)
            done["returns"] += 1
        session.commit()
    done["expired"] = wb.usecases.tiers.expire_points()
    with wb.sessions() as session:
        active = list(
            session.scalars(
                select(Member).where(Member.status == MemberStatus.ACTIVE).order_by(Member.id)
            )
        )
        for member in rng.sample(active, min(4, len(active))):
            wb.registry.terminate(
                session, member_no=member.member_no, reason="voluntary", actor=None
            )
            done["terminated"] += 1
        gone = list(session.scalars(select(Member).where(Member.status == MemberStatus.TERMINATED)))
        for member in rng.sample(gone, min(3, len(gone))):
            wb.registry.erase(session, member)
            done["erased"] += 1
        for member in rng.sample(active, min(5, len(active))):
            session.execute(update(Member).where(Member.id == member.id).values(tier_code="gold"))
            done["tiers"] += 1
        stores = list(session.scalars(select(Store.id)))
        now = wb.clock.now()
        for n in range(6):
            member_id = _member(
                session, rng, now, rng.choice(stores), f"N{rng.randrange(10**6):06d}{n}"
            )
            purchase(session, rng, member_id, stores[0], now - timedelta(hours=n + 1))
            done["joined"] += 1
        session.commit()
    return done
