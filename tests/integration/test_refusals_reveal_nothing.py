"""Refusals reveal nothing (issue 15, item 2) and out-of-range dates are clear errors (item 8).

A refusal for a reader out of scope, or one who sees aggregates only, reads the same for a
member, for another store's member and for no member at all; a duplicate phone or ID number is
refused without naming the member who holds it, and the attempt is audited; a locked account
signs in with the same answer as an unknown one. Each through the CLI as staff run it, and
through the use cases the TUI calls.
"""

import json

import pytest
from sqlalchemy import select

from tests.factories import application, fake_phone
from tests.fixtures_world import CLI_PASSWORD
from workbench.audit.models import AuditEntry
from workbench.complaints.service import ComplaintIntake
from workbench.errors import DuplicateMember, NotFound, WorkbenchError
from workbench.permissions.access import AccessDenied
from workbench.permissions.auth import SignInRefused
from workbench.usecases.applications import ApplicationInput

UNKNOWN_MEMBER = "M000000001"
UNKNOWN_COMPLAINT = "C00000000001"
MERGE = "already in use by another member — customer service can merge"


@pytest.fixture
def members(wb, world):
    """The world's SH01 member, a member of the other store (BJ01), and their cards."""
    with wb.sessions() as session:
        other = wb.registry.apply(
            session, application=application(store_code="BJ01"), actor=world.staff["agent"]
        )
        wb.registry.approve(session, member_no=other.member_no, actor=world.staff["agent"])
        own = wb.registry.get(session, world.member_no)
        cards = {
            "own": wb.registry.current_card(session, own.id).card_no,
            "other": wb.registry.current_card(session, other.id).card_no,
        }
        session.commit()
        return {
            "own": world.member_no,
            "other": other.member_no,
            "other_id": other.id,
            "other_phone": wb.registry.decrypt(other, ("phone",))["phone"],
            "other_id_number": wb.registry.decrypt(other, ("id_number",))["id_number"],
            "cards": cards,
        }


def _refusal(run, *args, user, reference=None):
    """The command's answer, exit code and stderr, with the reference given replaced, so two
    refusals compare as the person reads them."""
    code, out, err = run(*args, user=user)
    assert "Traceback" not in err and "something went wrong" not in err
    text = err if reference is None else err.replace(reference, "<ref>")
    return code, out, text


def _audit(wb, action):
    with wb.sessions() as session:
        return session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        ).all()


# Look-ups and reads of members --------------------------------------------------------------
def test_an_analyst_gets_the_same_answer_for_a_members_phone_and_anyone_elses(
    run_cli, world, members
):
    member_phone = world.app.phone
    answers = {
        _refusal(run_cli, "members", "find", "--phone", phone, user="analyst")
        for phone in (member_phone, members["other_phone"], fake_phone())
    }
    assert len(answers) == 1
    code, _, err = answers.pop()
    assert code == 2 and "aggregates only" in err
    assert world.member_no not in err and members["other"] not in err
    cards = {
        _refusal(run_cli, "members", "find", "--card", card, user="analyst")
        for card in (*members["cards"].values(), "9999999999")
    }
    assert len(cards) == 1


@pytest.mark.parametrize("user", ["analyst", "manager_bj", "sales_other", "agent_bj"])
def test_show_and_reveal_read_the_same_for_a_member_and_for_no_member(
    run_cli, world, members, user
):
    """Out of scope (another store, another sales person's customer) or aggregates only: the
    same words for the SH01 member, and for a number nobody has."""
    for command in (
        ("members", "show"),
        ("members", "reveal"),
        ("members", "change"),
    ):
        answers = set()
        for number in (members["own"], UNKNOWN_MEMBER):
            extra = {
                "show": (),
                "reveal": ("name", "--purpose", "identity check"),
                "change": ("address", "上海市", "--reason", "moved"),
            }[command[1]]
            answers.add(_refusal(run_cli, *command, number, *extra, user=user, reference=number))
        assert len(answers) == 1, (command, answers)
        code, _, err = answers.pop()
        assert code == 2 and err.startswith("error:"), (command, err)


def test_a_branch_agent_finds_another_stores_member_as_no_member(run_cli, world, members):
    answers = {
        _refusal(run_cli, "members", "find", "--phone", phone, user="agent_bj")
        for phone in (world.app.phone, fake_phone())
    }
    assert len(answers) == 1
    code, _, err = answers.pop()
    assert code == 2 and "no member with that phone number" in err
    # and their own store's member is found: the refusal above is the scope, not a failure
    code, out, _ = run_cli("members", "find", "--phone", members["other_phone"], user="agent_bj")
    assert code == 0 and members["other"] in out


