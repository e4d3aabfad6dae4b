"""The webhook server with real parts: uvicorn on loopback, requests signed as Twilio signs them
(with the SDK's validator), TwiML answers parsed and checked, the call log in the database."""

import logging
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from tests.peers.fixtures import HOTLINE, PUBLIC, TwilioWebhooks
from workbench.callbacks.models import CallbackTask
from workbench.members.models import PointsKind
from workbench.telephony.models import Call


def incoming(sid="CA" + "1" * 32, caller="+8613900000001"):
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": HOTLINE,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }


def _xml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


def _calls(wb) -> list[Call]:
    with wb.sessions() as session:
        return list(session.scalars(select(Call).order_by(Call.id)))


# Signatures and bodies ---------------------------------------------------------------------------
def test_a_signed_request_is_answered(twilio):
    assert twilio.post("/voice/incoming", incoming()).status_code == 200


def test_a_tampered_parameter_is_refused(twilio):
    params = incoming()
    signature = twilio.sign("/voice/incoming", params)
    tampered = {**params, "From": "+8613900000002"}
    assert twilio.post("/voice/incoming", tampered, signature=signature).status_code == 403


def test_a_signature_for_another_url_is_refused(twilio):
    params = incoming()
    wrong = TwilioWebhooks(twilio.server_url, twilio.server_url, "token").sign(
        "/voice/incoming", params
    )  # signed over the server's own address
    assert twilio.post("/voice/incoming", params, signature=wrong).status_code == 403


def test_a_missing_signature_is_refused_and_logged_without_personal_data(twilio, wb, caplog):
    caplog.set_level(logging.INFO)
    response = twilio.post("/voice/incoming", incoming(caller="+8613900000009"), signature=None)
    assert response.status_code == 403
    assert "refused POST /voice/incoming: no signature" in caplog.text
    assert "13900000009" not in caplog.text
    assert _calls(wb) == []


