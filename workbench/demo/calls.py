"""A demo caller: rings the hotline through the real incoming-call handler (what the webhook
server runs when Twilio posts), so the demo shows screen pops without a Twilio account."""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import col

from workbench.members.models import Member, MemberStatus

if TYPE_CHECKING:
    from workbench.bootstrap import Services, Telephony

DEMO_HOTLINE = "+864008000800"


def ring_hotline(wb: Services, telephony: Telephony, rng: random.Random | None = None) -> str:
    """Ring once; returns the call's SID. The demo plays the telephone network here, which
    knows the caller's number: it reads one member's phone to dial from."""
    rng = rng or random.Random()
    number = f"+86137{rng.randint(0, 99_999_999):08d}"  # a stranger
    if rng.random() < 0.75:
        with wb.sessions() as session:
            active = select(Member).where(
                col(Member.status) == MemberStatus.ACTIVE, col(Member.phone_enc).is_not(None)
            )
            count = session.scalar(select(func.count()).select_from(active.subquery()))
            if count:
                member = session.scalars(active.offset(rng.randrange(count)).limit(1)).one()
                number = wb.registry.decrypt(member, ("phone",))["phone"] or number
    sid = "CA" + uuid.uuid4().hex
    telephony.hotline.incoming(call_sid=sid, from_number=number, to_number=DEMO_HOTLINE)
    return sid
