"""The pure rules of activities: types, states and their transitions, who is eligible, when a
member may sign up, and the words of an SMS reply that signs up. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workbench.errors import InvalidState, ValidationError


class ActivityKind(StrEnum):
    NEW_PRODUCT_LAUNCH = "new_product_launch"
    MEMBERS_PROMOTION = "members_promotion"
    THEMED_EXPERIENCE = "themed_experience"
    BIRTHDAY_PARTY = "birthday_party"  # invites the members whose birthday falls in its month
    TRIP = "trip"
    PRESIDENTS_MEETING = "presidents_meeting"
    OTHER = "other"


class ActivityState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class InvitationStatus(StrEnum):
    PENDING = "pending"  # written, its messages not queued yet
    QUEUED = "queued"  # at least one message queued
    SKIPPED = "skipped"  # the contact policy let no message go (reason kept)


S = ActivityState
# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[ActivityState], ActivityState]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "return": (frozenset({S.SUBMITTED}), S.DRAFT),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "start": (frozenset({S.APPROVED}), S.RUNNING),
    "close": (frozenset({S.APPROVED, S.RUNNING}), S.DONE),
    "cancel": (frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED, S.RUNNING}), S.CANCELLED),
}
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED})
OPEN_FOR_SIGNUP = frozenset({S.APPROVED, S.RUNNING})
# The fields of a plan that `edit` may change, in the order a plan shows them.
EDIT_FIELDS = (
    "kind",
    "theme",
    "content",
    "starts_at",
    "ends_at",
    "place",
    "capacity",
    "budget",
    "eligible_tiers",
    "eligible_stores",
    "priority_opens_at",
    "signup_opens_at",
    "signup_closes_at",
    "cancel_until",
    "points",
    "channels",
)


def next_state(current: str, action: str) -> ActivityState:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        names = " or ".join(sorted(s.value for s in allowed))
        raise InvalidState(f"the activity is {current}; to {action} it, it must be {names}")
    return target


def parse_kind(text: str) -> ActivityKind:
    try:
        return ActivityKind(text.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(k.value for k in ActivityKind)
        raise ValidationError("kind", f"one of {known}") from None


def parse_codes(text: str | None) -> tuple[str, ...]:
    """'silver, gold' → ('gold', 'silver'): sorted, without repeats; empty: every one."""
    return tuple(sorted({c.strip() for c in (text or "").split(",") if c.strip()}))


def parse_channels(text: str | None) -> str:
    channels = parse_codes(text or "sms")
    if not channels or any(c not in ("sms", "email") for c in channels):
        raise ValidationError("channels", "sms, email or sms,email")
    return ",".join(sorted(channels, key=("sms", "email").index))


@dataclass(frozen=True)
class Windows:
    """The times of a plan, checked together: each must come in this order."""

    priority_opens_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime
    cancel_until: datetime
    starts_at: datetime
    ends_at: datetime

    def check(self) -> None:
        if self.ends_at <= self.starts_at:
            raise ValidationError("ends_at", "the activity must end after it starts")
        if self.priority_opens_at > self.signup_opens_at:
            raise ValidationError(
                "priority_opens_at", "priority sign-up cannot open after everyone's"
            )
        if self.signup_closes_at <= self.signup_opens_at:
            raise ValidationError("signup_closes_at", "sign-up must close after it opens")
        if self.signup_closes_at > self.starts_at:
            raise ValidationError("signup_closes_at", "sign-up must close by the start")
        if self.cancel_until > self.starts_at:
            raise ValidationError("cancel_until", "cancellations must end by the start")


def check_capacity(capacity: int, taken: int = 0) -> None:
    if capacity < 1:
        raise ValidationError("capacity", "at least 1 place")
    if capacity < taken:
        raise ValidationError(
            "capacity", f"{taken} places are already confirmed: the capacity cannot be below that"
        )


@dataclass(frozen=True)
class Eligibility:
    """Who an activity is for: tiers and stores (empty: every one), a birthday month."""

    tiers: tuple[str, ...]
    stores: tuple[str, ...]
    birthday_month: int | None  # a birthday party: members born in this month

    def refusal(self, *, tier: str, store: str, birth_month_day: str | None) -> str | None:
        """Why this member may not take part, in words for staff; None: they may."""
        if self.tiers and tier not in self.tiers:
            return f"the activity is for tiers {', '.join(self.tiers)}; the member is {tier}"
        if self.stores and store not in self.stores:
            return (
                f"the activity is for members of stores {', '.join(self.stores)}; "
                f"the member belongs to {store}"
            )
        if self.birthday_month is not None:
            month = int(birth_month_day[:2]) if birth_month_day else None
            if month != self.birthday_month:
                return f"the birthday party is for members born in month {self.birthday_month}"
        return None


def signup_refusal(
    *,
    state: str,
    now: datetime,
    priority: bool,
    priority_opens_at: datetime,
    signup_opens_at: datetime,
    signup_closes_at: datetime,
) -> str | None:
    """Why sign-up is not open to this member now; None: it is."""
    if state not in OPEN_FOR_SIGNUP:
        return f"the activity is {state}: sign-up is open only once it is approved"
    opens = priority_opens_at if priority else signup_opens_at
    if now < opens:
        return f"sign-up opens at {opens.isoformat(timespec='minutes')} for this member's tier"
    if now >= signup_closes_at:
        return "sign-up has closed"
    return None


# "报名 A12", "报名A12", "BM A12", "a12": an activity code alone or after a sign-up word.
SIGNUP_WORDS = ("报名", "BM", "JOIN", "SIGNUP")
_CODE = re.compile(r"^A\d{1,8}$")


def signup_code(body: str) -> str | None:
    """The activity code an SMS reply asks to sign up for, or None for any other reply."""
    text = re.sub(r"[\s:：,，。.!！]+", " ", (body or "").strip().upper()).strip()
    for word in SIGNUP_WORDS:
        if text.startswith(word):
            text = text[len(word) :].strip()
            break
    return text if _CODE.match(text) else None


def activity_code(activity_id: int) -> str:
    return f"A{activity_id}"


# "评分 A12 5", "SCORE A12 4", "A12 5": a satisfaction score (1–5) for an activity taken part in.
SCORE_WORDS = ("评分", "打分", "满意度", "SCORE", "RATE")
_SCORE = re.compile(r"^(A\d{1,8}) ([1-5])$")


def satisfaction_reply(body: str) -> tuple[str, int] | None:
    """(activity code, score) of an SMS reply that scores an activity, or None."""
    text = re.sub(r"[\s:：,，。.!！]+", " ", (body or "").strip().upper()).strip()
    text = text.removesuffix("分").strip()  # "A12 5分"
    for word in SCORE_WORDS:
        if text.startswith(word):
            text = text[len(word) :].strip()
            break
    found = _SCORE.match(text)
    return (found.group(1), int(found.group(2))) if found else None


def check_score(score: int) -> int:
    if not 1 <= score <= 5:
        raise ValidationError("score", "a whole number from 1 (poor) to 5 (excellent)")
    return score
