"""The masked member profile that the CLI (and later the TUI) show: personal fields masked,
service data (tier, card, points) in full."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from workbench.members.models import Member, Purchase, Store
from workbench.permissions.masking import MASKERS


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
    masked: dict[str, str | None]
    points_balance: int
    points_expiring: int
    points_first_expiry: datetime | None
    purchases: int
    last_purchase_at: datetime | None

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("joined_at", "points_first_expiry", "last_purchase_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def masked_profile(wb, session: Session, member: Member) -> MemberProfile:
    registry, ledger = wb.registry, wb.ledger
    decrypted = registry.decrypt(member)
    card = registry.current_card(session, member.id)
    store = session.get(Store, member.store_id)
    expiring = ledger.expiring_within(
        session, wb.settings.members_expiry_reminder_days, member_id=member.id
    )
    count, last = session.execute(
        select(func.count(), func.max(Purchase.occurred_at)).where(Purchase.member_id == member.id)
    ).one()
    tier = wb.scheme.get(member.tier_code)
    return MemberProfile(
        member_no=member.member_no,
        status=member.status.value if hasattr(member.status, "value") else str(member.status),
        store_code=store.code if store else "",
        store_name=store.name if store else "",
        tier_code=tier.code,
        tier_label=tier.label(wb.settings.locale_language),
        card_no=card.card_no if card else None,
        card_status=str(card.status) if card else None,
        joined_at=member.joined_at,
        masked={name: MASKERS[name](value) for name, value in decrypted.items()},
        points_balance=ledger.balance(session, member.id),
        points_expiring=expiring[0].points if expiring else 0,
        points_first_expiry=expiring[0].first_expiry if expiring else None,
        purchases=int(count),
        last_purchase_at=last,
    )