def test_the_access_layer_refuses_unknown_and_unseen_members_alike(wb, world, members):
    """What the TUI's profile screen calls: view, view by id and reveal."""
    desk, outsider = wb.usecases.members, world.staff["manager_other"]
    seen = []
    for number in (members["own"], UNKNOWN_MEMBER):
        with pytest.raises(AccessDenied) as refused:
            desk.view(outsider, number)
        assert isinstance(refused.value, NotFound)  # either handler catches it
        seen.append(str(refused.value).replace(number, "<ref>"))
    assert seen[0] == seen[1] == "you may not see member '<ref>', or there is no such member"
    by_id = []
    for member_id in (world.member_id, 987654):
        with pytest.raises(AccessDenied) as refused:
            desk.view_by_id(outsider, member_id)
        by_id.append(str(refused.value))
    assert by_id[0] == by_id[1]
    # The refusals are audited, the real member's with its id.
    denied = [e for e in _audit(wb, "view") if e.result == "denied"]
    assert [e.member_id for e in denied] == [world.member_id, None, world.member_id, None]


def test_a_role_that_may_not_share_is_refused_alike(wb, world, members):
    answers = []
    for number in (members["own"], UNKNOWN_MEMBER):
        with pytest.raises(AccessDenied) as refused:
            wb.sharing.share_with_third_party(
                world.staff["sales_own"],
                member_no=number,
                partner="某保险公司",
                agreement_ref="A-1",
                fields=["name"],
                kind="partner_offers",
            )
        answers.append(str(refused.value))
    assert answers[0] == answers[1]


# Duplicate phone and ID numbers ----------------------------------------------------------------
def test_a_change_to_another_members_phone_is_refused_without_naming_them_and_audited(
    run_cli, wb, world, members
):
    for field, value in (
        ("phone", members["other_phone"]),
        ("id_number", members["other_id_number"]),
    ):
        code, out, err = run_cli(
            "members", "change", members["own"], field, value, "--reason", "typo", user="sales_own"
        )
        assert code == 2 and MERGE in err, err
        assert members["other"] not in out + err
    refused = _audit(wb, "duplicate_refused")
    assert [(e.member_id, e.result) for e in refused] == [(members["other_id"], "denied")] * 2
    assert all(e.actor_id == world.staff["sales_own"].id for e in refused)
    assert [json.loads(e.detail) for e in refused] == [
        {"field": "phone", "while": "change_request"},
        {"field": "id_number", "while": "change_request"},
    ]


def test_an_application_with_another_members_numbers_is_refused_alike_and_audited(
    wb, world, members
):
    given = dict(name="李雷", store_code="SH01", channel="store")
    attempts = (
        ApplicationInput(phone=members["other_phone"], id_number=application().id_number, **given),
        ApplicationInput(phone=application().phone, id_number=members["other_id_number"], **given),
    )
    for attempt in attempts:
        with pytest.raises(DuplicateMember) as refused:
            wb.usecases.applications.submit(world.staff["sales_own"], attempt)
        assert MERGE in str(refused.value) and members["other"] not in str(refused.value)
    refused_rows = _audit(wb, "duplicate_refused")
    assert [e.member_id for e in refused_rows] == [members["other_id"]] * 2
    assert all(e.actor_id == world.staff["sales_own"].id for e in refused_rows)


def test_approving_a_change_that_became_a_duplicate_is_refused_and_audited(wb, world, members):
    phone = fake_phone()
    change = wb.usecases.members.request_change(
        world.staff["sales_own"], members["own"], "phone", phone, "new number"
    )
    with wb.sessions() as session:  # meanwhile the other member takes that number
        other = wb.registry.get(session, members["other"])
        other.phone_enc = wb.registry.cipher.encrypt("phone", "+86" + phone)
        other.phone_bidx = wb.registry.phone_bidx("+86" + phone)
        session.commit()
    with pytest.raises(DuplicateMember) as refused:
        wb.usecases.members.decide_change(world.staff["manager_own"], change.id, approve=True)
    assert MERGE in str(refused.value) and members["other"] not in str(refused.value)
    (row,) = _audit(wb, "duplicate_refused")
    assert row.member_id == members["other_id"] and row.actor_id == world.staff["manager_own"].id


# Complaints ----------------------------------------------------------------------------------
@pytest.fixture
def complaint_no(wb, world):
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="service_attitude",
                description="店员态度恶劣",
                member_no=world.member_no,
            ),
            actor=world.staff["agent"],
        )
        session.commit()
        return complaint.complaint_no


@pytest.mark.parametrize("user", ["manager_bj", "analyst", "sales_other", "agent_bj"])
def test_complaints_show_out_of_scope_reads_as_an_unknown_complaint(
    run_cli, world, complaint_no, user
):
    known = _refusal(run_cli, "complaints", "show", complaint_no, user=user, reference=complaint_no)
    unknown = _refusal(
        run_cli, "complaints", "show", UNKNOWN_COMPLAINT, user=user, reference=UNKNOWN_COMPLAINT
    )
    assert known == unknown
    code, out, err = known
    assert code == 2 and "no complaint '<ref>'" in err and out == ""


