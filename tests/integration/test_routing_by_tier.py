"""Routing by tier (issue 17 item 5, seed 000) through the signed webhooks: a gold member rings
their assigned agent when that agent is available, else waits in the priority queue; other
members wait there too, callers who are not members in the general queue; agents take the
priority queue first; a waiting member may keep their place as a queue callback. Assigning an
agent is for supervisors, and for tiers of the configured rank and above."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select, update

from tests.factories import add_staff
from tests.peers.fixtures import HOTLINE, PUBLIC
from workbench.audit.models import AuditEntry
from workbench.callbacks.models import CallbackTask
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.members.models import Member, Role, Store
from workbench.telephony.models import Call
from workbench.usecases.member_refs import UnknownMember

GOLD_SID = "CA" + "a" * 32


def _xml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def _ring(twilio, sid: str, caller: str) -> ET.Element:
    incoming = {"CallSid": sid, "From": caller, "To": HOTLINE, "CallStatus": "ringing"}
    assert twilio.post("/voice/incoming", incoming).status_code == 200
    return _xml(twilio.post("/voice/menu", {"CallSid": sid, "Digits": "0"}))


def _call(wb, sid: str) -> Call:
    with wb.sessions() as session:
        return session.scalar(select(Call).where(Call.call_sid == sid))


def _make_tier(wb, member_id: int, tier: str) -> None:
    with wb.sessions() as session:
        session.execute(update(Member).where(Member.id == member_id).values(tier_code=tier))
        session.commit()


@pytest.fixture
def gold(wb, world):
    """The world's member made gold, with the hotline agent as their assigned agent."""
    _make_tier(wb, world.member_id, "gold")
    wb.usecases.assigned_agents.assign(world.staff["supervisor"], world.member_no, "agent")
    return world


def test_a_gold_member_rings_their_available_assigned_agent(twilio, telephony, wb, gold):
    root = _ring(twilio, GOLD_SID, gold.app.phone)
    dial = root.find("Dial")
    assert root.find("Enqueue") is None
    assert dial.find("Client").text == "agent" and dial.get("timeout") == "20"
    call = _call(wb, GOLD_SID)
    assert dial.get("action") == f"{PUBLIC}/voice/after-agent?call={call.id}"
    assert (call.route, call.agent_id, call.queue) == (
        "assigned",
        gold.staff["agent"].id,
        "priority",
    )
    assert wb.usecases.calls.my_state(gold.staff["agent"]).state == "on_call"
    # Unanswered within the ring time: the caller waits in the priority queue, the agent is free.
    after = {"CallSid": GOLD_SID, "DialCallStatus": "no-answer"}
    root = _xml(twilio.post(f"/voice/after-agent?call={call.id}", after))
    assert root.find("Enqueue").text == "priority"
    call = _call(wb, GOLD_SID)
    assert (call.route, call.agent_id) == ("fallback", None)
    assert wb.usecases.calls.my_state(gold.staff["agent"]).state == "available"


def test_the_same_member_goes_to_the_priority_queue_while_the_agent_is_on_a_call(
    twilio, telephony, wb, gold
):
    other = "CA" + "b" * 32
    _ring(twilio, other, "+8613700000077")  # a stranger the agent takes first
    wb.usecases.calls.take(gold.staff["agent"], _call(wb, other).id)
    root = _ring(twilio, GOLD_SID, gold.app.phone)
    assert root.find("Dial") is None and root.find("Enqueue").text == "priority"
    call = _call(wb, GOLD_SID)
    assert (call.route, call.agent_id, call.status) == ("priority", None, "queued")


def test_a_regular_member_waits_in_the_priority_queue(twilio, telephony, wb, world):
    root = _ring(twilio, GOLD_SID, world.app.phone)  # the world's member is regular
    assert root.find("Enqueue").text == "priority"
    assert _call(wb, GOLD_SID).route == "priority"
    [line] = wb.usecases.calls.call_log(world.staff["agent"])
    assert line.route == "priority"  # the call log shows the route


def test_a_caller_who_is_not_a_member_waits_in_the_general_queue(twilio, telephony, wb, world):
    root = _ring(twilio, GOLD_SID, "+8613700000088")
    assert root.find("Enqueue").text == "hotline"
    assert _call(wb, GOLD_SID).route == "general"


