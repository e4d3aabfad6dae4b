"""Pull: Odoo partners that are members become members, their confirmed orders purchases that
earn points.

Matching, so that no one is ever made twice: the partner's stored link first, then the member
holding its mobile number (blind index), then the one holding its ID-card number. A partner that
fails the registry's validation (no mainland mobile, a bad ID check character, no name…) is
skipped and reported and the rest go on; it comes back by itself once fixed in Odoo, since the
fix moves its write_date past the cursor.

Partners without an ID-card number are taken: Odoo holds none unless a custom field is named in
[odoo] id_number_field, and refusing them would leave out nearly every member. Such a member has
no ID number, birthday or gender until they give them (the ID is never asked for by SMS); a
number Odoo does give is checked like an application's and never erased by a later pull.

Odoo owns the contact data (name, mobile, e-mail, address): its values win. Changed on both sides
since the last pull, or different when a partner is first linked to an existing member, is a
conflict, logged with the field names (never the values). The service fields Odoo holds for us
(tier, points, opt-outs) are the workbench's: edited in Odoo, they are logged as a conflict and
written back by the next push.

Orders: the member domain is applied through the order's partner, so other customers' orders are
never fetched; an order becomes a purchase once (its external reference `odoo:<model>:<id>`), at
its member's tier, booked to the [odoo] store at the order's own time. Free orders earn nothing
and are counted. A confirmed order cancelled later, and a refund (a negative order naming the
orders it refunds, as Odoo's POS does), take back the points the purchase earned by the rules of
a return at a store: never more than the member may spend now, the shortfall recorded on the
return; each once, under its own return reference. A refund whose original is not known is
listed. A partner linked after its orders went past the order cursor has them fetched by partner
(the link's `orders_backfill`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from hashlib import sha256
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.crm import cursor
from workbench.crm.errors import OdooAccessDenied, OdooFieldMissing, OdooModelMissing
from workbench.crm.mapping import (
    CANCELLED_STATE,
    CONFIRMED_STATES,
    ORDER_FIELDS,
    PARTNER,
    REFUNDED_ORDERS,
    SOURCE,
    OdooRecord,
    lenient_partner_application,
    many2one_id,
    master_data,
    member_order_domain,
    order_amount,
    order_time,
    partner_fields,
)
from workbench.crm.models import IdentityReview, PartnerLink, SyncCursor
from workbench.crm.options import SyncOptions
from workbench.crm.report import Progress, Recorder, SyncReport
from workbench.db.copy_insert import any_of, insert_rows, table_of
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import ValidationError
from workbench.members.models import Member, MemberStatus, Purchase, Staff
from workbench.members.points import PointsLedger, PurchaseLine, checked_amount
from workbench.members.registry import CheckedApplication, MemberRegistry
from workbench.members.return_models import PurchaseReturn
from workbench.members.returns import PurchaseReturns

if TYPE_CHECKING:  # odoorpc is loaded only to talk to Odoo
    from workbench.crm.client import OdooClient

CONTACT = ("name", "phone", "email", "address")
MODEL_PROBLEMS = (OdooAccessDenied, OdooModelMissing, OdooFieldMissing)
# Rows written per transaction on SQLite: a page of [odoo] batch_size rows is applied in
# transactions this small, so the write lock is held briefly whatever the batch size (PostgreSQL
# locks rows: a page a transaction, see Pull._write_rows).
WRITE_ROWS = 200


@dataclass
class Pull:
    client: OdooClient
    sessions: sessionmaker[Session]
    registry: MemberRegistry
    ledger: PointsLedger
    clock: Clock
    options: SyncOptions
    store_id: int
    report: SyncReport
    recorder: Recorder
    actor: Staff | None
    progress: Progress
    # partners whose held identity change customer service applied (OdooSync.apply_review)
    approved: frozenset[int] = frozenset()

    def run(self, order_models: list[str]) -> None:
        self.partners()
        steps = [partial(self.backfill, order_models)]
        steps += [partial(self.orders, model) for model in order_models]
        for step in steps:
            try:
                step()
            except MODEL_PROBLEMS as exc:  # that model is left for now; the others go on
                if str(exc) not in self.report.failures:
                    self.report.failures.append(str(exc))

    # Partners ------------------------------------------------------------------------------------
    def partners(self) -> None:
        domain_fields = [
            term[0] for term in self.options.member_domain if not isinstance(term, str)
        ]
        self.client.require_fields(PARTNER, domain_fields, "[odoo] member_domain")
        if self.options.id_number_field:
            self.client.require_fields(
                PARTNER, [self.options.id_number_field], "[odoo] id_number_field"
            )
        fields = partner_fields(self.client.fields(PARTNER), self.options)
        domain = list(self.options.member_domain)
        mentions_active = any(not isinstance(term, str) and term[0] == "active" for term in domain)
        if "active" in fields and not mentions_active:
            domain.append(["active", "in", [True, False]])  # archived ones too: listed
        with self.sessions() as session:
            start = self._start(session, PARTNER)
            backfill = self._orders_begun(session)
        total = self.client.search_count(PARTNER, [*domain, *start.domain()])
        done = 0
        self.progress("partners", done, total)
        for rows, position in cursor.pages(
            self.client, PARTNER, domain, fields, start, self.options.batch_size
        ):
            self._in_short_transactions(
                rows,
                partial(self._apply_partners, backfill=backfill),
                partial(self._save_position, PARTNER, position),
            )
            done += len(rows)
            self.report.counts["partners_read"] += len(rows)
            self.progress("partners", done, max(total, done))

    def apply_approved(self, session: Session, rows: list[OdooRecord]) -> None:
        """Partners read again for an approved review, taken in the caller's transaction."""
        self._apply_partners(session, rows=rows, backfill=self._orders_begun(session))

    def _in_short_transactions(
        self,
        rows: list[OdooRecord],
        apply: Callable[..., None],
        save: Callable[[Session], None],
    ) -> None:
        """Applies a page in transactions of at most _write_rows rows (SQLite: WRITE_ROWS), each
        taking the write lock up front and holding it briefly, so a look-up meanwhile waits (within the busy timeout)
        rather than fails. The cursor moves with the last one: a pull killed in between reads the
        page again, and what was already applied changes nothing."""
        size = self._write_rows(len(rows))
        starts = range(0, len(rows), size) if rows else range(1)
        for start in starts:
            with immediate_session(self.sessions) as session:
                if rows:
                    apply(session, rows=rows[start : start + size])
                if start + size >= len(rows):
                    save(session)
                session.commit()

    def _write_rows(self, page: int) -> int:
        """Rows per write transaction. SQLite has one writer: WRITE_ROWS, so a look-up waits
        briefly. PostgreSQL locks rows, not the database (a page locks only its own members'
        ledger rows): a page a transaction, fewer commits and round trips."""
        return max(page, 1) if self._on_postgresql() else WRITE_ROWS

    def _on_postgresql(self) -> bool:
        bind = self.sessions.kw.get("bind")
        return bind is not None and bind.dialect.name == "postgresql"

    def _save_position(self, model: str, position: cursor.Position, session: Session) -> None:
        cursor.save(session, self._cursor_key(model), position, self.clock.now())

    def _cursor_key(self, model: str) -> str:
        """A model's cursor is kept per set of companies synced: records of a company added to
        [odoo] allowed_company_ids lie behind the old cursor, so the new set reads from the
        start (reading a record again changes nothing)."""
        companies = ",".join(map(str, sorted(self.options.company_ids)))
        if not companies:
            return model
        key = f"{model}@{companies}"
        return key if len(key) <= 64 else f"{model}@{sha256(companies.encode()).hexdigest()[:16]}"

    def _orders_begun(self, session: Session) -> bool:
        """Whether orders have been read before: a member linked from now on may have older
        orders the order cursor has passed, which must be fetched by partner."""
        keys = [self._cursor_key(model) for model in self.options.order_models]
        query = select(col(SyncCursor.model)).where(
            col(SyncCursor.model).in_(keys), col(SyncCursor.second) != ""
        )
        return session.scalar(query.limit(1)) is not None

    def _start(self, session: Session, model: str) -> cursor.Position:
        overlap = timedelta(seconds=self.options.overlap_seconds)
        return cursor.load(session, self._cursor_key(model), now=self.clock.now(), overlap=overlap)

    def _apply_partners(self, session: Session, rows: list[OdooRecord], backfill: bool) -> None:
        archived = [row for row in rows if row.get("active") is False]
        if archived:
            self._archived(session, archived)
            rows = [row for row in rows if row.get("active") is not False]
        checked: dict[int, CheckedApplication] = {}
        dropped: dict[int, list[ValidationError]] = {}
        for row in rows:
            try:
                checked[row["id"]], dropped[row["id"]] = lenient_partner_application(
                    row, self.options
                )
            except ValidationError as exc:
                self.recorder.skip(
                    session,
                    PARTNER,
                    row["id"],
                    str(exc),
                    field_names=exc.field,
                    version=_version(row),
                )
                self.report.counts["partners_skipped"] += 1
        if not checked:
            return
        phone_of = {pid: self.registry.phone_bidx(c.phone) for pid, c in checked.items()}
        idno_of = {
            pid: self.registry.id_number_bidx(c.id_number)
            for pid, c in checked.items()
            if c.id_number
        }
        links = {
            link.partner_id: link
            for link in session.scalars(
                select(PartnerLink).where(any_of(session, col(PartnerLink.partner_id), checked))
            )
        }
        by_phone = {
            m.phone_bidx: m
            for m in session.scalars(
                select(Member).where(any_of(session, col(Member.phone_bidx), phone_of.values()))
            )
        }
        by_idno = (
            {
                m.id_number_bidx: m
                for m in session.scalars(
                    select(Member).where(
                        any_of(session, col(Member.id_number_bidx), idno_of.values())
                    )
                )
            }
            if idno_of
            else {}
        )
        members = {m.id: m for m in [*by_phone.values(), *by_idno.values()]}
        linked_ids = [link.member_id for link in links.values() if link.member_id not in members]
        if linked_ids:
            members |= {
                m.id: m
                for m in session.scalars(
                    select(Member).where(any_of(session, col(Member.id), linked_ids))
                )
            }
        link_of_member = {
            link.member_id: link
            for link in session.scalars(
                select(PartnerLink).where(any_of(session, col(PartnerLink.member_id), members))
            )
        }

        page = _Page()
        admissions: list[tuple[OdooRecord, CheckedApplication]] = []
        taken: list[int] = []  # partners that went through: what was skipped of them is resolved
        for row in rows:
            pid = row["id"]
            if pid not in checked:
                continue
            link = links.get(pid)
            member: Member | None
            if link is not None:
                member = members[link.member_id]
            else:
                member = by_phone.get(phone_of[pid]) or by_idno.get(idno_of.get(pid))
            refusal = page.refusal(
                pid,
                phone_of[pid],
                idno_of.get(pid),
                member,
                link,
                by_phone,
                by_idno,
                link_of_member,
            )
            if refusal:
                self.recorder.skip(
                    session,
                    PARTNER,
                    pid,
                    refusal,
                    member_id=member.id if member else None,
                    version=_version(row),
                )
                self.report.counts["partners_skipped"] += 1
                continue
            if (
                member is not None
                and member.status != MemberStatus.TERMINATED
                and (link is None or row["write_date"] != link.partner_write_date)
                and pid not in self.approved
            ):
                differing = self._identity_change(member, checked[pid], linked=link is not None)
                if differing:
                    self._hold(session, row, member, differing, linked=link is not None)
                    continue
            if member is None or member.status != MemberStatus.TERMINATED:
                taken.append(pid)
                for refused in dropped[pid]:
                    self.recorder.drop(
                        session,
                        PARTNER,
                        pid,
                        f"{refused}: taken without it",
                        field_names=refused.field,
                        member_id=member.id if member else None,
                        version=_version(row),
                    )
            if member is None:
                admissions.append((row, checked[pid]))
            elif link is None:
                self._link(session, row, checked[pid], member, backfill)
            elif row["write_date"] != link.partner_write_date:
                self._refresh(session, row, checked[pid], member, link)
            else:
                self.report.counts["partners_unchanged"] += 1
        self._admit(session, admissions, backfill)
        self.recorder.resolve(session, PARTNER, taken)
        self.recorder.resolve(session, PARTNER, taken, kind="archived")  # active again
        self.recorder.resolve(
            session, PARTNER, [pid for pid in taken if not dropped[pid]], kind="dropped"
        )

    def _archived(self, session: Session, rows: list[OdooRecord]) -> None:
        """An archived partner is not taken; a member's is listed for a decision: the member
        leaves (`workbench termination request`) or stays (dismiss the issue)."""
        members = dict(
            session.execute(
                select(col(PartnerLink.partner_id), col(Member.member_no))
                .join(Member, col(Member.id) == col(PartnerLink.member_id))
                .where(
                    col(PartnerLink.partner_id).in_([row["id"] for row in rows]),
                    col(Member.status) != MemberStatus.TERMINATED,
                )
            ).all()
        )
        link_of = dict(
            session.execute(
                select(col(PartnerLink.partner_id), col(PartnerLink.member_id)).where(
                    col(PartnerLink.partner_id).in_(list(members))
                )
            ).all()
        )
        for row in rows:
            self.report.counts["partners_archived"] += 1
            member_no = members.get(row["id"])
            if member_no is None:
                continue  # not a member here: nothing to decide
            self.recorder.archived(
                session,
                PARTNER,
                row["id"],
                f"archived in Odoo while member {member_no} is active: decide whether they "
                "leave (workbench termination request) or stay (dismiss this issue)",
                member_id=link_of[row["id"]],
                version=_version(row),
            )

    def _identity_change(
        self, member: Member, checked: CheckedApplication, *, linked: bool
    ) -> list[str]:
        """What would change who the member is: an ID-card number other than theirs, or
        another name on their mobile (a number given to someone else, a partner reused); a
        name corrected on the member's own partner, their mobile unchanged, is not."""
        ours = self.registry.decrypt(member, ("name", "phone", "id_number"))
        differing = []
        if (ours["name"] or "") != checked.name and (
            not linked or (ours["phone"] or "") != checked.phone
        ):
            differing.append("name")
        if ours["id_number"] and checked.id_number and ours["id_number"] != checked.id_number:
            differing.append("id_number")
        return differing

    def _hold(
        self,
        session: Session,
        row: OdooRecord,
        member: Member,
        differing: list[str],
        *,
        linked: bool,
    ) -> None:
        """Held for customer service (once per version of the partner); nothing is applied."""
        known = session.scalar(
            select(IdentityReview).where(
                col(IdentityReview.partner_id) == row["id"],
                col(IdentityReview.partner_write_date) == row["write_date"],
            )
        )
        if known is not None:
            self.report.counts["identity_changes_still_held"] += 1
            return
        session.execute(
            update(IdentityReview)
            .where(
                col(IdentityReview.partner_id) == row["id"],
                col(IdentityReview.status) == "pending",
            )
            .values(status="superseded", decided_at=self.clock.now())
        )
        session.add(
            IdentityReview(
                partner_id=row["id"],
                member_id=saved_id(member),
                partner_write_date=row["write_date"],
                field_names=",".join(differing),
                linked=linked,
                run_id=self.recorder.run_id,
                held_at=self.clock.now(),
            )
        )
        self.report.counts["identity_changes_held"] += 1

    def _admit(
        self,
        session: Session,
        admissions: list[tuple[OdooRecord, CheckedApplication]],
        backfill: bool,
    ) -> None:
        admitted = self.registry.admit(
            session,
            applications=[c for _, c in admissions],
            store_id=self.store_id,
            source=SOURCE,
            actor=self.actor,
        )
        now = self.clock.now()
        if admitted:
            insert_rows(
                session,
                table_of(PartnerLink),
                [
                    {
                        "member_id": member_id,
                        "partner_id": row["id"],
                        "master_digest": self._digest(checked),
                        "partner_write_date": row["write_date"],
                        "orders_backfill": backfill,
                        "push_due": False,
                        "linked_at": now,
                        "pulled_at": now,
                    }
                    for (row, checked), member_id in zip(admissions, admitted, strict=True)
                ],
            )
        self.report.counts["members_created"] += len(admitted)

    def _link(
        self,
        session: Session,
        row: OdooRecord,
        checked: CheckedApplication,
        member: Member,
        backfill: bool,
    ) -> None:
        """A partner found as an existing member (by mobile or ID number): link it, take Odoo's
        contact data, and log it as a conflict where ours differed."""
        now = self.clock.now()
        differing = self._differing(member, checked)
        if differing:
            self.recorder.conflict(
                session,
                PARTNER,
                row["id"],
                "linked to an existing member whose contact data differed: Odoo's is kept",
                field_names=",".join(differing),
                member_id=member.id,
                version=_version(row),
            )
        self.registry.apply_master_data(
            session, member=member, checked=checked, source=SOURCE, actor=self.actor
        )
        session.add(
            PartnerLink(
                member_id=saved_id(member),
                partner_id=row["id"],
                master_digest=self._digest(checked),
                partner_write_date=row["write_date"],
                orders_backfill=backfill,
                linked_at=now,
                pulled_at=now,
            )
        )
        self.report.counts["members_linked"] += 1

    def _refresh(
        self,
        session: Session,
        row: OdooRecord,
        checked: CheckedApplication,
        member: Member,
        link: PartnerLink,
    ) -> None:
        if member.status == MemberStatus.TERMINATED:
            self.recorder.skip(
                session,
                PARTNER,
                row["id"],
                f"member {member.member_no} has left "
                "and their data was erased: it is not taken again",
                member_id=member.id,
                version=_version(row),
            )
            link.partner_write_date = row["write_date"]
            self.report.counts["partners_skipped"] += 1
            return
        digest = self._digest(checked)
        if digest != link.master_digest and self._member_digest(member) != link.master_digest:
            differing = self._differing(member, checked)
            self.recorder.conflict(
                session,
                PARTNER,
                row["id"],
                "contact data changed both in the workbench and in Odoo: Odoo's is kept",
                field_names=",".join(differing),
                member_id=member.id,
                version=_version(row),
            )
        changed: list[str] = []
        if digest != link.master_digest or checked.id_number:
            changed = self.registry.apply_master_data(
                session, member=member, checked=checked, source=SOURCE, actor=self.actor
            )
        # every partner read is counted once: created, linked, updated, unchanged or skipped
        self.report.counts["members_updated" if changed else "partners_unchanged"] += 1
        self._notice_service_edits(session, row, link)
        link.master_digest = digest
        link.partner_write_date = row["write_date"]
        link.pulled_at = self.clock.now()

    def _notice_service_edits(self, session: Session, row: OdooRecord, link: PartnerLink) -> None:
        """Tier, points and opt-outs on the partner are ours: a value someone changed in Odoo is
        a conflict, and the next push writes ours back."""
        pushed = {
            "tier": link.pushed_tier,
            "points": link.pushed_points,
            "sms_opt_out": link.pushed_sms_opt_out,
            "email_opt_out": link.pushed_email_opt_out,
            "do_not_call": link.pushed_do_not_call,
        }
        edited = [
            odoo_field
            for datum, odoo_field in self.options.service_fields.items()
            if odoo_field in row
            and pushed[datum] is not None
            and not _same(row[odoo_field], pushed[datum])
        ]
        if edited:
            self.recorder.conflict(
                session,
                PARTNER,
                row["id"],
                "changed in Odoo, but the workbench owns it: written back at the next push",
                field_names=",".join(edited),
                member_id=link.member_id,
                version=_version(row),
            )
            link.push_due = True

    def _digest(self, checked: CheckedApplication) -> str:
        text = master_data(checked.name, checked.phone, checked.email, checked.address)
        return self.registry.blind_index.digest("odoo_master", text)

    def _member_digest(self, member: Member) -> str:
        values = self.registry.decrypt(member, CONTACT)
        text = master_data(*(values[name] for name in CONTACT))
        return self.registry.blind_index.digest("odoo_master", text)

    def _differing(self, member: Member, checked: CheckedApplication) -> list[str]:
        ours = self.registry.decrypt(member, CONTACT)
        return [name for name in CONTACT if (ours[name] or "") != (getattr(checked, name) or "")]

    # Orders --------------------------------------------------------------------------------------
    def _order_fields(self, model: str) -> list[str]:
        """What a pull reads of an order: the state (a cancelled order takes its points back)
        and, where Odoo has it, the orders a refund refunds."""
        extra = [REFUNDED_ORDERS] if REFUNDED_ORDERS in self.client.fields(model) else []
        return [*ORDER_FIELDS, "state", *extra]

    def orders(self, model: str) -> None:
        self.client.require_fields(model, ORDER_FIELDS + ["state"], "[odoo] order_models")
        domain = member_order_domain(model, self.options.member_domain, with_cancelled=True)
        fields = self._order_fields(model)
        with self.sessions() as session:
            start = self._start(session, model)
        total = self.client.search_count(model, [*domain, *start.domain()])
        done = 0
        self.progress(model, done, total)
        parallel = self._on_postgresql()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="odoo-orders") as writer:
            for rows, position in cursor.pages(
                self.client, model, domain, fields, start, self.options.batch_size
            ):
                save = partial(self._save_position, model, position)
                if parallel and len(rows) > 1:
                    self._orders_in_two_halves(writer, model, rows, save)
                else:
                    self._in_short_transactions(
                        rows, partial(self._apply_orders, model=model), save
                    )
                done += len(rows)
                self.report.counts["orders_read"] += len(rows)
                self.progress(model, done, max(total, done))

    def _orders_in_two_halves(
        self,
        writer: ThreadPoolExecutor,
        model: str,
        rows: list[OdooRecord],
        save: Callable[[Session], None],
    ) -> None:
        """PostgreSQL: a page of orders written by two transactions at once, split by partner,
        hence by member (a link is one partner to one member): they lock disjoint ledger rows
        and never wait on each other, and the database works on both while Python builds the
        rows. The cursor moves with the second to commit, once the other has: a pull killed in
        between reads the page again, and the half already written changes nothing."""
        halves: tuple[list[OdooRecord], list[OdooRecord]] = ([], [])
        for row in rows:
            halves[(many2one_id(row.get("partner_id")) or 0) % 2].append(row)
        counts: tuple[Counter[str], Counter[str]] = (Counter(), Counter())

        def write_other() -> None:
            with immediate_session(self.sessions) as session:
                self._apply_orders(session, model, halves[1], counts=counts[1])
                session.commit()

        other = writer.submit(write_other) if halves[1] else None
        try:
            with immediate_session(self.sessions) as session:
                if halves[0]:
                    self._apply_orders(session, model, halves[0], counts=counts[0])
                if other is not None:
                    other.result()  # committed: the cursor may move past both halves
                save(session)
                session.commit()
        finally:
            if other is not None:
                wait([other])
            for half in counts:
                self.report.counts.update(half)

    def backfill(self, order_models: list[str]) -> None:
        """Orders of members linked after the order cursor went past them, fetched by partner;
        the link's flag is cleared only when every model has been read for it."""
        key_of = {self._cursor_key(model): model for model in order_models}
        with self.sessions() as session:
            models = [
                key_of[key]
                for key in session.scalars(
                    select(col(SyncCursor.model)).where(
                        col(SyncCursor.model).in_(list(key_of)), col(SyncCursor.second) != ""
                    )
                )
            ]
        batch = self.options.batch_size
        while True:
            with self.sessions() as session:
                links = session.execute(
                    select(col(PartnerLink.member_id), col(PartnerLink.partner_id))
                    .where(col(PartnerLink.orders_backfill))
                    .order_by(col(PartnerLink.member_id))
                    .limit(batch)
                ).all()
            if not links:
                return
            partner_ids = sorted(partner for _, partner in links)
            for model in models:
                domain = [
                    ["partner_id", "in", partner_ids],
                    ["state", "in", CONFIRMED_STATES[model]],
                ]
                last = 0
                while True:
                    rows = self.client.search_read(
                        model,
                        [*domain, ["id", ">", last]],
                        self._order_fields(model),
                        limit=batch,
                        order="id asc",
                    )
                    if rows:
                        with immediate_session(self.sessions) as session:
                            self._apply_orders(session, model, rows)
                            session.commit()
                        last = rows[-1]["id"]
                        self.report.counts["orders_backfilled"] += len(rows)
                    if len(rows) < batch:
                        break
            with immediate_session(self.sessions) as session:
                session.execute(
                    update(PartnerLink)
                    .where(col(PartnerLink.member_id).in_([m for m, _ in links]))
                    .values(orders_backfill=False)
                )
                session.commit()

    def _apply_orders(
        self,
        session: Session,
        model: str,
        rows: list[OdooRecord],
        counts: Counter[str] | None = None,
    ) -> None:
        """`counts`: where this call counts (a half page written in another thread has its
        own, added to the report's once both halves are done); the report's by default."""
        refs = {row["id"]: f"odoo:{model}:{row['id']}" for row in rows}
        known = set(
            session.scalars(
                select(col(Purchase.external_ref)).where(
                    any_of(session, col(Purchase.external_ref), refs.values())
                )
            )
        )
        partner_of = {row["id"]: many2one_id(row.get("partner_id")) for row in rows}
        member_of = dict(
            session.execute(
                select(col(PartnerLink.partner_id), col(PartnerLink.member_id)).where(
                    any_of(
                        session,
                        col(PartnerLink.partner_id),
                        {p for p in partner_of.values() if p},
                    )
                )
            ).all()
        )
        members = {
            m.id: m
            for m in session.execute(
                select(col(Member.id), col(Member.tier_code), col(Member.status)).where(
                    any_of(session, col(Member.id), set(member_of.values()))
                )
            )
        }
        lines: list[PurchaseLine] = []
        reversals: list[tuple[OdooRecord, int, Decimal | None]] = []  # (order, member, refund)
        counts = self.report.counts if counts is None else counts
        for row in rows:
            ref = refs[row["id"]]
            member = members.get(member_of.get(partner_of[row["id"]]))
            if row.get("state") == CANCELLED_STATE:
                if ref in known and member is not None:
                    reversals.append((row, member.id, None))
                else:
                    counts["orders_cancelled_not_taken"] += 1  # it never earned points here
                continue
            if ref in known:
                counts["orders_known"] += 1
                continue
            if member is None:
                counts["orders_not_member"] += 1  # its partner was skipped (and reported)
                continue
            if member.status == MemberStatus.TERMINATED:
                counts["orders_member_left"] += 1
                continue
            if member.status != MemberStatus.ACTIVE:  # applied but not yet approved: no points
                counts["orders_member_not_active"] += 1
                continue
            try:
                amount, at = order_amount(row), order_time(row)
                if amount < 0:
                    checked_amount(-amount)
                    reversals.append((row, member.id, -amount))
                    continue
                if amount == 0:
                    counts["orders_free"] += 1
                    continue
                checked_amount(amount)
            except ValidationError as exc:
                self.recorder.skip(
                    session,
                    model,
                    row["id"],
                    str(exc),
                    field_names=exc.field,
                    member_id=member.id,
                    version=_version(row),
                )
                continue
            lines.append(
                PurchaseLine(
                    member_id=member.id,
                    tier_code=member.tier_code,
                    amount=amount,
                    store_id=self.store_id,
                    at=at,
                    external_ref=ref,
                )
            )
            known.add(ref)
        purchases = self.ledger.record_purchases(session, lines=lines)
        counts["purchases_created"] += len(purchases)
        counts["points_earned"] += sum(p.points_earned for p in purchases)
        for row, member_id, refund in reversals:
            self._reverse(session, model, row, member_id, refund, counts)

    def _reverse(
        self,
        session: Session,
        model: str,
        row: OdooRecord,
        member_id: int,
        refund: Decimal | None,
        counts: Counter[str],
    ) -> None:
        """A cancelled order (refund None) or a refund order takes back the points its purchase
        earned, by the rules of a return at a store (workbench.members.returns): in proportion,
        never more than the member may spend now, the rest recorded as the return's shortfall.
        Recorded once under its own reference, so reading the order again changes nothing."""
        if refund is None:
            origins, return_ref = [row["id"]], f"cancel/{model}/{row['id']}"
        else:
            origins = [i for i in row.get(REFUNDED_ORDERS) or [] if isinstance(i, int)]
            return_ref = f"refund/{model}/{row['id']}"
        purchase = session.scalar(
            select(Purchase)
            .where(
                col(Purchase.external_ref).in_([f"odoo:{model}:{i}" for i in origins]),
                col(Purchase.member_id) == member_id,
            )
            .order_by(col(Purchase.id))
            .limit(1)
        )
        if purchase is None:
            self.recorder.skip(
                session,
                model,
                row["id"],
                "a refund whose original order is not one of the member's orders taken from "
                "Odoo: its points are not taken back (adjust them by hand if they are due)",
                field_names=REFUNDED_ORDERS,
                member_id=member_id,
                version=_version(row),
            )
            return
        earlier = session.scalar(
            select(col(PurchaseReturn.id)).where(
                col(PurchaseReturn.store_id) == purchase.store_id,
                col(PurchaseReturn.return_ref) == return_ref,
            )
        )
        if earlier is not None:
            counts["orders_reversed_known"] += 1
            return
        returned = session.scalar(
            select(func.coalesce(func.max(col(PurchaseReturn.returned_total)), 0)).where(
                col(PurchaseReturn.purchase_id) == purchase.id
            )
        )
        left = purchase.amount - Decimal(returned or 0)
        amount = left if refund is None else min(refund, left)
        if amount <= 0:
            counts["orders_reversed_known"] += 1  # returned in full already
            return
        taken = PurchaseReturns(clock=self.clock, ledger=self.ledger).take(
            session, purchase=purchase, amount=amount, return_ref=return_ref, staff_id=None
        )
        counts["orders_cancelled" if refund is None else "orders_refunded"] += 1
        counts["points_taken_back"] += taken.row.points_reversed
        counts["points_shortfall"] += taken.row.points_shortfall


