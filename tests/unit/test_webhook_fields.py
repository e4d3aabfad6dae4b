"""The formats of Twilio's webhook fields: what Twilio really sends passes, the rest is refused
with a reason that names the field and never repeats the value."""

import pytest

from workbench.webhooks.fields import MAX_CALL_ID, call_id, check_form
from workbench.webhooks.refusals import BadRequest

# A voice webhook as Twilio posts it (documented parameters), and an inbound SMS.
INCOMING_CALL = {
    "AccountSid": "AC" + "a1" * 16,
    "ApiVersion": "2010-04-01",
    "CallSid": "CA" + "0f" * 16,
    "CallStatus": "ringing",
    "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D",
    "Called": "+862160000000",
    "CalledCity": "",
    "CalledCountry": "CN",
    "Caller": "+8613900000001",
    "CallerCountry": "CN",
    "Direction": "inbound",
    "From": "+8613900000001",
    "FromCountry": "CN",
    "StirVerstat": "TN-Validation-Passed-A",
    "To": "+862160000000",
}
SMS = {
    "MessageSid": "SM" + "3" * 32,
    "SmsSid": "SM" + "3" * 32,
    "AccountSid": "AC" + "0" * 32,
    "MessagingServiceSid": "MG" + "4" * 32,
    "From": "+8613900000001",
    "To": "+862160000000",
    "Body": "退订\r\n谢谢\t!",
    "NumMedia": "0",
    "NumSegments": "1",
}


@pytest.mark.parametrize(
    "form",
    [
        INCOMING_CALL,
        SMS,
        {"CallSid": "CA1", "From": "client:alice"},
        {"CallSid": "CA1", "From": "sip:alice@pbx.example.com", "To": "anonymous"},
        {"CallSid": "CA1", "Digits": "hangup"},  # what <Record> reports when the caller hangs up
        {"CallSid": "CA1", "Digits": "12*#", "RecordingDuration": "-1", "QueuePosition": ""},
        {"CallSid": "CA1", "DialCallStatus": "no-answer", "DialCallDuration": "0"},
        {"Body": "好" * 1600},
    ],
)
def test_what_twilio_sends_passes(form):
    check_form(form)


@pytest.mark.parametrize(
    "form, reason",
    [
        ({"From": "+1" * 65}, "From is longer than 128 characters"),
        ({"Body": "好" * 1601}, "Body is longer than 1600 characters"),
        ({"Body": "a\x00b"}, "Body contains a control character"),
        ({"Body": "a\x1b[2Jb"}, "Body contains a control character"),
        ({"Body": "a\x85b"}, "Body contains a control character"),  # C1
        ({"CallSid": "CA 1"}, "CallSid is not a Twilio SID"),
        ({"CallSid": "CA1\n"}, "CallSid contains a control character"),
        ({"CallStatus": "Ringing!"}, "CallStatus is not a Twilio status word"),
        ({"CallDuration": "12.5"}, "CallDuration is not a whole number"),
        ({"RecordingDuration": "9" * 11}, "RecordingDuration is longer than 10 characters"),
        ({"Digits": "1;2"}, "Digits is not keypad digits"),
        ({"FromCity": "x" * 8193}, "FromCity is longer than 8192 characters"),
        ({"FromCity": "a\tb"}, None),  # other fields may hold a tab
        ({"x" * 65: "1"}, "a field name that is not Twilio's"),
        ({"\x00idempotency": "1"}, "a field name that is not Twilio's"),
        ({f"F{n}": "" for n in range(201)}, "more than 200 fields"),
    ],
)
def test_what_twilio_never_sends_is_refused(form, reason):
    if reason is None:
        check_form(form)
        return
    with pytest.raises(BadRequest, match=reason) as refused:
        check_form(form)
    assert refused.value.status == 400
    for value in form.values():
        if len(value) > 3:
            assert value not in refused.value.reason


@pytest.mark.parametrize("value, wanted", [("1", 1), ("0042", 42), (str(MAX_CALL_ID), MAX_CALL_ID)])
def test_a_call_id_is_a_whole_number_the_table_can_hold(value, wanted):
    assert call_id(value) == wanted


@pytest.mark.parametrize(
    "value", ["", "0", "-1", "+1", " 1", "1.0", "2147483648", "9" * 30, "\u00b2", "\u0661", "1\x00"]
)
def test_any_other_call_id_is_refused(value):
    with pytest.raises(BadRequest, match="call must be a call id"):
        call_id(value)
