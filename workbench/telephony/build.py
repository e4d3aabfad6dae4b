"""Builds the telephony edge from a workbench: the hotline's webhook handlers, the agents' call
desk, the call-event bus, and the Twilio Calls client where an account is configured. Kept out
of bootstrap so that only processes that take calls load twilio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from workbench.telephony import twiml
from workbench.telephony.desk import CallDesk
from workbench.telephony.events import call_events_for
from workbench.telephony.hotline import Hotline, Hours
from workbench.telephony.voice import TwilioVoice


@dataclass
class Telephony:
    wb: object
    hotline: Hotline
    desk: CallDesk
    events: object


def build_telephony(wb) -> Telephony:
    s = wb.settings
    voice = twiml.Voice(
        public_url=s.telephony_public_url.rstrip("/"), language=s.telephony_language,
        voice=s.telephony_voice, greeting=s.telephony_greeting,
        recording_notice=s.telephony_recording_notice, record_calls=s.telephony_record_calls,
        caller_id=s.telephony_hotline_number,
    )  # fmt: skip
    events = call_events_for(wb.engine)
    token = s.twilio_auth_token.get_secret_value() if s.twilio_auth_token else ""
    rest = None
    if s.twilio_account_sid and token:
        rest = TwilioVoice(account_sid=s.twilio_account_sid, auth_token=token,
                           api_base=s.twilio_api_base or None)  # fmt: skip
    hours = Hours(time.fromisoformat(s.telephony_agents_open),
                  time.fromisoformat(s.telephony_agents_close), s.timezone)  # fmt: skip
    hotline = Hotline(wb=wb, voice=voice, events=events, hours=hours,
                      agent_queue=s.telephony_agent_queue,
                      complaint_queue=s.telephony_complaint_queue)  # fmt: skip
    desk = CallDesk(wb=wb, voice=rest, hotline_voice=voice, events=events,
                    transfer_queues=tuple(s.telephony_transfer_queues),
                    grant_minutes=s.telephony_grant_minutes)  # fmt: skip
    return Telephony(wb, hotline, desk, events)
