"""Campaigns: segments, daily capacity, idempotent materialisation, progress, and the CLI."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from tests.factories import application, fake_id_number
from workbench.callbacks import campaigns as campaigns_module
from workbench.callbacks.models import CallbackTask, Campaign
from workbench.complaints.service import ComplaintIntake
from workbench.errors import ValidationError
from workbench.members.models import Member
from workbench.permissions.access import AccessDenied


def _members(wb, world, n, **app):
    ids = []
    with wb.sessions() as session:
        for _ in range(n):
            member = wb.registry.apply(
                session,
                application=application(store_code="SH01", **app),
                actor=world.staff["sales_own"],
            )
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
            ids.append(member.id)
        session.commit()
    return ids


def _campaign(wb, world, segment, capacity=10, days=3):
    today = wb.clock.now().astimezone(wb.settings.timezone).date()
    return wb.campaigns.create(
        world.staff["supervisor"],
        name="回访",
        segment=segment,
        starts_on=today,
        ends_on=today + timedelta(days=days - 1),
        daily_capacity=capacity,
    )


def _tasks(wb, campaign_id):
    with wb.sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(CallbackTask)
            .where(CallbackTask.campaign_id == campaign_id)
        )


def test_segment_validation_and_roles(wb, world):
    for bad in (
        '{"tier": 3}',
        '{"colour": "red"}',
        "[]",
        "{}",
        "not json",
        '{"birthday_month": 13}',
        '{"store": "NOPE"}',
    ):
        with pytest.raises(ValidationError):
            _campaign(wb, world, bad)
    with pytest.raises(AccessDenied):
        wb.campaigns.create(
            world.staff["agent"],
            name="x",
            segment='{"tier": "gold"}',
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 3),
            daily_capacity=5,
        )


def test_capacity_per_day_and_idempotent_runs(wb, world, clock):
    _members(wb, world, 25)
    campaign = _campaign(wb, world, '{"store": "SH01"}', capacity=10)
    assert wb.campaigns.materialise(campaign.id) == 10
    assert wb.campaigns.materialise(campaign.id) == 0  # today's capacity is used
    assert _tasks(wb, campaign.id) == 10
    clock.advance(days=1)
    assert wb.campaigns.materialise_all() == 10
    clock.advance(days=1)
    assert wb.campaigns.materialise(campaign.id) == 6  # 26 members in all
    clock.advance(days=1)
    assert wb.campaigns.materialise(campaign.id) == 0
    assert wb.campaigns.progress(campaign.id).status == "finished"
    assert _tasks(wb, campaign.id) == 26


def test_segments_pick_the_right_members(wb, world, clock):
    buyers = _members(wb, world, 2)
    quiet = _members(wb, world, 1)
    with wb.sessions() as session:
        for member_id in buyers:
            member = session.get(Member, member_id)
            wb.ledger.record_purchase(session, member=member, amount=Decimal("100"), store_id=2)
        session.commit()
    no_purchase = _campaign(wb, world, '{"no_purchase_days": 30}', capacity=100)
    assert wb.campaigns.materialise(no_purchase.id) == 2
    assert _called(wb, no_purchase.id) == {world.member_id, *quiet}
    expiring_now = _campaign(wb, world, '{"points_expiring_days": 30}', capacity=100)
    assert wb.campaigns.materialise(expiring_now.id) == 0  # nothing expires for two years
    clock.advance(days=2 * 365 - 20)  # the buyers' points expire within 30 days
    expiring_later = _campaign(wb, world, '{"points_expiring_days": 30}', capacity=100)
    assert wb.campaigns.materialise(expiring_later.id) == 2
    assert _called(wb, expiring_later.id) == set(buyers)


def _called(wb, campaign_id) -> set[int]:
    with wb.sessions() as session:
        query = select(CallbackTask.member_id).where(CallbackTask.campaign_id == campaign_id)
        return set(session.scalars(query).all())


def test_paused_campaign_makes_nothing_and_progress_counts_outcomes(wb, world):
    _members(wb, world, 4)
    campaign = _campaign(wb, world, '{"store": "SH01"}', capacity=100)
    wb.campaigns.set_status(world.staff["supervisor"], campaign.id, "paused")
    assert wb.campaigns.materialise(campaign.id) == 0
    wb.campaigns.set_status(world.staff["supervisor"], campaign.id, "active")
    assert wb.campaigns.materialise(campaign.id) == 5
    agent = world.staff["agent"]
    for outcome in ("reached", "reached", "refused"):
        claim = wb.callbacks.claim_next(agent)
        wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome=outcome)
    progress = wb.campaigns.progress(campaign.id)
    assert (progress.tasks, progress.open, progress.done, progress.reached) == (5, 2, 3, 2)
    assert progress.reached_rate_pct == 66.7
    assert progress.outcomes == {"reached": 2, "refused": 1}


def test_campaign_cli(wb, world, run_cli):
    _members(wb, world, 2)

    def run(*args):
        return run_cli(*args, user="supervisor")

    code, out, _ = run(
        "campaigns",
        "create",
        "生日关怀",
        "--segment",
        '{"store": "SH01"}',
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-31",
        "--capacity",
        "2",
    )
    assert code == 0 and "campaign 1 created" in out
    code, out, _ = run("campaigns", "materialise")
    assert code == 0 and "2 callback tasks made" in out
    code, out, _ = run("campaigns", "show", "1")
    assert code == 0 and "tasks 2, open 2" in out and "made today 2/2" in out
    code, out, _ = run("campaigns", "pause", "1")
    assert code == 0
    code, out, _ = run("campaigns", "list")
    assert code == 0 and "paused" in out
    code, _, err = run(
        "campaigns",
        "create",
        "x",
        "--segment",
        "{}",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-01",
        "--capacity",
        "2",
    )
    assert code == 2 and err.startswith("error:")


def test_rerun_with_spare_capacity_makes_no_duplicates(wb, world):
    _members(wb, world, 25)
    campaign = _campaign(wb, world, '{"store": "SH01"}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 26  # every member, with 74 places to spare
    assert wb.campaigns.materialise(campaign.id) == 0
    assert wb.campaigns.materialise_all() == 0
    # Even with its cursor lost (as if a run had died before saving it), the open-task index
    # refuses a second task for the same member.
    with wb.sessions() as session:
        session.get(Campaign, campaign.id).cursor_member_id = 0
        session.commit()
    assert wb.campaigns.materialise(campaign.id) == 0
    with wb.sessions() as session:
        members = session.scalars(
            select(CallbackTask.member_id).where(CallbackTask.campaign_id == campaign.id)
        ).all()
    assert len(members) == len(set(members)) == 26
    assert wb.campaigns.progress(campaign.id).made_today == 26


def _born_in(wb, world, birthday, n):
    """n active members whose ID numbers say they were born on `birthday` (YYYYMMDD)."""
    ids = []
    with wb.sessions() as session:
        for _ in range(n):
            app = application(store_code="SH01", id_number=fake_id_number(birthday=birthday))
            member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
            ids.append(member.id)
        session.commit()
    return ids


def test_birthday_month_segment(wb, world):
    july = _born_in(wb, world, "19850712", 2)
    _born_in(wb, world, "19920101", 1)
    december = _born_in(wb, world, "19771231", 1)
    campaign = _campaign(wb, world, '{"birthday_month": 7}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 2
    assert _called(wb, campaign.id) == set(july)
    campaign = _campaign(wb, world, '{"birthday_month": 3}', capacity=100)
    wb.campaigns.materialise(campaign.id)
    assert _called(wb, campaign.id) == {world.member_id}  # the world's member: 15 March
    campaign = _campaign(wb, world, '{"birthday_month": 12, "store": "SH01"}', capacity=100)
    wb.campaigns.materialise(campaign.id)
    assert _called(wb, campaign.id) == set(december)


def test_complaint_closed_days_segment(wb, world, clock):
    long_ago, recent, still_open = _members(wb, world, 3)
    supervisor = world.staff["supervisor"]

    def complaint(member_id, close: bool):
        with wb.sessions() as session:
            member_no = session.get(Member, member_id).member_no
            c = wb.complaints.open(
                session,
                intake=ComplaintIntake(
                    channel="hotline", category="billing", description="扣费", member_no=member_no
                ),
                actor=world.staff["agent"],
            )
            if close:
                wb.complaints.close(
                    session,
                    complaint_no=c.complaint_no,
                    actor=supervisor,
                    reason="resolved by phone",
                )
            session.commit()

    complaint(long_ago, close=True)
    clock.advance(days=40)
    complaint(recent, close=True)
    complaint(still_open, close=False)
    clock.advance(days=5)
    campaign = _campaign(wb, world, '{"complaint_closed_days": 30}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 1
    assert _called(wb, campaign.id) == {recent}
    wider = _campaign(wb, world, '{"complaint_closed_days": 60}', capacity=100)
    wb.campaigns.materialise(wider.id)  # the recent one already has an open campaign task
    assert _called(wb, wider.id) == {long_ago}


def test_members_busy_with_another_campaign_do_not_stop_the_run(wb, world):
    _members(wb, world, 25)
    wb.campaigns.batch_size = 10
    first = _campaign(wb, world, '{"store": "SH01"}', capacity=12)
    assert wb.campaigns.materialise(first.id) == 12
    # The next campaign's first batch of 10 all hold an open campaign task: they are passed
    # over (not duplicated) and the run goes on to the members after them.
    second = _campaign(wb, world, '{"store": "SH01"}', capacity=100)
    seen = []
    assert wb.campaigns.materialise(second.id, lambda made, total: seen.append(made)) == 14
    assert seen[0] == 0 and _called(wb, second.id).isdisjoint(_called(wb, first.id))


def test_a_large_campaign_leaves_the_queue_analysed(wb, world, monkeypatch):
    """Where autovacuum has not run, a freshly loaded queue has no planner statistics and each
    claim would sort it all; a large materialisation analyses it (PostgreSQL only)."""
    monkeypatch.setattr(campaigns_module, "ANALYZE_AFTER", 5)
    _members(wb, world, 5)
    campaign = _campaign(wb, world, '{"store": "SH01"}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 6
    with wb.sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return
        reltuples = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = 'callback_task'")
        )
    assert reltuples >= 0  # -1 until the table is first analysed
