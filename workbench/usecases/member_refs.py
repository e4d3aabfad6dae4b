"""How the member desk's use cases name a member and show one in a list.

A person names a member by the member number or by a card number (the card a customer presents
at a till, old cards included). Unknown numbers and members the actor may not act on are refused
with the same words, so a refusal never tells whether the member exists. A list shows a member
as their number and masked name, and a staff member by name — never an id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from workbench.crypto import FieldCipher
from workbench.errors import NotFound
from workbench.masking.fields import mask_name
from workbench.members.models import Member, Role, Staff
from workbench.members.registry import MemberRegistry
from workbench.permissions.access import serves_all_stores

# Roles that act on any member of their branch at a counter or on the hotline: the operation
# shows no personal data beyond the masked name, so it needs no access grant.
COUNTER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SALES, Role.STORE_MANAGER, Role.ADMIN})


NOBODY = "—"  # a list's cell for no member or no staff member (the system)


class UnknownMember(NotFound):
    """No member answers to the number given, or none the actor may act on: one message."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no member or card {reference.strip()!r} that you may act on")


@dataclass(frozen=True)
class MemberLine:
    """A member as a list shows them: number, masked name, tier and status."""

    member_no: str
    masked_name: str
    tier_code: str
    status: str


def find_member(session: Session, registry: MemberRegistry, actor: Staff, reference: str) -> Member:
    """The member a member number or card number names, if `actor` may act on them: every
    store's staff act on their own store's members; the hotline and head office on all."""
    text = (reference or "").strip()
    if not text:
        raise UnknownMember(text)
    member = _by_number(session, registry, text)
    # Head office is a store too (kind headquarters): its staff act on every store's members.
    all_stores = serves_all_stores(session, actor)
    if member is None or not may_act_on(actor, member, all_stores=all_stores):
        raise UnknownMember(text)
    return member


def _by_number(session: Session, registry: MemberRegistry, text: str) -> Member | None:
    found = registry.find_by_card(session, text)
    if found is not None:
        return found[0]
    try:
        return registry.get(session, text)
    except NotFound:
        return None


def may_act_on(actor: Staff, member: Member, *, all_stores: bool | None = None) -> bool:
    """Store staff act on their own store's members; staff of no store (hotline, head office)
    on every member. `all_stores`: the actor serves every store (head-office staff, see
    permissions.access.serves_all_stores); by default, staff of no store."""
    if not actor.active or actor.role not in COUNTER_ROLES:
        return False
    if all_stores is None:
        all_stores = actor.store_id is None
    return all_stores or actor.store_id == member.store_id


def member_line(cipher: FieldCipher, member: Member) -> MemberLine:
    name = cipher.decrypt("name", member.name_enc)
    return MemberLine(
        member_no=member.member_no,
        masked_name=mask_name(name) or NOBODY,
        tier_code=member.tier_code,
        status=str(member.status),  # a plain str when loaded (a String column), else the enum
    )


def member_label(session: Session, cipher: FieldCipher, member_id: int | None) -> str:
    """A member named in a list by id: 'M123456789 张*', or — for none (or one not stored)."""
    member = session.get(Member, member_id) if member_id is not None else None
    if member is None:
        return NOBODY
    line = member_line(cipher, member)
    return f"{line.member_no} {line.masked_name}"


def staff_name(session: Session, staff_id: int | None) -> str:
    """A staff member as lists show them: their display name (and username)."""
    if staff_id is None:
        return NOBODY
    staff = session.get(Staff, staff_id)
    if staff is None:
        return NOBODY
    return f"{staff.display_name} ({staff.username})"
