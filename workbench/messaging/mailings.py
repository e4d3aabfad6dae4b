"""Timed mailings the scheduler runs: points-expiry reminders a month ahead, birthday greetings on
the day, and the monthly care e-mail. They are marketing: the contact policy applies (consent,
opt-outs, quiet hours, the weekly cap).

Each message carries a dedupe key naming the member, the occasion and the channel, so a job run
again after a crash, or twice in a day, queues nothing twice:
- points expiry: one reminder per member per calendar month of the first expiry;
- birthday: one greeting per member per year (29 February birthdays are greeted on the 28th in
  other years); the day is the company's ([locale] timezone);
- monthly care: one e-mail per member per month.
Members are read in batches of ids and each batch is committed on its own, so a big run holds
no long transaction and a crash loses only the batch in hand (which the re-run makes)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, PointsEntry
from workbench.members.points import PointsLedger
from workbench.messaging.models import Purpose
from workbench.messaging.outbox import Outbox


@dataclass
class MailingResult:
    queued: int = 0
    skipped: int = 0  # the contact policy said no, or no address on file
    already: int = 0  # queued by an earlier run

    def __str__(self) -> str:
        return f"{self.queued} queued, {self.skipped} not allowed, {self.already} already queued"


class Mailings:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        outbox: Outbox,
        ledger: PointsLedger,
        zone: ZoneInfo,
        reminder_days: int,
        batch_size: int = 500,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.outbox = outbox
        self.ledger = ledger
        self.zone = zone
        self.reminder_days = reminder_days
        self.batch_size = batch_size

    def points_expiry_reminders(self) -> MailingResult:
        result = MailingResult()
        with self.sessions() as session:
            due = self.ledger.expiring_within(session, self.reminder_days)
        for start in range(0, len(due), self.batch_size):
            chunk = due[start : start + self.batch_size]
            with self.sessions() as session:
                members = self._active(session, [d.member_id for d in chunk])
                for item in chunk:
                    member = members.get(item.member_id)
                    if member is None:
                        continue
                    expiry = item.first_expiry.astimezone(self.zone).date()
                    extra = {"points": item.points, "expiry_date": expiry.isoformat()}
                    for channel in ("sms", "email"):
                        key = f"points_expiry:{member.id}:{expiry:%Y-%m}:{channel}"
                        self._queue(session, result, member, "points_expiry", channel, extra, key)
                session.commit()
        return result

    def birthday_greetings(self) -> MailingResult:
        today = self.clock.now().astimezone(self.zone).date()
        days = [f"{today:%m%d}"]
        if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
            days.append("0229")
        condition = col(Member.birth_month_day).in_(days)
        result = MailingResult()
        for ids in self._batches(condition):
            with self.sessions() as session:
                for member in self._active(session, ids).values():
                    for channel in ("sms", "email"):
                        key = f"birthday:{member.id}:{today.year}:{channel}"
                        self._queue(session, result, member, "birthday", channel, {}, key)
                session.commit()
        return result

    def monthly_care(self) -> MailingResult:
        month = self.clock.now().astimezone(self.zone).date().replace(day=1)
        result = MailingResult()
        for ids in self._batches(col(Member.consent_marketing).is_(True)):
            with self.sessions() as session:
                balances = self._balances(session, ids)
                for member in self._active(session, ids).values():
                    extra = {"points": balances.get(saved_id(member), 0), "month": f"{month:%Y-%m}"}
                    key = f"care:{member.id}:{month:%Y-%m}:email"
                    self._queue(session, result, member, "monthly_care", "email", extra, key)
                session.commit()
        return result

    # Helpers -------------------------------------------------------------------------------------
    def _queue(
        self,
        session: Session,
        result: MailingResult,
        member: Member,
        template: str,
        channel: str,
        extra: Mapping[str, object],
        dedupe_key: str,
    ) -> None:
        queued = self.outbox.enqueue(
            session,
            member=member,
            template=template,
            channel=channel,
            purpose=Purpose.MARKETING,
            extra=extra,
            dedupe_key=dedupe_key,
        )
        if queued.message is not None:
            result.queued += 1
        elif queued.reason == "already queued":
            result.already += 1
        else:
            result.skipped += 1

    def _batches(self, condition: ColumnElement[bool]) -> Iterator[list[int]]:
        """Ids of active members meeting `condition`, a batch at a time (keyset paging)."""
        last = 0
        while True:
            with self.sessions() as session:
                ids = list(
                    cast(  # read from the table: a member's id is never NULL
                        Sequence[int],
                        session.scalars(
                            select(col(Member.id))
                            .where(
                                col(Member.status) == MemberStatus.ACTIVE,
                                condition,
                                col(Member.id) > last,
                            )
                            .order_by(col(Member.id))
                            .limit(self.batch_size)
                        ).all(),
                    )
                )
            if not ids:
                return
            yield ids
            last = ids[-1]

    @staticmethod
    def _active(session: Session, ids: list[int]) -> dict[int, Member]:
        query = select(Member).where(
            col(Member.id).in_(ids), col(Member.status) == MemberStatus.ACTIVE
        )
        return {saved_id(m): m for m in session.scalars(query)}

    @staticmethod
    def _balances(session: Session, ids: list[int]) -> dict[int, int]:
        rows = session.execute(
            select(col(PointsEntry.member_id), func.sum(col(PointsEntry.points)))
            .where(col(PointsEntry.member_id).in_(ids))
            .group_by(col(PointsEntry.member_id))
        )
        return {member_id: int(total) for member_id, total in rows}
