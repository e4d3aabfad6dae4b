"""Member activities on both backends with a fixed clock: the whole life of one activity (plan,
approval, changes after it, invitations by tier through the outbox, priority sign-up, the
waitlist filling a freed place, the cut-off, reminders, check-in with its points once,
closing with the no-shows), and the rules around it: eligibility, scope, SMS sign-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.activities_scene import build_scene, local, plan
from workbench.activities.models import Activity, ActivityInvitation
from workbench.activities.service import NotEligible, SignupClosed, UnknownActivity
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.members.models import Member, PointsEntry, PointsKind
from workbench.messaging.models import OutboxMessage
from workbench.usecases.activities import PlanForm
from workbench.usecases.member_refs import UnknownMember


@pytest.fixture
def scene(wb, clock):
    return build_scene(wb, clock)


def _messages(wb, member_id: int, template: str) -> list[OutboxMessage]:
    with wb.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.member_id == member_id, OutboxMessage.template == template
                )
            )
        )


def _approved(wb, scene, **overrides: str) -> str:
    desk = wb.usecases.activities
    code = desk.create(scene.staff["marketing"], plan(**overrides)).line.code
    desk.submit(scene.staff["marketing"], code)
    desk.approve(scene.staff["supervisor"], code)
    return code


def test_the_whole_life_of_an_activity(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    detail = desk.create(s["marketing"], plan())
    code = detail.line.code
    assert (detail.line.state, detail.line.store_code, detail.line.capacity) == ("draft", "SH01", 2)
    assert detail.priority_tiers == ("silver", "gold", "platinum")

    # Before approval nothing goes out, and nobody signs up.
    with pytest.raises(InvalidState, match="approved"):
        desk.invite(s["marketing"], code)
    desk.edit(s["marketing"], code, PlanForm(theme="春季新品品鉴会（上海）"))
    desk.submit(s["marketing"], code)
    with pytest.raises(PermissionDenied):
        desk.approve(s["marketing"], code)  # marketing plans; managers approve
    approved = desk.approve(s["supervisor"], code)
    assert approved.line.state == "approved" and approved.approved_by.startswith("supervisor")

    # A change after approval is recorded: who, what, old → new.
    changed = desk.edit(s["marketing"], code, PlanForm(budget="9000.50"))
    last = changed.changes[-1]
    assert (last.field, last.old, last.new, last.after_approval) == (
        "budget",
        "8000.00",
        "9000.50",
        True,
    )
    assert not changed.changes[0].after_approval  # the theme, changed in draft

    # Invitations: every active member of every tier (no tier limit), priority tiers first.
    invited = desk.invite(s["marketing"], code)
    assert invited.written == 6 and invited.invitations == 6
    assert invited.messages == 5 and invited.skipped == 1  # optout: opted out of SMS
    assert invited.reasons == {"opted out of sms": 1}
    silver_sms = _messages(wb, m["silver"].member_id, "activity_invitation")
    regular_sms = _messages(wb, m["regular"].member_id, "activity_invitation")
    assert len(silver_sms) == 1 and len(regular_sms) == 1
    assert silver_sms[0].next_attempt_at <= clock.now()  # priority: now (09:00, no quiet hours)
    assert regular_sms[0].next_attempt_at == local("2026-03-08 10:00")  # when theirs opens
    assert silver_sms[0].id < regular_sms[0].id  # queued first
    with wb.sessions() as session:  # every invitation is a communication record on the member
        log = wb.outbox.log(session, m["gold"].member_id)
        assert "activity_invitation" in {
            entry.template for entry in log
        }  # same clock tick: order ties
    body = wb.outbox.decrypt_body(silver_sms[0])["body"]
    assert code in body and "春季新品品鉴会（上海）" in body
    again = desk.invite(s["marketing"], code)
    assert (again.written, again.messages) == (0, 0)  # invited once

    # Priority window: silver first; a regular member waits for everyone's window.
    with pytest.raises(SignupClosed, match="opens"):
        desk.sign_up(s["agent"], code, m["silver"].member_no)
    clock.set(local("2026-03-05 10:00"))
    first = desk.sign_up(s["agent"], code, m["silver"].member_no)
    assert (first.status, first.already) == ("confirmed", False)
    with pytest.raises(SignupClosed, match="opens at 2026-03-08"):
        desk.sign_up(s["sales_sh"], code, m["regular"].member_no)
    clock.set(local("2026-03-08 10:00"))
    second = desk.sign_up(s["sales_sh"], code, m["regular"].card_no)
    third = desk.sign_up(s["agent"], code, m["gold"].member_no)
    assert second.status == "confirmed"
    assert (third.status, third.waitlist_position) == ("waitlisted", 1)
    fourth = desk.sign_up(s["agent"], code, m["regular2"].member_no)
    assert fourth.waitlist_position == 2
    assert desk.sign_up(s["agent"], code, m["gold"].member_no).already
    assert _messages(wb, m["gold"].member_id, "activity_signup")  # told they wait

    # A cancellation frees a place: the waitlist's first gets it and is told.
    clock.advance(hours=1)
    desk.cancel_signup(s["agent"], code, m["regular"].member_no)
    waiting = desk.waitlist(s["agent"], code)
    assert [w.member.member_no for w in waiting] == [m["regular2"].member_no]
    people = desk.participants(s["agent"], code)
    assert [(p.member.member_no, p.status) for p in people][:2] == [
        (m["silver"].member_no, "confirmed"),
        (m["gold"].member_no, "confirmed"),
    ]
    assert all("*" in p.member.masked_name for p in people)  # masked as in every list
    told = _messages(wb, m["gold"].member_id, "activity_signup")
    assert len(told) == 2  # waitlisted, then given the place

    # The cut-off: no cancellation after it.
    clock.set(local("2026-03-19 10:30"))
    with pytest.raises(InvalidState, match="closed at 2026-03-18 20:00"):
        desk.cancel_signup(s["agent"], code, m["gold"].member_no)

    # Reminders the day before, once.
    assert desk.send_reminders() == 2
    assert desk.send_reminders() == 0
    assert len(_messages(wb, m["silver"].member_id, "activity_reminder")) == 1

    # Check-in by card or member number: the points once.
    clock.set(local("2026-03-20 13:30"))
    checked = desk.check_in(s["sales_sh"], code, m["silver"].card_no)
    assert (checked.already, checked.points) == (False, 200)
    repeated = desk.check_in(s["manager_sh"], code, m["silver"].member_no)
    assert (repeated.already, repeated.points) == (True, 0)
    with pytest.raises(InvalidState, match="waitlist"):
        desk.check_in(s["sales_sh"], code, m["regular2"].member_no)
    with pytest.raises(InvalidState, match="not signed up"):
        desk.check_in(s["sales_sh"], code, m["regular"].member_no)  # cancelled
    assert desk.show(s["marketing"], code).line.state == "running"

    # Closing: only after the end; the confirmed member who did not come is a no-show.
    with pytest.raises(InvalidState, match="close it after"):
        desk.close(s["marketing"], code)
    clock.set(local("2026-03-20 17:30"))
    closed = desk.close(s["marketing"], code)
    assert (closed.checked_in, closed.no_shows) == (1, 1)
    final = desk.show(s["marketing"], code)
    counts = final.counts
    assert final.line.state == "done"
    assert (counts.invited, counts.invited_priority, counts.invitations_skipped) == (6, 4, 1)
    assert (counts.confirmed, counts.waitlisted, counts.cancelled) == (2, 1, 1)
    assert (counts.checked_in, counts.no_shows, counts.points_credited) == (1, 1, 200)
    with pytest.raises(InvalidState):
        desk.edit(s["marketing"], code, PlanForm(capacity="3"))


def test_points_are_credited_once_however_often_a_member_checks_in(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene)
    clock.set(local("2026-03-05 10:00"))
    desk.sign_up(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 14:10"))
    results = [
        desk.check_in(s["sales_sh"], code, ref)
        for ref in (m["gold"].card_no, m["gold"].card_no, m["gold"].member_no)
    ]
    assert [r.points for r in results] == [200, 0, 0]
    assert [r.already for r in results] == [False, True, True]
    with wb.sessions() as session:
        lines = session.scalars(
            select(PointsEntry).where(
                PointsEntry.member_id == m["gold"].member_id,
                PointsEntry.kind == PointsKind.ACTIVITY,
            )
        ).all()
        assert [(line.points, line.detail) for line in lines] == [(200, f"activity:{code}")]
        assert wb.ledger.balance(session, m["gold"].member_id) == 200


def test_a_member_outside_the_eligible_tiers_is_refused_with_a_clear_message(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene, tiers="gold,platinum", kind="presidents_meeting")
    clock.set(local("2026-03-08 10:00"))
    with pytest.raises(NotEligible) as refused:
        desk.sign_up(s["agent"], code, m["regular"].member_no)
    assert str(refused.value) == (
        f"{m['regular'].member_no} may not sign up for {code}: the activity is for tiers "
        "gold, platinum; the member is regular"
    )
    assert desk.sign_up(s["agent"], code, m["gold"].member_no).status == "confirmed"
    # Invitations go to the eligible tiers only.
    invited = desk.invite(s["marketing"], code)
    assert invited.written == 2  # gold (SH01) and bj (gold, BJ01)


def test_a_birthday_party_invites_the_members_born_in_its_month(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene, kind="birthday_party", theme="三月生日会")
    assert desk.invite(s["marketing"], code).written == 2  # gold and regular: March
    with wb.sessions() as session:
        invited = set(
            session.scalars(
                select(ActivityInvitation.member_id)
                .join(Activity, Activity.id == ActivityInvitation.activity_id)
                .where(Activity.code == code)
            )
        )
    assert invited == {m["gold"].member_id, m["regular"].member_id}
    clock.set(local("2026-03-08 10:00"))
    with pytest.raises(NotEligible, match="born in month 3"):
        desk.sign_up(s["agent"], code, m["silver"].member_no)


def test_stores_see_and_run_their_own_activities_only(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    own = desk.create(s["manager_sh"], plan(store=None, tiers="")).line.code
    with pytest.raises(ValidationError, match="your store SH01"):
        desk.create(s["manager_sh"], plan(store="BJ01"))
    assert desk.show(s["manager_sh"], own).eligible_stores == ("SH01",)
    with pytest.raises(UnknownActivity):
        desk.show(s["manager_bj"], own)  # another store's: as if it did not exist
    assert own not in [line.code for line in desk.list(s["manager_bj"])]
    desk.submit(s["manager_sh"], own)
    desk.approve(s["head"], own)
    invited = desk.invite(s["manager_sh"], own)
    assert invited.written == 5  # SH01's members only, not bj
    clock.set(local("2026-03-08 10:00"))
    with pytest.raises(UnknownMember):
        desk.sign_up(s["sales_sh"], own, m["bj"].member_no)  # not this store's member
    desk.sign_up(s["agent"], own, m["silver"].member_no)
    with pytest.raises(PermissionDenied):
        desk.participants(s["marketing"], own)  # marketing sees counts, not members
    # Exact counts for those who run it (the store's manager planned it; the approvers);
    # marketing, who did not plan it, reads aggregates with small groups hidden.
    assert desk.counts(s["manager_sh"], own).confirmed == 1
    assert desk.counts(s["head"], own).confirmed == 1
    shown = desk.counts(s["marketing"], own)
    assert shown.confirmed is None and shown.hidden["confirmed"] == "small"
    assert shown.invited == 5 and not shown.exact
    assert desk.show(s["marketing"], own).line.taken is None
    assert [line.taken for line in desk.list(s["marketing"]) if line.code == own] == [None]
    assert [line.taken for line in desk.list(s["manager_sh"]) if line.code == own] == [1]
    # Head office's activity at SH01 for every store: BJ01's staff sign their members up.
    company = _approved(wb, scene)
    assert desk.sign_up(s["sales_bj"], company, m["bj"].member_no).status == "confirmed"
    assert [p.member.member_no for p in desk.participants(s["sales_bj"], company)] == [
        m["bj"].member_no
    ]  # and see their own store's participants only
    desk.sign_up(s["agent"], company, m["silver"].member_no)
    assert len(desk.participants(s["agent"], company)) == 2
    with pytest.raises(PermissionDenied):
        desk.edit(s["manager_bj"], company, PlanForm(capacity="5"))
    # The supervisor may not approve the plan they made themselves.
    theirs = desk.create(s["supervisor"], plan()).line.code
    desk.submit(s["supervisor"], theirs)
    with pytest.raises(PermissionDenied, match="another manager"):
        desk.approve(s["supervisor"], theirs)


def test_a_larger_capacity_gives_places_to_the_waitlist_in_order(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene, capacity="1")
    clock.set(local("2026-03-08 10:00"))
    for key in ("silver", "gold", "regular"):
        desk.sign_up(s["agent"], code, m[key].member_no)
    with pytest.raises(ValidationError, match="capacity"):
        desk.edit(s["marketing"], code, PlanForm(capacity="0"))
    desk.edit(s["marketing"], code, PlanForm(capacity="2"))
    statuses = {p.member.member_no: p.status for p in desk.participants(s["agent"], code)}
    assert statuses == {
        m["silver"].member_no: "confirmed",
        m["gold"].member_no: "confirmed",
        m["regular"].member_no: "waitlisted",
    }


def test_plans_are_checked_with_messages_a_planner_can_act_on(wb, scene):
    desk, marketing = wb.usecases.activities, scene.staff["marketing"]
    with pytest.raises(ValidationError, match="kind: one of new_product_launch"):
        desk.create(marketing, plan(kind="picnic"))
    with pytest.raises(ValidationError, match="end after it starts"):
        desk.create(marketing, plan(ends="2026-03-20 13:00"))
    with pytest.raises(ValidationError, match="no tier 'diamond'"):
        desk.create(marketing, plan(tiers="diamond"))
    with pytest.raises(ValidationError, match="2026-04-18 14:00"):
        desk.create(marketing, plan(starts="next friday"))
    with pytest.raises(ValidationError, match="budget"):
        desk.create(marketing, plan(budget="lots"))
    with pytest.raises(PermissionDenied):
        desk.create(scene.staff["agent"], plan())
    # Text that would drive a terminal or reorder what a screen shows is refused, by field.
    with pytest.raises(ValidationError, match="theme: contains"):
        desk.create(marketing, plan(theme="新品\x1b[2J品鉴会"))
    with pytest.raises(ValidationError, match="place: contains"):
        desk.create(marketing, plan(place="南京路\u202e店"))
    with pytest.raises(ValidationError, match="content: contains"):
        desk.create(marketing, plan(content="第一行\n第二行\x07"))
    code = desk.create(marketing, plan(content="第一行\n第二行")).line.code  # lines are fine
    with pytest.raises(ValidationError, match="theme: contains"):
        desk.edit(marketing, code, PlanForm(theme="\u200f改名"))


def test_a_member_signs_up_by_replying_with_the_activity_code(wb, clock, scene):
    desk, m = wb.usecases.activities, scene.members
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    replies = wb.usecases.replies
    done = replies.sms_received("SM-reply-1", m["regular"].phone, f"报名 {code}")
    assert done.action == "activity_confirmed"
    assert replies.sms_received("SM-reply-1", m["regular"].phone, f"报名 {code}").action == (
        "repeated"
    )
    assert replies.sms_received("SM-reply-2", m["gold"].phone, code.lower()).action == (
        "activity_confirmed"
    )
    full = replies.sms_received("SM-reply-3", m["silver"].phone, f"JOIN {code}")
    assert full.action == "activity_waitlisted"
    assert replies.sms_received("SM-reply-4", m["bj"].phone, "报名 A999").action == "ignored"
    people = {p.member.member_no: p.channel for p in desk.participants(scene.staff["agent"], code)}
    assert people[m["regular"].member_no] == "sms"
    # A reply the rules refuse (a tier outside the activity) is answered by SMS.
    gold_only = _approved(wb, scene, tiers="gold")
    refused = replies.sms_received("SM-reply-5", m["regular2"].phone, f"报名 {gold_only}")
    assert refused.action == "activity_refused"
    answer = _messages(wb, m["regular2"].member_id, "activity_signup")
    assert len(answer) == 1 and "无法" in wb.outbox.decrypt_body(answer[0])["body"]


def test_the_scheduler_job_reminds_the_day_before_once(wb, clock, scene):
    from workbench.scheduler import jobs
    from workbench.scheduler.service import job_plan

    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene, channels="sms,email")
    clock.set(local("2026-03-08 10:00"))
    desk.sign_up(s["agent"], code, m["gold"].member_no)
    jobs.install(wb)
    clock.set(local("2026-03-18 10:30"))  # two days before: nothing yet
    jobs.activity_reminders()
    assert _messages(wb, m["gold"].member_id, "activity_reminder") == []
    clock.set(local("2026-03-19 10:30"))
    jobs.activity_reminders()
    jobs.activity_reminders()
    sent = _messages(wb, m["gold"].member_id, "activity_reminder")
    assert sorted(x.channel for x in sent) == ["email", "sms"]
    assert "activity_reminders" in [job[0] for job in job_plan(wb)]


def test_a_late_sign_up_and_a_waitlist_promotion_are_reminded_by_a_later_run(wb, clock, scene):
    from workbench.scheduler import jobs

    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(
        wb, scene, capacity="1", cancel_until="2026-03-20 12:00", signup_closes="2026-03-20 12:00"
    )
    clock.set(local("2026-03-08 10:00"))
    desk.sign_up(s["agent"], code, m["gold"].member_no)
    desk.sign_up(s["agent"], code, m["regular"].member_no)  # waitlisted
    jobs.install(wb)
    clock.set(local("2026-03-19 10:30"))
    jobs.activity_reminders()
    assert len(_messages(wb, m["gold"].member_id, "activity_reminder")) == 1
    assert _messages(wb, m["regular"].member_id, "activity_reminder") == []  # no place yet
    clock.set(local("2026-03-19 16:10"))  # after the run: gold's place goes to regular
    desk.cancel_signup(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-19 16:30"))
    jobs.activity_reminders()
    jobs.activity_reminders()
    assert len(_messages(wb, m["regular"].member_id, "activity_reminder")) == 1
    assert len(_messages(wb, m["gold"].member_id, "activity_reminder")) == 1  # not again
    # The same day, before the start, a run still reaches someone signed up that morning.
    clock.set(local("2026-03-20 09:00"))
    desk.edit(s["marketing"], code, PlanForm(capacity="2"))  # a second place, for silver
    desk.sign_up(s["agent"], code, m["silver"].member_no)
    clock.set(local("2026-03-20 09:30"))
    jobs.activity_reminders()
    assert len(_messages(wb, m["silver"].member_id, "activity_reminder")) == 1
    assert wb.usecases.activities.send_reminders() == 0  # everyone once


def test_invitations_keep_the_contact_policy_per_channel(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = _approved(wb, scene, channels="sms,email", tiers="gold")
    with wb.sessions() as session:  # gold has had the week's marketing SMS already
        member = session.get_one(Member, m["gold"].member_id)
        for _ in range(wb.settings.messaging_marketing_per_week):
            wb.outbox.enqueue(
                session,
                member=member,
                template="monthly_care",
                channel="sms",
                purpose="marketing",
                extra={"points": 0, "month": "2026-03"},
            )
        session.commit()
    clock.set(local("2026-03-02 22:30"))  # quiet hours in Shanghai
    invited = desk.invite(s["marketing"], code)
    assert (invited.written, invited.messages, invited.skipped) == (2, 3, 0)
    gold = _messages(wb, m["gold"].member_id, "activity_invitation")
    assert [x.channel for x in gold] == ["email"]  # the SMS cap reached; e-mail still goes
    bj = _messages(wb, m["bj"].member_id, "activity_invitation")
    assert sorted(x.channel for x in bj) == ["email", "sms"]
    assert {x.next_attempt_at for x in bj} == {local("2026-03-03 09:00")}  # after quiet hours
    email = wb.outbox.decrypt_body(next(x for x in bj if x.channel == "email"))
    assert code in email["body"] and email["subject"] == "活动邀请：春季新品品鉴会"


def test_inviting_again_invites_only_the_members_eligible_since(wb, clock, scene):
    """The unique (activity, member) key leaves out who was invited: a second run writes the
    member who became eligible since, and nobody twice."""
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = desk.create(s["marketing"], plan(tiers="gold", store="")).line.code
    desk.submit(s["marketing"], code)
    desk.approve(s["supervisor"], code)
    first = desk.invite(s["marketing"], code)
    assert (first.written, first.messages) == (2, 2)  # gold (SH01) and bj
    with wb.sessions() as session:
        session.get_one(Member, m["regular"].member_id).tier_code = "gold"
        session.commit()
    again = desk.invite(s["marketing"], code)
    assert (again.written, again.invitations, again.messages) == (1, 1, 1)
    with wb.sessions() as session:
        invited = sorted(session.scalars(select(ActivityInvitation.member_id)))
    wanted = sorted([m["gold"].member_id, m["bj"].member_id, m["regular"].member_id])
    assert invited == wanted
    assert len(_messages(wb, m["gold"].member_id, "activity_invitation")) == 1
