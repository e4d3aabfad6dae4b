"""The TwiML the hotline answers with, built with the twilio SDK. Pure functions: what to say
and where Twilio should come back next; the webhook handlers decide which one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

PROMPTS = {
    "zh-CN": {
        "menu": "查询积分请按1，投诉请按2，人工服务请按0。",
        "points": "您的积分余额为{balance}分。",
        "expiring": "其中{points}分将于{month}月{day}日到期。",
        "not_member": "未能根据您的来电号码找到会员，正在为您转接人工服务。",
        "queue": "正在为您转接客服，请稍候。",
        "position": "您前面还有{ahead}位来电，请稍候。",
        "closed": "现在是非工作时间，人工服务时间为每天{opens}至{closes}。请在提示音后留言，"
        "我们将尽快给您回电。",
        "thanks": "您的留言已收到，我们将尽快回电。再见。",
        "no_message": "没有收到留言。再见。",
        "transfer": "正在为您转接，请稍候。",
        "connect_member": "正在为您接通会员。",
        "ended": "通话已结束。",
        "goodbye": "感谢您的来电，再见。",
        "keep_place": "如需保留您的排队位置并由客服回电，请按1。",
        "called_back": "已为您保留排队位置，客服将尽快给您回电。再见。",
        "hold": "您的通话正在保持中，请不要挂机，客服马上回来。",
    },
    "en": {
        "menu": "For your points balance press 1, to make a complaint press 2, "
        "to speak to an agent press 0.",
        "points": "Your points balance is {balance}.",
        "expiring": "{points} points expire on {month}/{day}.",
        "not_member": "We could not find a member with your number; connecting you to an agent.",
        "queue": "Connecting you to an agent, please hold.",
        "position": "There are {ahead} callers ahead of you; please hold.",
        "closed": "Our agents are available from {opens} to {closes}. Please leave a message "
        "after the tone and we will call you back.",
        "thanks": "Thank you, we have your message and will call you back. Goodbye.",
        "no_message": "We did not receive a message. Goodbye.",
        "transfer": "Transferring your call, please hold.",
        "connect_member": "Connecting you to the member.",
        "ended": "The call has ended.",
        "goodbye": "Thank you for calling. Goodbye.",
        "keep_place": "To keep your place and have an agent call you back, press 1.",
        "called_back": "We have kept your place; an agent will call you back soon. Goodbye.",
        "hold": "Your call is on hold. Please stay on the line; your agent will be right back.",
    },
}


@dataclass(frozen=True)
class Voice:
    """How the hotline speaks and where Twilio reaches the server."""

    public_url: str  # e.g. https://hotline.example.com (no trailing slash)
    language: str  # zh-CN or en
    voice: str  # a Twilio voice, e.g. Polly.Zhiyu
    greeting: str
    recording_notice: str
    record_calls: bool
    caller_id: str  # the hotline's number, shown on calls out

    def url(self, path: str) -> str:
        return f"{self.public_url}{path}"

    def prompt(self, key: str, **values: object) -> str:
        table = PROMPTS.get(self.language, PROMPTS["zh-CN"])
        return table[key].format(**values)

    def say(
        self, response: TwiML, key: str | None = None, *, text: str | None = None, **values: object
    ) -> None:
        """Says `text`, or the prompt `key` in the hotline's language."""
        if text is None:
            if key is None:
                raise TypeError("say() needs a prompt key or the text")
            text = self.prompt(key, **values)
        response.say(
            text,
            language=self.language,
            voice=self.voice,
        )


@lru_cache(maxsize=8)
def greeting(v: Voice) -> str:
    """Welcome, announce and start the recording, then offer the menu (no key: an agent).
    The same for every call: built once."""
    response = VoiceResponse()
    v.say(response, text=v.greeting)
    if v.record_calls:
        v.say(response, text=v.recording_notice)
        response.start().recording(
            recording_status_callback=v.url("/voice/recording"),
            recording_status_callback_event="completed",
        )
    gather = Gather(num_digits=1, action=v.url("/voice/menu"), method="POST", timeout=6)
    v.say(gather, "menu")
    response.append(gather)
    response.redirect(v.url("/voice/menu"), method="POST")
    return str(response)


def points_balance(v: Voice, balance: int, expiring: int, expiry: date | None) -> str:
    response = VoiceResponse()
    v.say(response, "points", balance=balance)
    if expiring and expiry is not None:
        v.say(response, "expiring", points=expiring, month=expiry.month, day=expiry.day)
    gather = Gather(num_digits=1, action=v.url("/voice/menu"), method="POST", timeout=6)
    v.say(gather, "menu")
    response.append(gather)
    v.say(response, "goodbye")
    return str(response)


