"""A supervisor's adjustment of a member's points (issue 23): either way, with a reason,
through the member's ledger lock, recorded in the ledger, the member's history and the audit
log; `workbench points adjust` runs it."""

import json

import pytest
from sqlalchemy import select

from workbench.audit.models import AuditEntry
from workbench.errors import InsufficientPoints, MemberNotActive, PermissionDenied, ValidationError
from workbench.members.models import MemberEvent, PointsKind


def _credit(wb, member_no, points):
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.credit(session, member_id=member.id, kind=PointsKind.ACTIVITY, points=points)
        session.commit()
        return member.id


def test_a_supervisor_adjusts_either_way_with_a_reason(wb, people, active_member):
    member_no, _ = active_member
    member_id = _credit(wb, member_no, 1000)
    tiers = wb.usecases.tiers
    added = tiers.adjust_points(people.supervisor, member_no, 250, "  till was offline  ")
    assert (added.member_no, added.points, added.reason, added.balance) == (
        member_no,
        250,
        "till was offline",
        1250,
    )
    taken = tiers.adjust_points(people.admin, member_no, -1250, "duplicate order")
    assert taken.balance == 0
    with wb.sessions() as session:
        lines = [(e.kind, e.points, e.detail) for e in wb.ledger.history(session, member_id)]
        assert lines[:2] == [
            (PointsKind.ADJUSTMENT, -1250, "duplicate order"),
            (PointsKind.ADJUSTMENT, 250, "till was offline"),
        ]
        assert wb.ledger.stored_balance(session, member_id) == 0
        audits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "points_adjustment")
        ).all()
        assert [(a.actor_id, a.member_id, json.loads(a.detail)["points"]) for a in audits] == [
            (people.supervisor.id, member_id, 250),
            (people.admin.id, member_id, -1250),
        ]
        events = session.scalars(
            select(MemberEvent).where(MemberEvent.kind == "points_adjusted")
        ).all()
        assert [json.loads(e.detail)["reason"] for e in events] == [
            "till was offline",
            "duplicate order",
        ]


def test_who_may_adjust_and_what_is_refused(wb, people, active_member):
    member_no, _ = active_member
    member_id = _credit(wb, member_no, 300)
    tiers = wb.usecases.tiers
    with pytest.raises(PermissionDenied, match="adjust a member's points"):
        tiers.adjust_points(people.agent, member_no, 100, "asked nicely")
    with pytest.raises(ValidationError, match="say why"):
        tiers.adjust_points(people.supervisor, member_no, 100, "   ")
    with pytest.raises(ValidationError, match="other than 0"):
        tiers.adjust_points(people.supervisor, member_no, 0, "nothing")
    with pytest.raises(InsufficientPoints, match="takes 400 points; the balance is 300"):
        tiers.adjust_points(people.supervisor, member_no, -400, "too much")
    with wb.sessions() as session:
        wb.registry.terminate(session, member_no=member_no, reason="voluntary", actor=people.agent)
        session.commit()
    with pytest.raises(MemberNotActive, match="terminated"):
        tiers.adjust_points(people.supervisor, member_no, 100, "after the end")
    with wb.sessions() as session:
        kinds = [e.kind for e in wb.ledger.history(session, member_id)]
        assert PointsKind.ADJUSTMENT not in kinds
        assert wb.ledger.stored_balance(session, member_id) == 0


def test_points_adjust_command(run_cli, wb, people, active_member):
    member_no, _ = active_member
    _credit(wb, member_no, 1000)
    code, out, _ = run_cli(
        "points", "adjust", member_no, "-300", "--reason", "wrong gift", user="supervisor1"
    )
    assert code == 0
    assert f"{member_no}: -300 points (wrong gift); balance 700" in out
    code, out, _ = run_cli(
        "points", "adjust", member_no, "50", "--reason", "goodwill", user="admin"
    )
    assert code == 0 and "+50 points (goodwill); balance 750" in out
    code, _, err = run_cli("points", "adjust", member_no, "50", "--reason", "mine")
    assert code != 0 and "may adjust a member's points" in err