class _Page:
    """What one page has already claimed: two partners may not become one member, and one
    mobile or ID number may not go to two partners."""

    def __init__(self) -> None:
        self.phones: dict[str, int] = {}
        self.id_numbers: dict[str, int] = {}
        self.members: dict[int, int] = {}

    def refusal(
        self,
        pid: int,
        phone: str,
        idno: str | None,
        member: Member | None,
        link: PartnerLink | None,
        by_phone: dict[str | None, Member],
        by_idno: dict[str | None, Member],
        link_of_member: dict[int, PartnerLink],
    ) -> str | None:
        if phone in self.phones:
            return f"the same mobile number as partner {self.phones[phone]} (the same person twice in Odoo?)"
        if idno and idno in self.id_numbers:
            return f"the same ID-card number as partner {self.id_numbers[idno]}"
        holder = by_phone.get(phone)
        if holder is not None and member is not None and holder.id != member.id:
            return f"its mobile number belongs to member {holder.member_no}"
        holder = by_idno.get(idno) if idno else None
        if holder is not None and member is not None and holder.id != member.id:
            return f"its ID-card number belongs to member {holder.member_no}"
        if member is not None:
            member_id = saved_id(member)
            if member_id in self.members:
                return f"member {member.member_no} is partner {self.members[member_id]} already"
            other = link_of_member.get(member_id)
            if link is None and other is not None and other.partner_id != pid:
                return (
                    f"member {member.member_no} is linked to partner {other.partner_id} "
                    "already (the same person twice in Odoo?)"
                )
            self.members[member_id] = pid
        self.phones[phone] = pid
        if idno:
            self.id_numbers[idno] = pid
        return None


def _same(odoo_value: object, ours: str | int | bool | None) -> bool:
    """Odoo answers an empty char or integer field as False."""
    if isinstance(ours, bool):
        return bool(odoo_value) == ours
    if isinstance(ours, int):
        return odoo_value is not False and odoo_value == ours
    return (odoo_value or None) == (ours or None)


def _version(row: OdooRecord) -> str:
    """The record as it was read, for its issues (a dismissed one stays so on this version)."""
    return str(row.get("write_date") or "")
