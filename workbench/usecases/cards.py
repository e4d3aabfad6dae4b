"""The card lifecycle at the desk: activate a card (binding the phone the customer gives), report
it lost (frozen at once), unfreeze it when found, reissue a new number after a loss, replace a
damaged card, and list a member's cards. The registry does each step with its member event,
audit entry and SMS notice, in this desk's one transaction.

Who may do what (and why):
- **Report lost**: everyone at a counter or on the hotline (agents, supervisors, sales, store
  managers, administrators): freezing protects the member's points and must never wait.
- **Activate, unfreeze (found), reissue, replace damaged**: the store's staff (sales, store
  managers), who hold the card in their hand and see the customer, and supervisors and
  administrators. Not hotline agents: on the phone nobody can see the card or the person, and
  each of these makes a card usable.
- **List a member's cards**: every counter role.
Every store's staff act on their own store's members, the hotline and head office on all
(`member_refs.find_member`); an unknown member and one out of scope get the same refusal.

Which step fits which card (the member's current card; only an active member's cards move):
issued → activate, report lost, replace; active → report lost, replace; lost → found (only while
no new card was issued since: it is still the current card), reissue. A reissue requires the loss
first: a working card is replaced as damaged instead. A phone that does not match the application
is refused and the refusal is audited (someone holding the card might be guessing the number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.audit.chain import AuditLog
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, ValidationError
from workbench.members.models import CardStatus, Member, MemberCard, MemberStatus, Role, Staff
from workbench.members.registry import MemberRegistry
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.member_refs import (
    COUNTER_ROLES,
    MemberLine,
    find_member,
    member_line,
)

if TYPE_CHECKING:
    from workbench.bootstrap import Services


class CardAction(StrEnum):
    ACTIVATE = "activate"
    LOST = "lost"
    FOUND = "found"
    REISSUE = "reissue"
    REPLACE = "replace"


AT_THE_STORE = frozenset({Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})
ROLES: dict[CardAction, frozenset[Role]] = {
    CardAction.ACTIVATE: AT_THE_STORE,
    CardAction.LOST: COUNTER_ROLES,
    CardAction.FOUND: AT_THE_STORE,
    CardAction.REISSUE: AT_THE_STORE,
    CardAction.REPLACE: AT_THE_STORE,
}
# The steps each state of the current card allows (None: the member has no card yet).
STEPS: dict[CardStatus | None, tuple[CardAction, ...]] = {
    CardStatus.ISSUED: (CardAction.ACTIVATE, CardAction.LOST, CardAction.REPLACE),
    CardStatus.ACTIVE: (CardAction.LOST, CardAction.REPLACE),
    CardStatus.LOST: (CardAction.FOUND, CardAction.REISSUE),
    None: (CardAction.REISSUE,),
}
DOING = {
    CardAction.ACTIVATE: "activate a card",
    CardAction.LOST: "report a card lost",
    CardAction.FOUND: "unfreeze a found card",
    CardAction.REISSUE: "reissue a card",
    CardAction.REPLACE: "replace a damaged card",
}


@dataclass(frozen=True)
class CardLine:
    """One of the member's cards, as the history shows it."""

    card_no: str
    status: str
    issued_at: datetime
    activated_at: datetime | None
    lost_at: datetime | None
    closed_at: datetime | None
    current: bool


@dataclass(frozen=True)
class MemberCards:
    """A member's cards, oldest first, and the steps the actor may take on the current one."""

    member: MemberLine
    cards: tuple[CardLine, ...]
    actions: tuple[CardAction, ...]


@dataclass(frozen=True)
class CardDone:
    """A step taken: the card it concerns (the new one, for a reissue or a replacement)."""

    action: CardAction
    member_no: str
    card_no: str
    status: str
    old_card_no: str | None = None


def allowed_steps(role: str, member: Member, current: MemberCard | None) -> tuple[CardAction, ...]:
    if member.status != MemberStatus.ACTIVE:
        return ()
    state = current.status if current is not None else None
    return tuple(step for step in STEPS.get(state, ()) if role in ROLES[step])


