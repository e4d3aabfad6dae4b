"""Push: the service data the workbench owns goes back to Odoo.

- Each linked member's tier (its code, or the value [odoo] tier_codes maps it to), points balance
  (what they may spend now: what expired is recorded first) and opt-out flags are written to the
  partner fields the [odoo] *_field settings name, when they differ from what was last written
  (or someone changed them in Odoo, which the pull noticed). Members sharing the same values go
  in one write. A partner Odoo refuses (a constraint, a value its selection field lacks, a
  deleted record) is found by halving the batch, skipped and reported; the rest go on, and the
  complaints after them.
- Contact data changed in the workbench is not pushed: Odoo owns it, and its next change there
  overwrites ours. Such a change is logged as a conflict, once, so someone makes it in Odoo too.
- New complaints become Helpdesk tickets (when helpdesk.ticket is installed): the complaint
  number, category, priority and the member's partner; the member's own words only when
  [odoo] complaint_text is on. A row is stored before the ticket is created, so a run that died
  in between finds its ticket by name rather than making a second one.
- A ticket is created in the Helpdesk stage [odoo] ticket_stages names for its complaint's state
  (a closed complaint's in 已关闭, not 新建), and moved there when the state changes later (one
  write per stage and batch); what was last given is kept (pushed_state), so nothing is written
  twice. A stage Odoo lacks is a warning and leaves the ticket where it is.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from hashlib import sha256
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.complaints.models import Complaint
from workbench.crm.errors import (
    OdooAccessDenied,
    OdooFieldMissing,
    OdooModelMissing,
    OdooRecordRejected,
)
from workbench.crm.mapping import (
    HELPDESK,
    HELPDESK_STAGE,
    PARTNER,
    SERVICE_DATA,
    TICKET_PRIORITY,
    ServiceDatum,
    master_data,
    service_values,
    ticket_name,
)
from workbench.crm.models import ComplaintTicket, PartnerLink, SyncIssue
from workbench.crm.options import SyncOptions
from workbench.crm.report import Progress, Recorder, SyncReport
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, PointsEntry
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry

if TYPE_CHECKING:  # odoorpc is loaded only to talk to Odoo
    from workbench.crm.client import OdooClient

CONTACT = ("name", "phone", "email", "address")
DELETED = "MissingError"  # Odoo's answer about a record that no longer exists
Item = TypeVar("Item")
Result = TypeVar("Result")
# A linked member's service data: SERVICE_DATA's names to their values.
ServiceData = dict[str, ServiceDatum]
# (complaint id, complaint number, the ticket's values)
TicketItem = tuple[int, str, dict[str, object]]
# (complaint id, complaint number, ticket id, the complaint's state)
MoveItem = tuple[int, str, int, str]


@dataclass
class Push:
    client: OdooClient
    sessions: sessionmaker[Session]
    registry: MemberRegistry
    ledger: PointsLedger
    clock: Clock
    options: SyncOptions
    report: SyncReport
    recorder: Recorder
    progress: Progress

    def run(self) -> None:
        for step in (self.partners, self.complaints):
            try:
                step()
            except (OdooAccessDenied, OdooModelMissing, OdooFieldMissing) as exc:
                self.report.failures.append(str(exc))  # that part waits; the other goes on

    # Partners ------------------------------------------------------------------------------------
    def partners(self) -> None:
        available = self.client.fields(PARTNER)
        fields = {d: f for d, f in self.options.service_fields.items() if f in available}
        missing = sorted(set(self.options.service_fields.values()) - set(fields.values()))
        if missing:
            self.report.warnings.append(
                f"Odoo's res.partner has no field {', '.join(missing)}: not pushed (create the "
                "field in Odoo, or empty its [odoo] *_field setting)"
            )
        self._report_local_edits()
        if not fields:
            return
        with immediate_session(self.sessions) as session:
            # what expired and is unspent is recorded first (what the nightly job would write),
            # under the members' ledger locks: the balances read next are what they may spend
            self.report.counts["points_expired"] += self.ledger.expire_due(session)
            due = self._due(session, fields)
            session.commit()
        groups: dict[tuple[ServiceDatum, ...], list[tuple[int, int]]] = defaultdict(list)
        data_of: dict[tuple[ServiceDatum, ...], ServiceData] = {}
        for member_id, partner_id, data in due:
            key = tuple(data[d] for d in SERVICE_DATA)
            groups[key].append((member_id, partner_id))
            data_of[key] = data
        done = 0
        self.progress("partners", done, len(due))
        for key, items in groups.items():
            values = service_values(fields, data_of[key])
            for start in range(0, len(items), self.options.batch_size):
                chunk = items[start : start + self.options.batch_size]
                written, refused = _halving(chunk, partial(self._write_partners, values))
                with immediate_session(self.sessions) as session:
                    self._mark_pushed(session, [item for item, _ in written], data_of[key], fields)
                    self.recorder.resolve(session, PARTNER, [p for (_, p), _ in written])
                    for (member_id, partner_id), exc in refused:
                        self.recorder.skip(
                            session,
                            PARTNER,
                            partner_id,
                            str(exc),
                            member_id=member_id,
                            # a deleted partner's dismissal means "try again": listed anew
                            version="" if DELETED in str(exc) else _values_digest(values),
                        )
                    session.commit()
                self.report.counts["partners_written"] += len(written)
                done += len(chunk)
                self.progress("partners", done, len(due))

    def _write_partners(
        self, values: dict[str, ServiceDatum], members: list[tuple[int, int]]
    ) -> None:
        """Writes the values to the partners of these (member, partner) pairs, in one call."""
        self.client.write(PARTNER, [partner for _, partner in members], values)

    def _due(self, session: Session, fields: dict[str, str]) -> list[tuple[int, int, ServiceData]]:
        """(member, partner, data) of linked members whose pushed values are out of date."""
        balances = dict(
            session.execute(
                select(col(PointsEntry.member_id), func.sum(col(PointsEntry.points)))
                .join(PartnerLink, col(PartnerLink.member_id) == col(PointsEntry.member_id))
                .group_by(col(PointsEntry.member_id))
            ).all()
        )
        gone = set(  # deleted in Odoo: listed once, not tried again until dismissed
            session.scalars(
                select(col(SyncIssue.odoo_id)).where(
                    col(SyncIssue.closed_at).is_(None),
                    col(SyncIssue.direction) == "push",
                    col(SyncIssue.kind) == "skipped",
                    col(SyncIssue.model) == PARTNER,
                    col(SyncIssue.reason).like(f"%({DELETED})%"),
                )
            )
        )
        rows = session.execute(
            select(
                PartnerLink,
                col(Member.tier_code),
                col(Member.sms_opt_out),
                col(Member.email_opt_out),
                col(Member.do_not_call),
            )
            .join(Member, col(Member.id) == col(PartnerLink.member_id))
            .where(col(Member.status) != MemberStatus.TERMINATED)
            .order_by(col(PartnerLink.member_id))
        ).all()
        due: list[tuple[int, int, ServiceData]] = []
        for link, tier, sms, email, call in rows:
            if link.partner_id in gone:
                self.report.counts["partners_deleted_in_odoo"] += 1
                continue
            data: ServiceData = {
                "tier": self.options.tier_value(tier),  # as Odoo's field names it
                "points": int(balances.get(link.member_id) or 0),
                "sms_opt_out": sms,
                "email_opt_out": email,
                "do_not_call": call,
            }
            pushed = _pushed(link)
            if link.push_due or any(data[d] != pushed[d] for d in fields):
                due.append((link.member_id, link.partner_id, data))
        return due

    def _mark_pushed(
        self,
        session: Session,
        written: list[tuple[int, int]],
        data: ServiceData,
        fields: dict[str, str],
    ) -> None:
        """Remember what was written; a datum whose field Odoo lacks stays unwritten, so it goes
        once the field exists."""
        now = self.clock.now()
        for link in session.scalars(
            select(PartnerLink).where(col(PartnerLink.member_id).in_([m for m, _ in written]))
        ):
            for datum in fields:
                setattr(link, f"pushed_{datum}", data[datum])
            link.push_due, link.pushed_at = False, now

    def _report_local_edits(self) -> None:
        with self.sessions() as session:
            rows = session.execute(
                select(PartnerLink, Member)
                .join(Member, col(Member.id) == col(PartnerLink.member_id))
                .where(col(Member.status) != MemberStatus.TERMINATED)
            ).all()
        edited = []
        for link, member in rows:
            values = self.registry.decrypt(member, CONTACT)
            digest = self.registry.blind_index.digest(
                "odoo_master", master_data(*(values[name] for name in CONTACT))
            )
            if digest not in (link.master_digest, link.reported_digest):
                edited.append((link.member_id, link.partner_id, digest))
        if not edited:
            return
        with immediate_session(self.sessions) as session:
            for member_id, partner_id, digest in edited:
                self.recorder.conflict(
                    session,
                    PARTNER,
                    partner_id,
                    "contact data changed in the workbench; Odoo "
                    "owns it and its next change there overwrites ours: make the change in Odoo "
                    "too",
                    member_id=member_id,
                )
                session.get_one(PartnerLink, member_id).reported_digest = digest
            session.commit()

    # Complaints ----------------------------------------------------------------------------------
    def complaints(self) -> None:
        if not self.options.push_complaints:
            return
        if not self.client.has_model(HELPDESK):
            self.report.warnings.append(
                "Odoo has no Helpdesk (helpdesk.ticket): complaints are not pushed"
            )
            return
        available = self.client.fields(HELPDESK)
        stages = self._stages(available)
        self._recover_unknown()
        self._create_new(available, stages)
        if stages:
            self._move_tickets(stages)

    def _create_new(self, available: dict[str, str], stages: dict[str, int]) -> None:
        after = 0
        while True:
            with immediate_session(self.sessions) as session:
                complaints = list(
                    session.scalars(
                        select(Complaint)
                        .outerjoin(
                            ComplaintTicket, col(ComplaintTicket.complaint_id) == col(Complaint.id)
                        )
                        .where(
                            col(ComplaintTicket.complaint_id).is_(None), col(Complaint.id) > after
                        )
                        .order_by(col(Complaint.id))
                        .limit(self.options.batch_size)
                    )
                )
                if not complaints:
                    return
                partner_of = dict(
                    session.execute(
                        select(col(PartnerLink.member_id), col(PartnerLink.partner_id)).where(
                            col(PartnerLink.member_id).in_(
                                {c.member_id for c in complaints if c.member_id}
                            )
                        )
                    ).all()
                )
                now = self.clock.now()
                for complaint in complaints:
                    session.add(ComplaintTicket(complaint_id=saved_id(complaint), attempted_at=now))
                tickets: list[TicketItem] = [
                    (saved_id(c), c.complaint_no, self._ticket(c, partner_of, available, stages))
                    for c in complaints
                ]
                # the state whose stage each ticket is given (None: none is)
                staged = {saved_id(c): c.state if c.state in stages else None for c in complaints}
                session.commit()
            after = saved_id(complaints[-1])
            created, refused = _halving(tickets, self._create_tickets)
            with immediate_session(self.sessions) as session:
                now = self.clock.now()
                for (complaint_id, _, _), ticket_id in created:
                    row = session.get_one(ComplaintTicket, complaint_id)
                    row.ticket_id, row.pushed_at = ticket_id, now
                    row.pushed_state = staged[complaint_id]
                for (complaint_id, complaint_no, _), exc in refused:  # tried again next run
                    session.execute(
                        delete(ComplaintTicket).where(
                            col(ComplaintTicket.complaint_id) == complaint_id
                        )
                    )
                    self.recorder.skip(session, HELPDESK, None, f"complaint {complaint_no}: {exc}")
                session.commit()
            self.report.counts["tickets_created"] += len(created)

    def _create_tickets(self, tickets: list[TicketItem]) -> list[int]:
        """Creates these tickets in one call: their ids, in order."""
        return self.client.create(HELPDESK, [values for _, _, values in tickets])

    def _stages(self, available: dict[str, str]) -> dict[str, int]:
        """Complaint state → the id of the Helpdesk stage its ticket goes in ([odoo]
        ticket_stages, the first stage of that name by sequence); states whose stage Odoo lacks
        are left out, with a warning."""
        wanted = self.options.ticket_stages
        if not wanted or "stage_id" not in available:
            return {}
        if not self.client.has_model(HELPDESK_STAGE):
            self.report.warnings.append(
                f"Odoo has no {HELPDESK_STAGE}: tickets stay in the stage Odoo gives them"
            )
            return {}
        names = sorted(set(wanted.values()))
        rows = self.client.search_read(
            HELPDESK_STAGE,
            [["name", "in", names]],
            ["name"],
            limit=max(100, 10 * len(names)),
            order="sequence asc, id asc",
        )
        found: dict[str, int] = {}
        for row in rows:
            found.setdefault(str(row["name"]), int(row["id"]))
        missing = [name for name in names if name not in found]
        if missing:
            self.report.warnings.append(
                f"Odoo's Helpdesk has no stage {', '.join(missing)}: tickets of complaints in "
                "those states stay where they are (create the stage in Odoo, or change [odoo] "
                "ticket_stages)"
            )
        return {state: found[name] for state, name in wanted.items() if name in found}

    def _move_tickets(self, stages: dict[str, int]) -> None:
        """Tickets whose complaint changed state since their stage was given go to the stage of
        the new state (one write per stage and batch); a refused one is listed and tried again
        next run, a deleted one listed once."""
        with self.sessions() as session:
            rows = session.execute(
                select(
                    col(ComplaintTicket.complaint_id),
                    col(Complaint.complaint_no),
                    col(ComplaintTicket.ticket_id),
                    col(ComplaintTicket.pushed_state),
                    col(Complaint.state),
                )
                .join(Complaint, col(Complaint.id) == col(ComplaintTicket.complaint_id))
                .where(
                    col(ComplaintTicket.ticket_id).is_not(None),
                    or_(
                        col(ComplaintTicket.pushed_state).is_(None),
                        col(ComplaintTicket.pushed_state) != col(Complaint.state),
                    ),
                )
                .order_by(col(ComplaintTicket.complaint_id))
            ).all()
        moves: dict[int, list[MoveItem]] = defaultdict(list)
        unchanged: list[MoveItem] = []  # another state, the same stage: nothing to write
        for complaint_id, complaint_no, ticket_id, pushed, state in rows:
            if state not in stages or ticket_id is None:
                continue
            item: MoveItem = (complaint_id, complaint_no, ticket_id, state)
            if pushed is not None and stages.get(pushed) == stages[state]:
                unchanged.append(item)
            else:
                moves[stages[state]].append(item)
        if unchanged:
            with immediate_session(self.sessions) as session:
                self._mark_staged(session, unchanged)
                session.commit()
        for stage_id, items in moves.items():
            for start in range(0, len(items), self.options.batch_size):
                chunk = items[start : start + self.options.batch_size]
                moved, refused = _halving(chunk, partial(self._write_stage, stage_id))
                with immediate_session(self.sessions) as session:
                    gone = [item for item, exc in refused if DELETED in str(exc)]  # listed once
                    self._mark_staged(session, [item for item, _ in moved] + gone)
                    self.recorder.resolve(session, HELPDESK, [item[2] for item, _ in moved])
                    for (_, complaint_no, ticket_id, _), exc in refused:
                        self.recorder.skip(
                            session, HELPDESK, ticket_id, f"complaint {complaint_no}: {exc}"
                        )
                    session.commit()
                self.report.counts["tickets_moved"] += len(moved)

    def _write_stage(self, stage_id: int, items: list[MoveItem]) -> None:
        self.client.write(
            HELPDESK, [ticket_id for _, _, ticket_id, _ in items], {"stage_id": stage_id}
        )

    def _mark_staged(self, session: Session, items: list[MoveItem]) -> None:
        now = self.clock.now()
        for complaint_id, _, _, state in items:
            row = session.get_one(ComplaintTicket, complaint_id)
            row.pushed_state, row.pushed_at = state, now

    def _ticket(
        self,
        complaint: Complaint,
        partner_of: dict[int, int],
        available: dict[str, str],
        stages: dict[str, int],
    ) -> dict[str, object]:
        category = self.options.category_labels.get(complaint.category, complaint.category)
        values: dict[str, object] = {"name": ticket_name(complaint.complaint_no, category)}
        if complaint.state in stages:
            values["stage_id"] = stages[complaint.state]
        partner = partner_of.get(complaint.member_id) if complaint.member_id is not None else None
        if partner and "partner_id" in available:
            values["partner_id"] = partner
        if "priority" in available:
            values["priority"] = TICKET_PRIORITY.get(complaint.priority, "1")
        if "description" in available:
            text = (
                f"<p>Workbench complaint {complaint.complaint_no}: {html.escape(category)}, "
                f"received {complaint.received_at:%Y-%m-%d %H:%M} UTC by "
                f"{complaint.channel}.</p>"
            )
            if self.options.complaint_text:
                words = self.registry.cipher.decrypt("complaint.text", complaint.description_enc)
                text += f"<p>{html.escape(words or '')}</p>"
            values["description"] = text
        return values

    def _recover_unknown(self) -> None:
        """Tickets whose creation was sent but never recorded: found by name, or sent again."""
        with self.sessions() as session:
            pending = session.execute(
                select(col(ComplaintTicket.complaint_id), col(Complaint.complaint_no))
                .join(Complaint, col(Complaint.id) == col(ComplaintTicket.complaint_id))
                .where(col(ComplaintTicket.ticket_id).is_(None))
            ).all()
        for complaint_id, complaint_no in pending:
            found = self.client.search_read(
                HELPDESK, [["name", "=like", f"[{complaint_no}]%"]], ["id"], limit=1, order="id asc"
            )
            with immediate_session(self.sessions) as session:
                row = session.get_one(ComplaintTicket, complaint_id)
                if found:
                    row.ticket_id, row.pushed_at = found[0]["id"], self.clock.now()
                    self.report.counts["tickets_recovered"] += 1
                else:
                    session.delete(row)
                session.commit()


def _values_digest(values: dict[str, ServiceDatum]) -> str:
    """What a refused write held: an issue dismissed on it is not opened again by the same
    write, but is by another."""
    return sha256(repr(sorted(values.items())).encode()).hexdigest()[:32]


def _pushed(link: PartnerLink) -> ServiceData:
    return {
        "tier": link.pushed_tier,
        "points": link.pushed_points,
        "sms_opt_out": link.pushed_sms_opt_out,
        "email_opt_out": link.pushed_email_opt_out,
        "do_not_call": link.pushed_do_not_call,
    }


def _halving(
    items: list[Item], send: Callable[[list[Item]], list[Result] | None]
) -> tuple[list[tuple[Item, Result | None]], list[tuple[Item, OdooRecordRejected]]]:
    """Send items in one call; if Odoo refuses the lot (one call is one transaction), halve it
    until the refused records are alone. Returns (item, result) pairs sent and (item, error)
    pairs refused; a create's result is one id per item."""
    try:
        result = send(items)
    except OdooRecordRejected as exc:
        if len(items) == 1:
            return [], [(items[0], exc)]
        middle = len(items) // 2
        first_sent, first_refused = _halving(items[:middle], send)
        rest_sent, rest_refused = _halving(items[middle:], send)
        return first_sent + rest_sent, first_refused + rest_refused
    results: list[Result | None] = [None] * len(items) if result is None else list(result)
    return list(zip(items, results, strict=True)), []