@pytest.mark.parametrize("user", ["manager_own", "sales_own", "agent", "supervisor"])
def test_complaints_show_in_scope_still_shows_it(run_cli, complaint_no, user):
    code, out, _ = run_cli("complaints", "show", complaint_no, user=user)
    assert code == 0 and complaint_no in out


def test_the_complaint_desk_refuses_reads_and_steps_out_of_scope(wb, world, complaint_no):
    desk, outsider = wb.usecases.complaints, world.staff["manager_other"]
    messages = []
    for number in (complaint_no, UNKNOWN_COMPLAINT):
        with pytest.raises(NotFound) as refused:
            desk.card(outsider, number)
        messages.append(str(refused.value).replace(number, "<ref>"))
        with pytest.raises(NotFound) as stepped:
            desk.take_step(outsider, number, "investigate", {})
        messages.append(str(stepped.value).replace(number, "<ref>"))
    assert len(set(messages)) == 1
    assert desk.card(world.staff["manager_own"], complaint_no).complaint_no == complaint_no


# Sign-in -------------------------------------------------------------------------------------
def test_a_locked_account_signs_in_with_the_same_answer_as_an_unknown_one(
    run_cli, wb, world, clock
):
    run_cli("members", "find", "--phone", fake_phone(), user="agent")  # sets every password
    desk = wb.usecases.sign_in
    answers = set()
    for _ in range(5):  # the fifth wrong password locks the account
        with pytest.raises(SignInRefused) as refused:
            desk.sign_in("agent", "wrong password")
        answers.add(str(refused.value))
    with pytest.raises(SignInRefused) as locked:
        desk.sign_in("agent", CLI_PASSWORD)  # the right password, locked all the same
    answers.add(str(locked.value))
    with pytest.raises(SignInRefused) as unknown:
        desk.sign_in("nobody", CLI_PASSWORD)
    answers.add(str(unknown.value))
    assert answers == {"wrong username or password"}
    whys = [e.detail for e in _audit(wb, "sign_in") if e.result == "denied"]
    assert any("locked after failures" in why for why in whys)
    assert any('"locked"' in why for why in whys)  # the lockout is still recorded as one
    code, _, err = run_cli("members", "find", "--phone", fake_phone(), user="agent")
    assert code == 2 and err.strip() == "error: wrong username or password"
    clock.advance(minutes=16)  # the lockout ends as before
    assert desk.sign_in("agent", CLI_PASSWORD).staff.username == "agent"


# Out-of-range dates and numbers ----------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("report", "complaints", "--from", "0001-01-01"),
        ("report", "complaints", "--to", "0001-01-02"),
        ("report", "complaints", "--from", "9999-12-30", "--to", "9999-12-31"),
        ("report", "complaints", "--to", "9999-12-31"),
        ("report", "members", "--from", "0001-01-01"),
        ("report", "kpis", "--to", "9999-12-31"),
        ("report", "complaints", "--from", "2026-02-30"),
    ],
)
def test_out_of_range_report_dates_are_clear_errors(run_cli, world, args):
    code, _, err = run_cli(*args, user="supervisor")
    assert code == 2, err
    assert err.startswith("error: from:") or err.startswith("error: to:"), err
    assert "Traceback" not in err and "something went wrong" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("outbox", "retry", "--failed", "--since", "99999999999d"),
        ("outbox", "retry", "--failed", "--since", "0001-01-01"),
        (
            "grants",
            "create",
            "M000000001",
            "--to",
            "agent",
            "--reason",
            "x",
            "--start",
            "9999-12-31T23:59",
        ),
        (
            "grants",
            "create",
            "M000000001",
            "--to",
            "agent",
            "--reason",
            "x",
            "--start",
            "0001-01-01T00:00",
        ),
        (
            "campaigns",
            "create",
            "spring",
            "--segment",
            "{}",
            "--from",
            "0001-01-01",
            "--to",
            "0001-01-02",
            "--capacity",
            "10",
        ),
        (
            "campaigns",
            "create",
            "spring",
            "--segment",
            "{}",
            "--from",
            "9999-12-30",
            "--to",
            "9999-12-31",
            "--capacity",
            "10",
        ),
    ],
)
def test_out_of_range_dates_elsewhere_are_clear_errors(run_cli, world, args):
    code, _, err = run_cli(*args, user="admin")
    assert code == 2, err
    assert err.startswith("error:") and "Traceback" not in err
    assert "something went wrong" not in err, err


def test_refusals_are_typed_errors(wb, world):
    """Nothing above escapes as anything but a WorkbenchError (the CLI's exit 2)."""
    with pytest.raises(WorkbenchError):
        wb.usecases.statistics.period_between("0001-01-01", None)
    with pytest.raises(WorkbenchError):
        wb.usecases.statistics.last_months(10**9)
