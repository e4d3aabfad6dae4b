"""Data leaving the access layer in bulk: aggregate statistics (small groups suppressed),
masked exports for the roles allowed to export, and sharing with third parties under the
member's consent. Every one of them is audited."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.errors import ValidationError
from workbench.members.models import Member, MemberStatus, Staff, Store
from workbench.members.registry import PERSONAL_FIELDS, MemberRegistry
from workbench.permissions.access import AccessDenied, Purpose, standing_scope
from workbench.permissions.audit import AuditLog
from workbench.permissions.masking import MASKERS
from workbench.permissions.models import ThirdPartyShare

SUPPRESSED = None  # the count shown for a group smaller than the minimum


@dataclass(frozen=True)
class GroupCount:
    group: tuple[str, ...]
    count: int | None  # None: suppressed, fewer than the minimum group size


def suppress_small_groups(
    rows: list[tuple[tuple[str, ...], int]], min_size: int
) -> list[GroupCount]:
    return [GroupCount(group, n if n >= min_size else SUPPRESSED) for group, n in rows]


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
        sessions,
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
    def member_counts(self, actor: Staff, *, by_store: bool = True, by_tier: bool = True):
        """Members by store and/or tier; every role may ask, within its standing scope."""
        with immediate_session(self.sessions) as session:
            columns = []
            if by_store:
                columns.append(Store.code)
            if by_tier:
                columns.append(Member.tier_code)
            query = (
                select(*columns, func.count())
                .select_from(Member)
                .join(Store, Store.id == Member.store_id)
                .where(Member.status == MemberStatus.ACTIVE)
                .group_by(*columns)
                .order_by(*columns)
            )
            scope = standing_scope(session, actor)
            if scope is not None:
                query = query.where(scope)
            rows = [(tuple(r[:-1]), int(r[-1])) for r in session.execute(query)]
            self.audit.record(session, action="aggregate", result="allowed", actor_id=actor.id,
                              detail={"report": "member_counts", "groups": len(rows)})  # fmt: skip
            session.commit()
        return suppress_small_groups(rows, self.min_group_size)

    # Exports -----------------------------------------------------------------------------------
    def export_members(self, actor: Staff, *, store_code: str | None = None) -> Export:
        """A masked member list, headed with who exported it and when."""
        with immediate_session(self.sessions) as session:
            if str(actor.role) not in self.export_roles:
                self.audit.record(session, action="export", result="denied", actor_id=actor.id,
                                  detail={"why": "role may not export"})  # fmt: skip
                session.commit()
                raise AccessDenied(f"{actor.username} ({actor.role}) may not export member lists")
            query = (
                select(Member, Store.code)
                .join(Store, Store.id == Member.store_id)
                .where(Member.status != MemberStatus.TERMINATED)
                .order_by(Member.id)
            )
            scope = standing_scope(session, actor)
            if scope is not None:
                query = query.where(scope)
            if store_code:
                query = query.where(Store.code == store_code)
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["member_no", "store", "status", "tier", *PERSONAL_FIELDS])
            count = 0
            for member, code in session.execute(query.execution_options(yield_per=2000)):
                clear = self.registry.decrypt(member)
                masked = [MASKERS[f](clear[f]) for f in PERSONAL_FIELDS]
                writer.writerow([member.member_no, code, member.status, member.tier_code, *masked])
                count += 1
            now = self.clock.now()
            self.audit.record(session, action="export", result="allowed", actor_id=actor.id,
                              purpose=Purpose.EXPORT.value,
                              detail={"what": "members", "store": store_code, "rows": count})  # fmt: skip
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
    ) -> dict[str, str | None]:
        """Hand listed fields to a partner under an agreement, only with the member's consent."""
        if not partner.strip() or not agreement_ref.strip():
            raise ValidationError("agreement", "name the partner and the agreement")
        unknown = set(fields) - set(PERSONAL_FIELDS)
        if unknown or not fields:
            raise ValidationError("fields", f"choose from {', '.join(PERSONAL_FIELDS)}")
        with immediate_session(self.sessions) as session:
            member = self.registry.get(session, member_no)
            why = None
            if str(actor.role) not in self.share_roles:
                why = "role may not share with third parties"
            elif not member.consent_third_party:
                why = "the member has not consented to sharing"
            if why:
                self.audit.record(session, action="share", result="denied", actor_id=actor.id,
                                  member_id=member.id, detail={"partner": partner, "why": why})  # fmt: skip
                session.commit()
                raise AccessDenied(why)
            now: datetime = self.clock.now()
            session.add(ThirdPartyShare(member_id=member.id, partner=partner.strip(),
                                        agreement_ref=agreement_ref.strip(),
                                        fields=",".join(fields), shared_by_id=actor.id,
                                        shared_at=now))  # fmt: skip
            self.audit.record(session, action="share", result="allowed", actor_id=actor.id,
                              member_id=member.id, purpose=Purpose.SHARE.value,
                              detail={"partner": partner, "agreement": agreement_ref,
                                      "fields": fields})  # fmt: skip
            values = self.registry.decrypt(member, tuple(fields))
            session.commit()
            return values