def test_agents_take_the_priority_queue_first(twilio, telephony, wb, world, clock):
    stranger, member = "CA" + "c" * 32, "CA" + "d" * 32
    _ring(twilio, stranger, "+8613700000099")
    clock.advance(seconds=30)
    _ring(twilio, member, world.app.phone)  # came later, taken first
    waiting = wb.usecases.calls.waiting(world.staff["agent"])
    assert [v.call_id for v in waiting] == [_call(wb, member).id, _call(wb, stranger).id]
    assert [v.queue for v in waiting] == ["priority", "hotline"]


def test_a_long_wait_offers_a_queue_callback_and_pressing_1_twice_makes_one_task(
    twilio, telephony, wb, world, clock
):
    _ring(twilio, GOLD_SID, world.app.phone)
    short = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "2"}))
    assert short.find("Gather") is None and short.find("Pause") is not None  # 60 s: no offer
    clock.advance(minutes=2)
    root = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "5"}))
    gather = root.find("Gather")
    assert gather.get("action") == f"{PUBLIC}/voice/queue-callback"
    assert "按1" in " ".join(e.text for e in gather.iter("Say"))
    for _ in range(2):
        pressed = {"CallSid": GOLD_SID, "Digits": "1"}
        answer = _xml(twilio.post("/voice/queue-callback", pressed))
        assert answer.find("Hangup") is not None
    with wb.sessions() as session:
        [task] = session.scalars(select(CallbackTask)).all()
        call = session.scalar(select(Call).where(Call.call_sid == GOLD_SID))
    assert (task.member_id, task.reason, task.priority) == (world.member_id, "member_request", 9)
    assert task.next_attempt_at == call.started_at  # its place: when the member called
    assert call.callback_task_id == task.id
    # Offered no more once the member has chosen it.
    again = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "5"}))
    assert again.find("Gather") is None


def _do_not_call(wb, member_id: int) -> None:
    with wb.sessions() as session:
        session.execute(update(Member).where(Member.id == member_id).values(do_not_call=True))
        session.commit()


def test_a_member_who_asked_never_to_be_called_is_not_offered_a_callback(
    twilio, telephony, wb, world
):
    _do_not_call(wb, world.member_id)
    _ring(twilio, GOLD_SID, world.app.phone)
    root = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "5"}))
    assert root.find("Gather") is None and root.find("Pause") is not None


def test_an_offer_answered_without_a_task_is_not_made_again(twilio, telephony, wb, world):
    _ring(twilio, GOLD_SID, world.app.phone)
    offer = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "5"}))
    assert offer.find("Gather") is not None
    _do_not_call(wb, world.member_id)  # meanwhile, at the member's earlier request
    answer = _xml(twilio.post("/voice/queue-callback", {"CallSid": GOLD_SID, "Digits": "1"}))
    assert answer.find("Hangup") is None  # no task: the caller keeps waiting
    again = _xml(twilio.post("/voice/wait", {"CallSid": GOLD_SID, "QueuePosition": "5"}))
    assert again.find("Gather") is None  # and is not asked again and again


def test_the_queue_callback_is_claimed_before_older_callbacks(twilio, telephony, wb, world, clock):
    from tests.factories import application

    with wb.sessions() as session:
        other = wb.registry.apply(
            session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
        )
        wb.registry.approve(session, member_no=other.member_no, actor=world.staff["agent"])
        older = wb.callbacks.schedule(session, member_id=other.id, reason="satisfaction_check")
        session.commit()
        older_id = older.id
    clock.advance(minutes=5)
    _ring(twilio, GOLD_SID, world.app.phone)
    twilio.post("/voice/queue-callback", {"CallSid": GOLD_SID, "Digits": "1"})
    claim = wb.callbacks.claim_next(world.staff["agent"])
    assert claim is not None and claim.member_id == world.member_id and claim.task_id != older_id


def test_another_key_keeps_the_caller_waiting(twilio, telephony, wb, world):
    _ring(twilio, GOLD_SID, world.app.phone)
    root = _xml(twilio.post("/voice/queue-callback", {"CallSid": GOLD_SID, "Digits": "2"}))
    assert root.find("Hangup") is None and root.find("Pause") is not None
    with wb.sessions() as session:
        assert session.scalars(select(CallbackTask)).all() == []


