"""Who may still earn and spend points: the rule every purchase and redemption obeys.

- The member must be active: a pending or rejected applicant has no rights yet, and a terminated
  member's rights were settled at termination.
- A card presented (at a till, to the hotline) must be the member's and usable: a card reported
  lost is frozen at once (until it is found, if no new card was issued meanwhile), and a
  replaced, damaged or closed card is never usable again.
- A purchase identified by the member rather than by a card (an order from their own account in
  another system of record, such as Odoo) earns points even while the card is frozen: the freeze
  stops the lost card being used, and the points go to the member's account, not to whoever holds
  the card.
- A redemption spends the member's points, so it needs a usable card even when no card is
  presented: until a new card is issued nobody, not even someone claiming to be the member, may
  spend them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.db.ids import saved_id
from workbench.errors import CardNotUsable, MemberNotActive, NotFound
from workbench.members.models import CardStatus, Member, MemberCard, MemberStatus

USABLE_CARD = (CardStatus.ISSUED, CardStatus.ACTIVE)


def require_active(member: Member) -> None:
    require_active_status(member.member_no, member.status)


def require_active_status(member_no: str, status: MemberStatus) -> None:
    """The rule of require_active for a status read on its own (under the ledger lock)."""
    if status == MemberStatus.TERMINATED:
        raise MemberNotActive(
            f"member {member_no} is terminated: their points were settled and their cards closed"
        )
    if status != MemberStatus.ACTIVE:
        raise MemberNotActive(
            f"member {member_no} is {status.value}: points start once the application is approved"
        )


def current_card(session: Session, member_id: int) -> MemberCard | None:
    return session.scalar(
        select(MemberCard)
        .where(col(MemberCard.member_id) == member_id)
        .order_by(col(MemberCard.issued_at).desc(), col(MemberCard.id).desc())
        .limit(1)
    )


def require_usable(card: MemberCard | None, member: Member) -> MemberCard:
    """The card itself, or CardNotUsable saying what happened to it and what to do."""
    if card is None:
        raise CardNotUsable(f"member {member.member_no} has no card: issue one first")
    if card.status in USABLE_CARD:
        return card
    if card.status == CardStatus.LOST:
        when = f" on {card.lost_at:%Y-%m-%d}" if card.lost_at else ""
        raise CardNotUsable(
            f"card {card.card_no} of member {member.member_no} is frozen (reported lost{when}): "
            "reissue a card first, or use the new one"
        )
    if card.status in (CardStatus.REPLACED, CardStatus.DAMAGED):
        raise CardNotUsable(f"card {card.card_no} was replaced: use the member's new card")
    raise CardNotUsable(f"card {card.card_no} is {card.status.value} and can no longer be used")


def card_of(session: Session, member: Member, card_no: str) -> MemberCard:
    card = session.scalar(select(MemberCard).where(col(MemberCard.card_no) == card_no.strip()))
    if card is None or card.member_id != member.id:
        raise NotFound(f"member {member.member_no} has no card {card_no.strip()!r}")
    return card


def may_earn(session: Session, member: Member, card_no: str | None = None) -> MemberCard | None:
    """A purchase may earn points: active member; the card presented, if any, usable."""
    require_active(member)
    if card_no is None:
        return None
    return require_usable(card_of(session, member, card_no), member)


def may_spend(session: Session, member: Member, card_no: str | None = None) -> MemberCard:
    """A redemption may spend points: active member with a usable card (the one presented, or
    the current one)."""
    require_active(member)
    card = card_of(session, member, card_no) if card_no else current_card(session, saved_id(member))
    return require_usable(card, member)
