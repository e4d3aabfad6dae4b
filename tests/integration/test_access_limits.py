"""Hourly limits on look-ups and reveals (issue 15 item 7): the count in the database, the
refusal beyond it, the approval request, the supervisors' e-mail, the approval that raises the
limit for the rest of the hour, the audit; on SQLite and PostgreSQL, and under concurrency."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import START
from tests.factories import add_staff, callback_grant
from tests.fixtures_world import CLI_PASSWORD  # noqa: F401 (the passwords run_cli sets)
from tests.interleave import interleave
from workbench.audit.models import AuditEntry
from workbench.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from workbench.members.models import Role, Store
from workbench.messaging.models import OutboxMessage
from workbench.permissions.limits import AccessApproval, AccessLimitReached, LimitedAction
from workbench.settings import load_settings

REVEALS, LOOKUPS = 3, 2


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings(
        database_url=db_url,
        keys_file=str(tmp_path / "keys.json"),
        access_reveals_per_hour=REVEALS,
        access_lookups_per_hour=LOOKUPS,
    )


def _reveal(wb, world, who="agent"):
    return wb.access.reveal(world.staff[who], world.member_no, "phone", "回访")


def _emails(wb, staff_id):
    with wb.sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.staff_id == staff_id, OutboxMessage.template == "access_approval"
            )
        ).all()


def _audit(wb, action):
    with wb.sessions() as session:
        return session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        ).all()


def test_reveals_beyond_the_limit_need_a_supervisor(wb, world, clock):
    callback_grant(wb, world, "agent", minutes=180)
    admin, supervisor = world.staff["admin"], world.staff["supervisor"]
    wb.usecases.protection.set_email(admin, "supervisor", "supervisor@example.com")
    for _ in range(REVEALS):
        _reveal(wb, world)
    with pytest.raises(AccessLimitReached) as refused:
        _reveal(wb, world)
    message = str(refused.value)
    assert message.startswith("limit reached: a supervisor must approve further reveals")
    request_id = refused.value.request_id
    # Refused again: the same request, the supervisor told once.
    with pytest.raises(AccessLimitReached) as again:
        _reveal(wb, world)
    assert again.value.request_id == request_id
    emails = _emails(wb, supervisor.id)
    assert (
        len(emails) == 1 and emails[0].dedupe_key == f"access-approval:{request_id}:{supervisor.id}"
    )
    refusals = _audit(wb, "reveal_limit")
    assert [e.result for e in refusals] == ["refused", "refused"]
    assert all(e.actor_id == world.staff["agent"].id for e in refusals)
    # Look-ups are counted apart: still open.
    assert wb.access.lookup_by_phone(world.staff["agent"], world.app.phone, "service")

    access = wb.usecases.access
    pending = access.pending(supervisor)
    assert [(p.id, p.username, p.action, p.used) for p in pending] == [
        (request_id, "agent", "reveal", REVEALS)
    ]
    assert access.waiting(supervisor) == 1 and access.waiting(world.staff["agent"]) == 0
    with pytest.raises(PermissionDenied):
        access.pending(world.staff["agent"])
    with pytest.raises(PermissionDenied):
        access.approve(world.staff["agent"], request_id)

    approved = access.approve(supervisor, request_id)
    assert approved.status == "approved" and approved.decided_by == "supervisor (supervisor)"
    (entry,) = _audit(wb, "access_approval")
    assert entry.actor_id == supervisor.id and f'"request": {request_id}' in entry.detail
    assert access.pending(supervisor) == []
    with pytest.raises(InvalidState, match="already approved"):
        access.approve(supervisor, request_id)
    # Another hour's allowance, for the rest of this hour.
    for _ in range(REVEALS):
        _reveal(wb, world)
    with pytest.raises(AccessLimitReached) as third:
        _reveal(wb, world)
    assert third.value.request_id != request_id  # a new request: the first was decided
    assert [(u.action, u.used, u.allowance) for u in access.usage(world.staff["agent"])] == [
        ("lookup", 1, LOOKUPS),
        ("reveal", 2 * REVEALS, 2 * REVEALS),
    ]
    # The next hour starts afresh; the open request expired with its hour.
    clock.set(START + timedelta(hours=1))
    callback_grant(wb, world, "agent", minutes=180)
    assert _reveal(wb, world).value.endswith(world.app.phone)
    assert access.pending(supervisor) == []
    with pytest.raises(InvalidState, match="hour that has ended"):
        access.approve(supervisor, third.value.request_id)


def test_lookups_are_limited_and_misses_count(wb, world):
    agent = world.staff["agent"]
    assert wb.access.lookup_by_phone(agent, "13900000000", "service") is None  # a miss
    assert wb.access.lookup_by_phone(agent, world.app.phone, "service") is not None
    with pytest.raises(AccessLimitReached, match="further look-ups"):
        wb.access.lookup_by_phone(agent, world.app.phone, "service")
    (request,) = wb.usecases.access.pending(world.staff["supervisor"])
    assert request.action == "lookup" and request.used == LOOKUPS
    # Limits are per staff member: the supervisor searches freely.
    assert wb.access.lookup_by_phone(world.staff["supervisor"], world.app.phone, "service")


def test_only_a_supervisor_of_the_branch_or_head_office_approves(wb, world, clock):
    with wb.sessions() as session:
        bj = session.scalars(select(Store).where(Store.code == "BJ01")).one()
        branch_supervisor = add_staff(session, clock, "supervisor_bj", Role.SUPERVISOR, bj)
        session.commit()
    agent = world.staff["agent"]  # head office
    for phone in ("13900000001", "13900000002"):
        wb.access.lookup_by_phone(agent, phone, "service")
    with pytest.raises(AccessLimitReached) as refused:
        wb.access.lookup_by_phone(agent, "13900000003", "service")
    assert wb.usecases.access.pending(branch_supervisor) == []
    with pytest.raises(NotFound):
        wb.usecases.access.approve(branch_supervisor, refused.value.request_id)
    assert len(wb.usecases.access.pending(world.staff["supervisor"])) == 1


def test_a_supervisor_at_the_limit_needs_another_supervisor(wb, world):
    supervisor = world.staff["supervisor"]
    for phone in ("13900000001", "13900000002"):
        wb.access.lookup_by_phone(supervisor, phone, "service")
    with pytest.raises(AccessLimitReached) as refused:
        wb.access.lookup_by_phone(supervisor, "13900000003", "service")
    assert wb.usecases.access.pending(supervisor) == []
    with pytest.raises(NotFound):
        wb.usecases.access.approve(supervisor, refused.value.request_id)


def test_a_refused_reason_counts_nothing(wb, world):
    callback_grant(wb, world, "agent", minutes=180)
    for note in ("....", "call 138 0013 8000", "x@example.com"):
        with pytest.raises(ValidationError):
            wb.access.reveal(world.staff["agent"], world.member_no, "phone", "callback", note)
    with pytest.raises(ValidationError, match="purpose"):
        wb.access.reveal(world.staff["agent"], world.member_no, "phone", "abcd")
    usage = {u.action: u.used for u in wb.usecases.access.usage(world.staff["agent"])}
    assert usage["reveal"] == 0


def test_the_reason_is_recorded_with_its_purpose(wb, world):
    callback_grant(wb, world, "agent", minutes=180)
    wb.access.reveal(world.staff["agent"], world.member_no, "name", "回访", "会员要求核对姓名")
    entry = _audit(wb, "reveal")[-1]
    assert "回访: 会员要求核对姓名" in entry.detail


def test_the_last_reveal_is_taken_once_under_concurrency(wb, world):
    """The first transaction takes the last reveal of the hour and holds; the second waits (on
    PostgreSQL, on the counter row's lock; on SQLite, for the write lock) and, once the first
    commits, is refused."""
    callback_grant(wb, world, "agent", minutes=180)
    for _ in range(REVEALS - 1):
        _reveal(wb, world)
    agent = world.staff["agent"]
    seen = interleave(
        wb,
        first=lambda session: wb.access.limits.take(session, agent, LimitedAction.REVEAL),
        second=lambda: _reveal(wb, world),
    )
    assert seen.second_after_first
    assert isinstance(seen.second, AccessLimitReached), seen.second


def test_parallel_reveals_take_exactly_the_allowance(wb, world):
    callback_grant(wb, world, "agent", minutes=180)
    results: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def one() -> None:
        start.wait()
        try:
            outcome: object = _reveal(wb, world)
        except Exception as error:  # the refusal expected, or what went wrong instead
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [r for r in results if isinstance(r, AccessLimitReached)]
    shown = [r for r in results if not isinstance(r, Exception)]
    assert len(results) == 6 and len(shown) == REVEALS and len(refused) == 6 - REVEALS, results
    with wb.sessions() as session:
        assert len(session.scalars(select(AccessApproval)).all()) == 1  # one request, not three


# The CLI ---------------------------------------------------------------------------------------
@pytest.fixture
def cli(run_cli, world, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ACCESS_REVEALS_PER_HOUR", str(REVEALS))
    monkeypatch.setenv("WORKBENCH_ACCESS_LOOKUPS_PER_HOUR", str(LOOKUPS))
    return run_cli


def test_cli_reveal_limit_and_approval(cli, wb, world):
    callback_grant(wb, world, "agent", minutes=180)
    code, out, err = cli(
        "members", "reveal", world.member_no, "phone", "--purpose", "回访", user="agent"
    )
    assert code == 0, err
    assert world.app.phone in out
    code, _, err = cli(
        "members", "reveal", world.member_no, "phone", "--purpose", "callback",
        "--note", "caller gave 13800138000", user="agent",
    )  # fmt: skip
    assert code != 0 and "phone number" in err and "13800138000" not in err
    code, _, err = cli(
        "members", "reveal", world.member_no, "phone", "--purpose", "abcd", user="agent"
    )
    assert code != 0 and "choose one of the configured purposes" in err
    for _ in range(REVEALS - 1):
        code, _, err = cli(
            "members", "reveal", world.member_no, "name", "--purpose", "identity check",
            user="agent",
        )  # fmt: skip
        assert code == 0, err
    code, out, err = cli(
        "members", "reveal", world.member_no, "name", "--purpose", "identity check", user="agent"
    )
    assert code != 0 and "limit reached: a supervisor must approve further reveals" in err
    assert world.app.name not in out

    code, out, err = cli("access", "approvals", user="supervisor")
    assert code == 0, err
    assert "agent" in out and "reveal" in out
    (request,) = wb.usecases.access.pending(world.staff["supervisor"])
    code, _, err = cli("access", "approve", str(request.id), user="agent")
    assert code != 0 and "may not" in err
    code, out, err = cli("access", "approve", str(request.id), user="supervisor")
    assert code == 0 and f"approved request {request.id}" in out, err
    code, out, err = cli(
        "members", "reveal", world.member_no, "name", "--purpose", "identity check", user="agent"
    )
    assert code == 0 and world.app.name in out, err
    code, out, _ = cli("access", "usage", user="agent")
    assert code == 0 and f"reveal: {REVEALS + 1} of {2 * REVEALS} this hour" in out
    code, out, _ = cli("access", "approvals", user="supervisor")
    assert code == 0 and "no approval requests waiting" in out
