"""The member profile the CLI (and the TUI) show: what the access layer let through (masked
unless revealed) plus service data: tier, card, points and purchases."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.errors import NotFound
from workbench.members.models import Member, Purchase, Store
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry
from workbench.members.tiers import TierScheme
from workbench.messaging.outbox import Outbox
from workbench.permissions.access import MemberView


@dataclass(frozen=True)
class MessageEntry:
    """One line of the member's communication archive: what went, how, when; no content."""

    channel: str
    template: str
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class MemberProfile:
    member_no: str
    status: str
    store_code: str
    store_name: str
    tier_code: str
    tier_label: str
    card_no: str | None
    card_status: str | None
    joined_at: datetime | None
    fields: dict[str, str | None]  # as the access layer shows them
    access_basis: str
    access_until: datetime | None
    points_balance: int
    points_expiring: int
    points_first_expiry: datetime | None
    purchases: int
    last_purchase_at: datetime | None
    messages: tuple[MessageEntry, ...] = ()  # newest first

    def to_dict(self) -> dict[str, object]:
        return {name: _jsonable(value) for name, value in asdict(self).items()}


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def member_profile(
    session: Session,
    view: MemberView,
    *,
    registry: MemberRegistry,
    ledger: PointsLedger,
    outbox: Outbox,
    scheme: TierScheme,
    language: str,
    expiring_days: int,
    message_limit: int = 20,
) -> MemberProfile:
    """Service data of a member the access layer let through (`view` is that permission), read
    in the caller's transaction."""
    member_id = view.member_id
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member with id {member_id}")
    card = registry.current_card(session, member_id)
    store = session.get(Store, member.store_id)
    expiring = ledger.expiring_within(session, expiring_days, member_id=member_id)
    count, last = session.execute(
        select(func.count(), func.max(Purchase.occurred_at)).where(
            col(Purchase.member_id) == member_id
        )
    ).one()
    balance = ledger.balance(session, member_id)
    messages = tuple(
        MessageEntry(m.channel, m.template, m.status, m.created_at, m.sent_at)
        for m in outbox.log(session, member_id, limit=message_limit)
    )
    tier = scheme.get(view.tier_code)
    return MemberProfile(
        member_no=view.member_no,
        status=view.status,
        store_code=store.code if store else "",
        store_name=store.name if store else "",
        tier_code=tier.code,
        tier_label=tier.label(language),
        card_no=card.card_no if card else None,
        card_status=str(card.status) if card else None,
        joined_at=view.joined_at,
        fields={name: field.value for name, field in view.fields.items()},
        access_basis=view.basis,
        access_until=view.access_until,
        points_balance=balance,
        points_expiring=expiring[0].points if expiring else 0,
        points_first_expiry=expiring[0].first_expiry if expiring else None,
        purchases=int(count),
        last_purchase_at=last,
        messages=messages,
    )
