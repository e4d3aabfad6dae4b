"""Data leaving the access layer in bulk: aggregate statistics (small groups suppressed),
masked exports for the roles allowed to export, and sharing with third parties under the
member's consent. Every one of them is audited."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import ValidationError
from workbench.masking.fields import MASKERS
from workbench.masking.groups import Rules, protect
from workbench.masking.text import refuse_unsafe, spreadsheet_cell
from workbench.members.consent import SHARING_KINDS, ConsentKind, allows, consent_kind
from workbench.members.models import Member, MemberStatus, Staff, Store
from workbench.members.registry import PERSONAL_FIELDS, MemberRegistry
from workbench.permissions.access import AccessDenied, Purpose, standing_scope
from workbench.permissions.models import ThirdPartyShare

SUPPRESSED = None  # the count shown for a hidden group
MEMBERS = "members"  # a store's members over all its tiers


@dataclass(frozen=True)
class GroupCount:
    group: tuple[str, ...]
    count: int | None  # None: suppressed
    hidden: str | None = None  # why: "small" (under the minimum) or "complement" (see groups)


def counts_view(
    cells: dict[tuple[str, str], int], min_size: int, *, by_store: bool, by_tier: bool
) -> list[GroupCount]:
    """The (store, tier) counts as one view, hidden cells protected across every view."""
    stores = sorted({store for store, _ in cells})
    tiers = sorted({tier for _, tier in cells})
    rows = [{t: cells.get((s, t), 0) for t in tiers} for s in stores]
    for row in rows:
        row[MEMBERS] = sum(row[t] for t in tiers)
    total = {name: sum(row[name] for row in rows) for name in [*tiers, MEMBERS]}
    rules = Rules(counts=(*tiers, MEMBERS), breakdowns={MEMBERS: tuple(tiers)})
    hidden = protect(rows, total, rules, min_size)

    def shown(group: tuple[str, ...], index: int, name: str) -> GroupCount:
        row = total if index == -1 else rows[index]
        why = hidden.why(index, name)
        return GroupCount(group, SUPPRESSED if why else row[name], why)

    if by_store and by_tier:
        return [shown((s, t), i, t) for i, s in enumerate(stores) for t in tiers if rows[i][t] > 0]
    if by_store:
        return [shown((s,), i, MEMBERS) for i, s in enumerate(stores)]
    return [shown((t,), -1, t) for t in tiers if total[t] > 0]


@dataclass(frozen=True)
class Export:
    header: str  # names the exporting user and the time
    text: str  # CSV, personal fields masked
    rows: int


class DataSharing:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        registry: MemberRegistry,
        audit: AuditLog,
        min_group_size: int,
        export_roles: set[str],
        share_roles: set[str],
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.registry = registry
        self.audit = audit
        self.min_group_size = min_group_size
        self.export_roles = set(export_roles)
        self.share_roles = set(share_roles)

    # Aggregates --------------------------------------------------------------------------------
    def member_counts(
        self, actor: Staff, *, by_store: bool = True, by_tier: bool = True
    ) -> list[GroupCount]:
        """Active members by store and/or tier; every role may ask, within its standing scope.

        Whatever view is asked for, the cells to hide are chosen on the whole store × tier table
        (statistics.protection): a small group is hidden, and so is a second cell wherever a
        total another view shows (a store's members, a tier's members) would give it away."""
        if not (by_store or by_tier):
            raise ValidationError("by", "store, tier or store,tier")
        with immediate_session(self.sessions) as session:
            query = (
                select(col(Store.code), col(Member.tier_code), func.count())
                .select_from(Member)
                .join(Store, col(Store.id) == col(Member.store_id))
                .where(col(Member.status) == MemberStatus.ACTIVE)
                .group_by(col(Store.code), col(Member.tier_code))
            )
            scope = standing_scope(session, actor)
            if scope is not None:
                query = query.where(scope)
            cells = {(store, tier): int(n) for store, tier, n in session.execute(query)}
            self.audit.record(
                session,
                action="aggregate",
                result="allowed",
                actor_id=actor.id,
                detail={"report": "member_counts", "groups": len(cells)},
            )
            session.commit()
        return counts_view(cells, self.min_group_size, by_store=by_store, by_tier=by_tier)

    # Exports -----------------------------------------------------------------------------------
    def export_members(self, actor: Staff, *, store_code: str | None = None) -> Export:
        """A masked member list, headed with who exported it and when."""
        with immediate_session(self.sessions) as session:
            if str(actor.role) not in self.export_roles:
                self.audit.record(
                    session,
                    action="export",
                    result="denied",
                    actor_id=actor.id,
                    detail={"why": "role may not export"},
                )
                session.commit()
                raise AccessDenied(f"{actor.username} ({actor.role}) may not export member lists")
            query = (
                select(Member, col(Store.code))
                .join(Store, col(Store.id) == col(Member.store_id))
                .where(col(Member.status) != MemberStatus.TERMINATED)
                .order_by(col(Member.id))
            )
            scope = standing_scope(session, actor)
            if scope is not None:
                query = query.where(scope)
            if store_code:
                query = query.where(col(Store.code) == store_code)
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["member_no", "store", "status", "tier", *PERSONAL_FIELDS])
            count = 0
            for member, code in session.execute(query.execution_options(yield_per=2000)):
                clear = self.registry.decrypt(member)
                masked = [MASKERS[f](clear[f]) for f in PERSONAL_FIELDS]
                row = [member.member_no, code, member.status, member.tier_code, *masked]
                # Old data: no controls; member text never runs as a spreadsheet formula.
                writer.writerow([spreadsheet_cell(value) for value in row])
                count += 1
            now = self.clock.now()
            self.audit.record(
                session,
                action="export",
                result="allowed",
                actor_id=actor.id,
                purpose=Purpose.EXPORT.value,
                detail={"what": "members", "store": store_code, "rows": count},
            )
            session.commit()
        header = (
            f"# member export by {actor.username} ({actor.role}) at {now.isoformat()}; "
            f"{count} rows; personal fields masked"
        )
        return Export(header=header, text=f"{header}\n{out.getvalue()}", rows=count)

    # Third parties ------------------------------------------------------------------------------
    def share_with_third_party(
        self,
        actor: Staff,
        *,
        member_no: str,
        partner: str,
        agreement_ref: str,
        fields: list[str],
        kind: ConsentKind | str,
    ) -> dict[str, str | None]:
        """Hand listed fields to a partner under an agreement, only with the member's consent to
        this kind of sharing (`ConsentKind.PARTNER_OFFERS`, `GROUP_COMPANIES`)."""
        which = consent_kind(str(kind))
        if which not in SHARING_KINDS:
            raise ValidationError("kind", f"one of {', '.join(SHARING_KINDS)}")
        partner = refuse_unsafe(partner.strip(), "partner")
        agreement_ref = refuse_unsafe(agreement_ref.strip(), "agreement_ref")
        if not partner or not agreement_ref:
            raise ValidationError("agreement", "name the partner and the agreement")
        unknown = set(fields) - set(PERSONAL_FIELDS)
        if unknown or not fields:
            raise ValidationError("fields", f"choose from {', '.join(PERSONAL_FIELDS)}")
        with immediate_session(self.sessions) as session:
            may_share = str(actor.role) in self.share_roles
            # A role that may not share is refused whatever the number names: the same words
            # for a member and for no member.
            member = session.scalar(
                select(Member).where(col(Member.member_no) == member_no.strip().upper())
            )
            why = None
            if not may_share:
                why = "role may not share with third parties"
            elif member is not None and not allows(session, member, which):
                why = f"the member has not consented to sharing ({which.value})"
            if why:
                self.audit.record(
                    session,
                    action="share",
                    result="denied",
                    actor_id=actor.id,
                    member_id=member.id if member is not None else None,
                    detail={"partner": partner, "kind": which.value, "why": why},
                )
                session.commit()
                raise AccessDenied(why)
            if member is None:
                member = self.registry.get(session, member_no)  # its NotFound
            now: datetime = self.clock.now()
            session.add(
                ThirdPartyShare(
                    member_id=saved_id(member),
                    partner=partner,
                    agreement_ref=agreement_ref,
                    fields=",".join(fields),
                    shared_by_id=saved_id(actor),
                    shared_at=now,
                )
            )
            self.audit.record(
                session,
                action="share",
                result="allowed",
                actor_id=actor.id,
                member_id=member.id,
                purpose=Purpose.SHARE.value,
                detail={
                    "partner": partner,
                    "agreement": agreement_ref,
                    "kind": which.value,
                    "fields": fields,
                },
            )
            values = self.registry.decrypt(member, tuple(fields))
            session.commit()
            return values
