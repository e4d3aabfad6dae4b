"""`workbench demo`'s two-stage seed (issue 21 goal 7): the bulk first stage and the background
second stage together give the demo data the shape `seed` gives in one go, on both backends,
and the second stage resumes after an interruption without doing anything twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workbench.callbacks.models import CallbackTask, Campaign
from workbench.complaints.models import Complaint
from workbench.demo.seed import finish_demo, seed_essentials
from workbench.errors import WorkbenchError
from workbench.members.models import (
    Member,
    MemberCard,
    MemberStatus,
    PointsBalance,
    PointsEntry,
    Purchase,
    Staff,
    Store,
)

MEMBERS, STORES, SEED = 250, 3, 5


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def first(wb):
    return seed_essentials(wb, members=MEMBERS, stores=STORES, random_seed=SEED, complaints=20)


def test_the_first_stage_holds_everyone_who_signs_in_and_every_member(wb, first):
    assert first.stores == STORES + 1 and sum(first.members.values()) == MEMBERS
    assert first.members["active"] > 200 and first.complaints == 20  # still to come
    assert first.purchases > MEMBERS and first.points_entries > MEMBERS
    assert first.cards == first.members["active"] + first.members.get("terminated", 0) + (
        first.lost_cards
    )
    with wb.sessions() as session:
        assert _count(session, Store) == first.stores
        assert _count(session, Staff) == first.staff == len(first.logins)
        assert _count(session, Complaint) == 0 and _count(session, Campaign) == 0
        found = 0
        for phone in first.sample_phones[:40]:  # the hotline's search works right away
            member = wb.registry.find_by_phone(session, phone)
            if member is not None:
                found += 1
                assert wb.registry.decrypt(member, ("phone",))["phone"] == "+86" + phone
        assert found >= 35
    with pytest.raises(WorkbenchError, match="already has members"):
        seed_essentials(wb, members=10, stores=1)


def test_both_stages_give_the_shape_of_the_one_go_seed(wb, first):
    done = finish_demo(wb, members=0, stores=0, random_seed=SEED, complaints=20)
    assert done.complaints == 20 and done.callback_tasks > 0
    assert sum(done.members.values()) == MEMBERS and done.purchases == first.purchases
    with wb.sessions() as session:
        states = set(session.scalars(select(Complaint.state)).all())
        assert "closed" in states and len(states) >= 2
        assert _count(session, Campaign) == 1 and _count(session, CallbackTask) > 0
        # The ledger: nobody below zero, and every stored balance is its lines' sum.
        sums = dict(
            session.execute(
                select(PointsEntry.member_id, func.sum(PointsEntry.points)).group_by(
                    PointsEntry.member_id
                )
            ).all()
        )
        assert all(total >= 0 for total in sums.values())
        for row in session.scalars(select(PointsBalance)):
            assert row.balance == sums.get(row.member_id, 0)
        erased = session.scalars(select(Member).where(Member.status == MemberStatus.TERMINATED))
        assert all(m.name_enc is None and m.phone_bidx is None for m in erased)
        assert _count(session, Purchase) == first.purchases
        assert _count(session, MemberCard) == first.cards


def test_the_second_stage_resumes_and_does_nothing_twice(wb, first):
    part = finish_demo(wb, members=0, stores=0, random_seed=SEED, complaints=8)
    assert part.complaints == 8
    again = finish_demo(wb, members=0, stores=0, random_seed=SEED, complaints=20)
    assert again.complaints == 20  # the twelve that were missing
    tasks = again.callback_tasks
    last = finish_demo(wb, members=0, stores=0, random_seed=SEED, complaints=20)
    assert last.complaints == 20 and last.callback_tasks == tasks
    with wb.sessions() as session:
        assert _count(session, Campaign) == 1


def test_the_second_stage_on_an_empty_database_does_nothing(wb):
    summary = finish_demo(wb, members=0, stores=0, random_seed=SEED, complaints=20)
    assert summary.complaints == 0 and summary.members == {}