def test_a_body_that_is_not_a_form_is_400(twilio):
    response = twilio.post(
        "/voice/incoming",
        incoming(),
        data='{"CallSid": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_a_form_without_what_the_webhook_needs_is_400(twilio):
    params = {"AccountSid": "AC" + "0" * 32, "From": "+8613900000001"}
    response = twilio.post("/voice/incoming", params)
    assert response.status_code == 400 and "CallSid" in response.text
    assert twilio.post("/voice/connect", {"CallSid": "CA1"}).status_code == 400  # no ?call=


# Incoming calls ----------------------------------------------------------------------------------
def test_incoming_call_greets_records_and_offers_the_menu(twilio, wb, world):
    root = _xml(twilio.post("/voice/incoming", incoming(caller=world.app.phone)))
    assert root.tag == "Response"
    says = [e.text for e in root.iter("Say")]
    assert says[0] == wb.settings.telephony_greeting
    assert says[1] == wb.settings.telephony_recording_notice
    assert all(e.get("language") == "zh-CN" for e in root.iter("Say"))
    recording = root.find("Start/Recording")
    assert recording.get("recordingStatusCallback") == f"{PUBLIC}/voice/recording"
    gather = root.find("Gather")
    assert gather.get("action") == f"{PUBLIC}/voice/menu" and gather.get("numDigits") == "1"
    assert root.find("Redirect").text == f"{PUBLIC}/voice/menu"
    [call] = _calls(wb)
    assert (call.direction, call.member_id, call.status) == ("inbound", world.member_id, "ringing")
    assert call.party_bidx == wb.registry.phone_bidx("+86" + world.app.phone)


def test_numbers_in_the_call_log_are_encrypted(twilio, wb, world):
    twilio.post("/voice/incoming", incoming(caller="+86" + world.app.phone))
    with wb.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM call")).one()
    assert world.app.phone not in " ".join(str(value) for value in row)


def test_a_repeated_webhook_stores_and_pops_once(twilio, wb, telephony):
    events, stop, ready = [], threading.Event(), threading.Event()
    listener = threading.Thread(
        target=telephony.events.listen, args=(events.append, stop, ready), daemon=True
    )
    listener.start()
    ready.wait(5)
    try:
        for _ in range(3):
            assert twilio.post("/voice/incoming", incoming()).status_code == 200
        deadline = datetime.now(UTC).timestamp() + 3
        while not events and datetime.now(UTC).timestamp() < deadline:
            threading.Event().wait(0.05)
        threading.Event().wait(0.3)  # room for (wrong) extra events to arrive
    finally:
        stop.set()
        listener.join(5)
    [call] = _calls(wb)
    assert events == [{"type": "incoming", "call_id": call.id}]


def test_an_unknown_or_withheld_number_is_a_new_caller(twilio, wb):
    twilio.post("/voice/incoming", incoming(sid="CA" + "2" * 32, caller="+8613700000000"))
    twilio.post("/voice/incoming", incoming(sid="CA" + "3" * 32, caller="anonymous"))
    unknown, withheld = _calls(wb)
    assert unknown.member_id is None and unknown.party_bidx is not None
    assert withheld.member_id is None and withheld.party_bidx is None


# The menu ---------------------------------------------------------------------------------------
def test_menu_1_tells_a_member_their_points(twilio, wb, world):
    with wb.sessions() as session:
        wb.ledger.credit(session, member_id=world.member_id, kind=PointsKind.ACTIVITY, points=321)
        session.commit()
    twilio.post("/voice/incoming", incoming(caller=world.app.phone))
    root = _xml(twilio.post("/voice/menu", {"CallSid": "CA" + "1" * 32, "Digits": "1"}))
    assert "321" in root.find("Say").text
    assert root.find("Gather").get("action") == f"{PUBLIC}/voice/menu"


def test_menu_1_for_a_stranger_goes_to_an_agent(twilio):
    twilio.post("/voice/incoming", incoming(caller="+8613700000000"))
    root = _xml(twilio.post("/voice/menu", {"CallSid": "CA" + "1" * 32, "Digits": "1"}))
    assert root.find("Enqueue").text == "hotline"


def test_menu_2_queues_for_complaints_and_0_for_an_agent(twilio, wb):
    twilio.post("/voice/incoming", incoming())
    root = _xml(twilio.post("/voice/menu", {"CallSid": "CA" + "1" * 32, "Digits": "2"}))
    enqueue = root.find("Enqueue")
    assert enqueue.text == "complaints" and enqueue.get("waitUrl") == f"{PUBLIC}/voice/wait"
    root = _xml(twilio.post("/voice/menu", {"CallSid": "CA" + "1" * 32}))  # no key pressed
    assert root.find("Enqueue").text == "hotline"
    [call] = _calls(wb)
    assert (call.queue, call.status, call.menu_choice) == ("hotline", "queued", "0")


def test_waiting_callers_hear_their_place(twilio):
    root = _xml(twilio.post("/voice/wait", {"QueuePosition": "3", "CallSid": "CA1"}))
    assert "2" in root.find("Say").text and root.find("Pause") is not None


def test_after_hours_a_member_leaves_a_message_and_gets_a_callback_task(twilio, wb, world, clock):
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    sid = "CA" + "4" * 32
    twilio.post("/voice/incoming", incoming(sid=sid, caller=world.app.phone))
    root = _xml(twilio.post("/voice/menu", {"CallSid": sid, "Digits": "0"}))
    record = root.find("Record")
    assert record.get("action") == f"{PUBLIC}/voice/voicemail" and "09:00" in root.find("Say").text
    left = {"CallSid": sid, "RecordingSid": "RE" + "1" * 32, "RecordingDuration": "14"}
    for _ in range(2):  # a repeated webhook makes one task
        assert _xml(twilio.post("/voice/voicemail", left)).find("Hangup") is not None
    with wb.sessions() as session:
        [task] = session.scalars(select(CallbackTask)).all()
        call = session.scalar(select(Call))
    assert (task.member_id, task.reason) == (world.member_id, "member_request")
    assert call.voicemail and call.callback_task_id == task.id and call.recording_seconds == 14


# Status and recording callbacks ------------------------------------------------------------------
def test_status_and_recording_callbacks_complete_the_call_log(twilio, wb, clock):
    sid = "CA" + "5" * 32
    twilio.post("/voice/incoming", incoming(sid=sid))
    clock.advance(seconds=5)
    assert (
        twilio.post("/voice/status", {"CallSid": sid, "CallStatus": "in-progress"}).status_code
        == 204
    )
    clock.advance(seconds=95)
    twilio.post("/voice/status", {"CallSid": sid, "CallStatus": "completed", "CallDuration": "100"})
    twilio.post(
        "/voice/recording",
        {
            "CallSid": sid,
            "RecordingSid": "RE" + "2" * 32,
            "RecordingDuration": "92",
            "RecordingStatus": "completed",
        },
    )
    [call] = _calls(wb)
    assert call.status == "completed" and call.duration_seconds == 100
    assert call.answered_at == datetime(2026, 3, 2, 1, 0, 5, tzinfo=UTC)
    assert call.ended_at == datetime(2026, 3, 2, 1, 1, 40, tzinfo=UTC)
    assert (call.recording_sid, call.recording_seconds) == ("RE" + "2" * 32, 92)


def test_responses_come_well_inside_twilios_15_seconds(twilio):
    import time

    started = time.perf_counter()
    for n in range(20):
        twilio.post("/voice/incoming", incoming(sid=f"CA{n:032d}"))
    assert (time.perf_counter() - started) / 20 < 1.0


# SMS webhooks ------------------------------------------------------------------------------------
def test_inbound_sms_opt_out_once_and_status_callbacks(twilio, wb, world):
    from workbench.members.models import Member
    from workbench.messaging.models import OutboxMessage

    sms = {
        "MessageSid": "SM" + "1" * 32,
        "From": "+86" + world.app.phone,
        "To": HOTLINE,
        "Body": "退订",
    }
    root = _xml(twilio.post("/sms/incoming", sms))
    assert "退订" in root.find("Message").text
    assert _xml(twilio.post("/sms/incoming", sms)).find("Message") is None  # a repeat: no reply
    stop = {**sms, "MessageSid": "SM" + "2" * 32, "Body": "STOP"}
    assert _xml(twilio.post("/sms/incoming", stop)).find("Message") is None  # Twilio replies
    with wb.sessions() as session:
        assert session.get(Member, world.member_id).sms_opt_out
        welcome = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "sms"))
        welcome.provider_id, welcome.status = "SM" + "9" * 32, "sent"
        session.commit()
    status = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    assert twilio.post("/sms/status", status).status_code == 204
    with wb.sessions() as session:
        assert (
            session.scalar(
                select(OutboxMessage.status).where(OutboxMessage.provider_id == "SM" + "9" * 32)
            )
            == "delivered"
        )
        assert session.scalar(select(func.count()).select_from(Call)) == 0