def not_a_member(v: Voice, queue: str) -> str:
    response = VoiceResponse()
    v.say(response, "not_member")
    response.enqueue(queue, wait_url=v.url("/voice/wait"), wait_url_method="POST")
    return str(response)


def to_queue(v: Voice, queue: str, prompt: str = "queue") -> str:
    response = VoiceResponse()
    v.say(response, prompt)
    response.enqueue(queue, wait_url=v.url("/voice/wait"), wait_url_method="POST")
    return str(response)


def waiting(v: Voice, ahead: int, *, offer_callback: bool = False) -> str:
    """Played to a caller in a queue, again and again, until an agent connects. With the
    queue callback offered, a key pressed during it goes to /voice/queue-callback (Gather is
    one of the verbs a queue's wait URL may use)."""
    response = VoiceResponse()
    if not offer_callback:
        if ahead > 0:
            v.say(response, "position", ahead=ahead)
        response.pause(length=10)
        return str(response)
    gather = Gather(num_digits=1, action=v.url("/voice/queue-callback"), method="POST", timeout=8)
    if ahead > 0:
        v.say(gather, "position", ahead=ahead)
    v.say(gather, "keep_place")
    response.append(gather)
    return str(response)


def called_back_later(v: Voice) -> str:
    """The caller chose a queue callback: their call ends here (the task keeps their place)."""
    response = VoiceResponse()
    v.say(response, "called_back")
    response.hangup()
    return str(response)


def voicemail(v: Voice, opens: str, closes: str) -> str:
    response = VoiceResponse()
    v.say(response, "closed", opens=opens, closes=closes)
    response.record(
        max_length=120,
        play_beep=True,
        action=v.url("/voice/voicemail"),
        method="POST",
        recording_status_callback=v.url("/voice/recording"),
    )
    v.say(response, "no_message")
    response.hangup()
    return str(response)


def after_voicemail(v: Voice) -> str:
    response = VoiceResponse()
    v.say(response, "thanks")
    response.hangup()
    return str(response)


def connect_agent(
    v: Voice, agent_endpoint: str, call_id: int, *, timeout: int | None = None
) -> str:
    """The caller's leg, redirected when an agent takes the call: dial that agent (or, routed
    to their assigned agent, dialled at once, ringing `timeout` seconds). (The greeting
    started this call's recording already.)"""
    response = VoiceResponse()
    ring = {"timeout": timeout} if timeout is not None else {}
    dial = Dial(action=v.url(f"/voice/after-agent?call={call_id}"), method="POST", **ring)
    # The agent's leg reports ringing and its answer: the call bar's state and talk timer.
    _endpoint(
        dial,
        agent_endpoint,
        status_callback=v.url(f"/voice/agent-leg?call={call_id}"),
        status_callback_event="ringing answered completed",
        status_callback_method="POST",
    )
    response.append(dial)
    return str(response)


HOLD_PAUSE_SECONDS = 15


def on_hold(v: Voice, call_id: int) -> str:
    """The caller's leg while the agent holds the call: the hold message, a pause, and again,
    until the agent resumes (a redirect back to the dial of the agent)."""
    response = VoiceResponse()
    v.say(response, "hold")
    response.pause(length=HOLD_PAUSE_SECONDS)
    response.redirect(v.url(f"/voice/hold?call={call_id}"), method="POST")
    return str(response)


def connect_member(v: Voice, member_number: str, call_id: int) -> str:
    """An outbound callback: the agent answered their leg; now dial the member."""
    response = VoiceResponse()
    v.say(response, "connect_member")
    dial = Dial(
        caller_id=v.caller_id or None,
        timeout=30,
        **_recording(v),
        action=v.url(f"/voice/outbound/done?call={call_id}"),
        method="POST",
    )
    dial.number(member_number)
    response.append(dial)
    return str(response)


def ended(v: Voice) -> str:
    response = VoiceResponse()
    v.say(response, "ended")
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def sms_reply(text: str | None) -> str:
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def _recording(v: Voice) -> dict[str, str]:
    if not v.record_calls:
        return {}
    return {
        "record": "record-from-answer-dual",
        "recording_status_callback": v.url("/voice/recording"),
    }


def _endpoint(dial: Dial, endpoint: str, **attributes: str) -> None:
    """client:NAME (a Twilio Client softphone), sip:URI, or a phone number."""
    if endpoint.startswith("client:"):
        dial.client(endpoint.removeprefix("client:"), **attributes)
    elif endpoint.startswith("sip:"):
        dial.sip(endpoint, **attributes)
    else:
        dial.number(endpoint, **attributes)