class CardDesk:
    def __init__(
        self, *, uow: UnitOfWork, registry: MemberRegistry, cipher: FieldCipher, audit: AuditLog
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.cipher = cipher
        self.audit = audit

    def cards(self, actor: Staff, reference: str) -> MemberCards:
        """The member's cards (by member or card number) and what the actor may do now."""
        require_role(actor, COUNTER_ROLES, "see a member's cards")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, reference)
            cards = self.registry.cards(session, saved_id(member))
            current = self.registry.current_card(session, saved_id(member))
            lines = tuple(
                CardLine(
                    card_no=c.card_no,
                    status=str(c.status),
                    issued_at=c.issued_at,
                    activated_at=c.activated_at,
                    lost_at=c.lost_at,
                    closed_at=c.closed_at,
                    current=current is not None and c.id == current.id,
                )
                for c in cards
            )
            steps = allowed_steps(actor.role, member, current)
            return MemberCards(member_line(self.cipher, member), lines, steps)

    def activate(self, actor: Staff, card_no: str, phone: str) -> CardDone:
        """Binds the card to the member: the phone the customer gives must be the one on the
        application. A wrong phone is refused, and the refusal audited."""
        require_role(actor, ROLES[CardAction.ACTIVATE], DOING[CardAction.ACTIVATE])
        if not (phone or "").strip():
            raise ValidationError("phone", "the customer's phone number is needed to activate")
        try:
            with self.uow.write() as session:
                member = self._locked(session, actor, card_no)
                if self.registry.find_by_card(session, card_no) is None:  # a member number
                    raise ValidationError("card", "activation names the card: give its number")
                card = self.registry.activate_card(
                    session, card_no=card_no.strip(), phone=phone, actor=actor
                )
                return CardDone(
                    CardAction.ACTIVATE, member.member_no, card.card_no, str(card.status)
                )
        except ValidationError as error:
            if error.field == "phone" and (phone or "").strip():
                self._refused(actor, card_no, "phone does not match")
            raise

    def report_lost(self, actor: Staff, reference: str) -> CardDone:
        """Freezes the member's current card at once (SMS and e-mail to the member)."""
        return self._step(actor, reference, CardAction.LOST)

    def found(self, actor: Staff, reference: str) -> CardDone:
        """Unfreezes the lost card, if no new card was issued since."""
        return self._step(actor, reference, CardAction.FOUND)

    def reissue(self, actor: Staff, reference: str) -> CardDone:
        """A new card number for a lost card; points, tier and history stay the member's."""
        return self._step(actor, reference, CardAction.REISSUE)

    def replace_damaged(self, actor: Staff, reference: str) -> CardDone:
        """A new card number for a damaged one; the old card is closed as damaged."""
        return self._step(actor, reference, CardAction.REPLACE)

    def _step(self, actor: Staff, reference: str, action: CardAction) -> CardDone:
        require_role(actor, ROLES[action], DOING[action])
        with self.uow.write() as session:
            member = self._locked(session, actor, reference)
            old = self.registry.current_card(session, saved_id(member))
            member_no, registry = member.member_no, self.registry
            if action == CardAction.LOST:
                card = registry.report_lost(session, member_no=member_no, actor=actor)
            elif action == CardAction.FOUND:
                card = registry.card_found(session, member_no=member_no, actor=actor)
            elif action == CardAction.REISSUE:
                if old is not None and old.status != CardStatus.LOST:
                    raise InvalidState(
                        f"card {old.card_no} is {old.status}: a card is reissued after it "
                        "is reported lost (a damaged card is replaced)"
                    )
                card = registry.reissue_card(session, member_no=member_no, actor=actor)
            else:
                card = registry.replace_damaged(session, member_no=member_no, actor=actor)
            replaced = old.card_no if old is not None and old.id != card.id else None
            return CardDone(action, member_no, card.card_no, str(card.status), replaced)

    def _locked(self, session: Session, actor: Staff, reference: str) -> Member:
        """The member named, locked (on PostgreSQL) so two desks' card steps for one member go
        one after the other: two reissues at once would give the member two new cards."""
        member = find_member(session, self.registry, actor, reference)
        session.refresh(member, with_for_update=True)
        return member

    def _refused(self, actor: Staff, card_no: str, why: str) -> None:
        with self.uow.write() as session:
            found = self.registry.find_by_card(session, card_no)
            self.audit.record(
                session,
                action="card_activate",
                result="refused",
                actor_id=actor.id,
                member_id=found[0].id if found else None,
                detail={"card_no": card_no.strip(), "why": why},
            )


def card_desk(s: Services, uow: UnitOfWork) -> CardDesk:
    return CardDesk(uow=uow, registry=s.registry, cipher=s.cipher, audit=s.audit)
