"""`workbench members`, `tiers` and `points` against a real database, as an operator runs them."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import application
from tests.fixtures_world import CLI_PASSWORD
from workbench.audit.models import AuditEntry
from workbench.members.models import Staff


@pytest.fixture
def cli(run_cli, people):
    return run_cli


def test_find_by_phone_prints_a_masked_profile(cli, wb, active_member):
    member_no, app = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("88.80"), store_id=1)
        session.commit()
    code, out, _ = cli("members", "find", "--phone", app.phone)
    assert code == 0
    assert member_no in out and "王**" in out and "88" in out
    assert f"{app.phone[:3]}****{app.phone[-4:]}" in out
    for secret in (app.phone, app.id_number, app.name, app.email):
        assert secret not in out


def test_show_json_is_masked(cli, active_member):
    member_no, app = active_member
    code, _, err = cli("members", "show", member_no, "--json")
    assert code == 2 and "may not see member" in err  # an agent cannot browse by number
    code, out, _ = cli("members", "show", member_no, "--json", user="sales1")
    profile = json.loads(out)
    assert code == 0 and profile["member_no"] == member_no
    assert profile["fields"]["id_number"] == app.id_number[:4] + "*" * 10 + app.id_number[-4:]
    assert profile["card_status"] == "active" and profile["access_basis"] == "own_customer"
    assert app.id_number not in out


def test_reveal_prints_member_text_literally(cli, wb, people, clock):
    name = "[bold red]X[/] [link=http://x]y[/link]"
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=application(name=name), actor=people.sales)
        session.commit()
    code, out, _ = cli(
        "members", "reveal", member.member_no, "name", "--purpose", "identity check",
        "--note", "spelling", user="sales1",
    )  # fmt: skip
    assert code == 0 and name in out
    code, out, _ = cli("members", "show", member.member_no, user="sales1")
    assert code == 0 and name in out  # still revealed
    clock.advance(minutes=5)
    code, out, _ = cli("members", "show", member.member_no, user="sales1")
    assert code == 0 and "[***" in out and name not in out


def test_wrong_password_is_refused(cli, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PASSWORD", "wrong")  # the fixture reads it at each run
    code, _, err = cli("members", "find", "--phone", "13900000000")
    assert code == 2 and err.strip() == "error: wrong username or password"


def test_errors_are_one_clear_line(cli, people):
    code, _, err = cli("members", "find", "--phone", "12345")
    assert code == 2 and err.startswith("error: phone:") and "Traceback" not in err
    code, _, err = cli("members", "find", "--phone", "13900000000")
    assert code == 2 and "no member with that phone number" in err
    code, _, err = cli("members", "show", "M000000000")  # as for a member out of reach
    assert code == 2 and "you may not see member 'M000000000', or there is no such" in err
    code, _, err = cli("members", "find")
    assert code == 2 and "exactly one of --phone or --card" in err


def test_find_by_old_card_after_reissue(cli, wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        old = wb.registry.report_lost(session, member_no=member_no, actor=people.agent)
        wb.registry.reissue_card(session, member_no=member_no, actor=people.agent)
        session.commit()
    code, out, _ = cli("members", "find", "--card", old.card_no)
    assert code == 0 and member_no in out


def test_tiers_review_dry_run_writes_nothing(cli, wb, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("6000"), store_id=1)
        session.commit()
    code, out, _ = cli("tiers", "review", "--dry-run", user="supervisor1")
    assert code == 0 and "1 tier changes (dry run)" in out and "regular → silver: 1" in out
    with wb.sessions() as session:
        assert wb.registry.get(session, member_no).tier_code == "regular"
    code, out, _ = cli("tiers", "review", user="supervisor1")
    assert code == 0 and "applied 1 changes" in out
    with wb.sessions() as session:
        assert wb.registry.get(session, member_no).tier_code == "silver"
        event = wb.registry.events(session, member.id)[-1]
        assert event.kind == "tier_promoted" and event.staff_id == wb_staff_id(wb, "supervisor1")
        entry = _last_audit(session, "tier_review")
        assert entry.actor_id == event.staff_id and json.loads(entry.detail) == {"changes": 1}


def test_tiers_review_needs_a_signed_in_approver(cli, wb, active_member, monkeypatch):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("6000"), store_id=1)
        session.commit()
    code, _, err = cli("tiers", "review", user="agent1")
    assert code == 2 and "only admin, supervisor may run the tier review" in err
    monkeypatch.setenv("WORKBENCH_PASSWORD", "wrong")
    code, _, err = cli("tiers", "review", user="supervisor1")
    assert code == 2 and "wrong username or password" in err
    with wb.sessions() as session:
        assert wb.registry.get(session, member_no).tier_code == "regular"


def test_tiers_grant_is_approved_by_the_signed_in_person(
    cli, wb, people, active_member, monkeypatch
):
    member_no, _ = active_member
    grant = ("tiers", "grant", member_no, "platinum", "--reason", "partner")
    code, out, _ = cli("tiers", "show")
    assert code == 0 and "platinum" in out and "manual grant" in out
    code, _, err = cli(*grant, "--requested-by", "supervisor1", user="supervisor1")
    assert code == 2 and "second person" in err
    code, _, err = cli(*grant, "--requested-by", "sales1", user="agent1")
    assert code == 2 and "only admin, supervisor may approve" in err
    # Naming an approver is no longer possible: the approver is whoever signs in.
    code, _, _ = cli(*grant, "--requested-by", "agent1", "--approved-by", "supervisor1")
    assert code == 2
    monkeypatch.setenv("WORKBENCH_PASSWORD", "wrong")
    code, _, err = cli(*grant, "--requested-by", "agent1", user="supervisor1")
    assert code == 2 and "wrong username or password" in err
    with wb.sessions() as session:
        assert wb.registry.get(session, member_no).tier_code == "regular"
        assert _last_audit(session, "tier_grant") is None
    monkeypatch.setenv("WORKBENCH_PASSWORD", CLI_PASSWORD)
    code, out, _ = cli(*grant, "--requested-by", "agent1", user="supervisor1")
    assert code == 0 and "platinum until" in out
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        event = wb.registry.events(session, member.id)[-1]
        assert (event.kind, event.staff_id, event.approved_by_id) == (
            "tier_granted",
            people.agent.id,
            people.supervisor.id,
        )
        entry = _last_audit(session, "tier_grant")
        assert (entry.actor_id, entry.member_id, entry.result) == (
            people.supervisor.id,
            member.id,
            "ok",
        )
        detail = json.loads(entry.detail)
        assert detail["requested_by"] == people.agent.id and detail["to"] == "platinum"


def wb_staff_id(wb, username):
    with wb.sessions() as session:
        return session.scalar(select(Staff.id).where(Staff.username == username))


def _last_audit(session, action):
    return session.scalar(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    )


def test_points_commands(cli, wb, active_member):
    code, out, _ = cli("points", "expire")
    assert code == 0 and "0 points expired" in out
    code, out, _ = cli("points", "expiring", "--days", "30")
    assert code == 0 and "0 members" in out