# Assigning ---------------------------------------------------------------------------------------
def test_assignment_is_for_supervisors_and_audited(wb, world):
    desk = world.staff
    _make_tier(wb, world.member_id, "gold")
    with pytest.raises(PermissionDenied):
        wb.usecases.assigned_agents.assign(desk["agent"], world.member_no, "agent")
    done = wb.usecases.assigned_agents.assign(desk["admin"], world.member_no, "agent")
    assert (done.agent, done.tier_code) == ("agent", "gold")
    with pytest.raises(ValidationError, match="does not take hotline calls"):
        wb.usecases.assigned_agents.assign(desk["supervisor"], world.member_no, "analyst")
    assert wb.usecases.assigned_agents.unassign(desk["supervisor"], world.member_no).agent is None
    with pytest.raises(InvalidState, match="no assigned agent"):
        wb.usecases.assigned_agents.unassign(desk["supervisor"], world.member_no)
    with wb.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.member_id == world.member_id)
        ).all()
    assert actions.count("assigned_agent") == 1 and actions.count("unassigned_agent") == 1


def test_assignment_is_refused_below_the_rank(wb, world):
    with pytest.raises(ValidationError, match="for silver and above"):
        wb.usecases.assigned_agents.assign(world.staff["supervisor"], world.member_no, "agent")


def test_a_member_below_the_rank_is_not_routed_to_an_agent_assigned_earlier(
    twilio, telephony, wb, gold
):
    _make_tier(wb, gold.member_id, "regular")  # demoted since
    root = _ring(twilio, GOLD_SID, gold.app.phone)
    assert root.find("Enqueue").text == "priority" and _call(wb, GOLD_SID).route == "priority"


def test_cli_assigns_and_unassigns(run_cli, wb, world):
    _make_tier(wb, world.member_id, "gold")
    code, out, err = run_cli("members", "assign-agent", world.member_no, "agent", user="agent")
    assert code != 0 and "may not" in (out + err)
    code, out, _ = run_cli("members", "assign-agent", world.member_no, "agent", user="supervisor")
    assert code == 0 and f"{world.member_no} (gold): assigned agent agent" in out
    code, out, _ = run_cli("members", "unassign-agent", world.member_no, user="supervisor")
    assert code == 0 and "no assigned agent" in out


def test_an_agent_who_does_not_serve_the_members_store_is_refused(wb, world):
    _make_tier(wb, world.member_id, "gold")
    with pytest.raises(ValidationError, match="does not serve the member's store"):
        wb.usecases.assigned_agents.assign(
            world.staff["supervisor"], world.member_no, world.staff["agent_branch"].username
        )


def test_a_branch_supervisor_reads_another_stores_member_as_no_member(wb, world, clock):
    _make_tier(wb, world.member_id, "gold")
    with wb.sessions() as session:
        branch = session.scalar(select(Store).where(Store.code == "BJ01"))
        supervisor = add_staff(session, clock, "supervisor_bj", Role.SUPERVISOR, branch)
        session.commit()
    desk = wb.usecases.assigned_agents
    refusals = []
    for member_no in (world.member_no, "M000000000"):  # another store's member, and nobody
        for attempt in (
            lambda n=member_no: desk.assigned(supervisor, n),
            lambda n=member_no: desk.assign(supervisor, n, "agent"),
            lambda n=member_no: desk.unassign(supervisor, n),
        ):
            with pytest.raises(UnknownMember) as refused:
                attempt()
            refusals.append(str(refused.value).replace(member_no, "<no>"))
    assert refusals[:3] == refusals[3:]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: one writer at a time
def test_an_agent_taking_the_call_while_it_is_routed_is_never_overwritten(
    twilio, telephony, wb, gold
):
    """The menu's transaction read the call before another agent took it from the waiting
    list: handing it to the assigned agent then claims nothing, and the taker keeps it."""
    hotline = wb.telephony.hotline
    _make_tier(wb, gold.member_id, "gold")
    incoming = {"CallSid": GOLD_SID, "From": gold.app.phone, "To": HOTLINE, "CallStatus": "ringing"}
    assert twilio.post("/voice/incoming", incoming).status_code == 200
    with wb.sessions() as routing_session:
        call = routing_session.scalar(select(Call).where(Call.call_sid == GOLD_SID))
        member = routing_session.get(Member, gold.member_id)
        assigned = routing_session.get(type(gold.staff["agent"]), gold.staff["agent"].id)
        assert call.agent_id is None  # read: nobody has it yet
        taker = gold.staff["supervisor"]
        wb.usecases.calls.take(taker, call.id)  # meanwhile, committed
        handed = hotline.routing._hand_to(
            routing_session, call, member, assigned, hotline.access, hotline.events, wb.clock.now()
        )
        routing_session.commit()
    assert handed is False
    assert _call(wb, GOLD_SID).agent_id == taker.id
    assert wb.usecases.calls.my_state(gold.staff["agent"]).state == "available"
