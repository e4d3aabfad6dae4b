"""Timed campaigns: a segment of members, a date range, a daily capacity and a team. Tasks are
made in batches from a cursor over member ids, so a re-run after a crash continues where it was
and never makes a task twice (the open-task-per-reason index refuses a second one)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.callbacks.models import (
    CallbackTask,
    Campaign,
    CampaignStatus,
    Reason,
    TaskStatus,
)
from workbench.callbacks.segments import parse_segment, segment_conditions
from workbench.clock import Clock
from workbench.db.engine import immediate_session, refresh_planner_statistics
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, NotFound, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, Role, Staff
from workbench.permissions.access import AccessDenied

# A campaign this large gets the queue's statistics refreshed, so claims keep to the index.
ANALYZE_AFTER = 1000
MANAGERS = {Role.SUPERVISOR, Role.ADMIN}


@dataclass(frozen=True)
class CampaignProgress:
    campaign_id: int
    name: str
    status: str
    tasks: int
    open: int
    done: int
    reached: int
    reached_rate_pct: float | None
    outcomes: dict[str, int]
    made_today: int
    daily_capacity: int


class Campaigns:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        zone: tzinfo,
        batch_size: int,
        window: time = time(21),
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.zone = zone
        self.batch_size = batch_size
        self.day_ends = window

    def create(
        self,
        actor: Staff,
        *,
        name: str,
        segment: str | dict[str, Any],
        starts_on: date,
        ends_on: date,
        daily_capacity: int,
        team: str | None = None,
        priority: int = 0,
    ) -> Campaign:
        if actor.role not in MANAGERS:
            raise AccessDenied("only supervisors and administrators create campaigns")
        if not refuse_unsafe((name or "").strip(), "name"):
            raise ValidationError("name", "a campaign needs a name")
        if ends_on < starts_on:
            raise ValidationError("ends_on", "the campaign must end on or after its start")
        if daily_capacity < 1:
            raise ValidationError("daily_capacity", "at least 1 call a day")
        parsed = parse_segment(segment)
        with immediate_session(self.sessions) as session:
            segment_conditions(session, parsed, self.clock.now())  # checks store codes now
            campaign = Campaign(
                name=name.strip()[:100],
                segment=json.dumps(parsed),
                starts_on=starts_on,
                ends_on=ends_on,
                daily_capacity=daily_capacity,
                team=team,
                priority=priority,
                status=CampaignStatus.ACTIVE.value,
                created_by_id=actor.id,
                created_at=self.clock.now(),
            )
            session.add(campaign)
            session.commit()
            return campaign

    def set_status(self, actor: Staff, campaign_id: int, status: CampaignStatus | str) -> Campaign:
        status = CampaignStatus(status)
        if actor.role not in MANAGERS:
            raise AccessDenied("only supervisors and administrators change campaigns")
        with immediate_session(self.sessions) as session:
            campaign = self._get(session, campaign_id)
            if campaign.status == CampaignStatus.FINISHED.value:
                raise InvalidState(f"campaign {campaign_id} is finished")
            campaign.status = status.value
            session.commit()
            return campaign

    def list(self) -> list[Campaign]:
        with self.sessions() as session:
            return list(session.scalars(select(Campaign).order_by(col(Campaign.id))))

    def _get(self, session: Session, campaign_id: int) -> Campaign:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        return campaign

    # Materialisation ------------------------------------------------------------------------------
    def materialise_all(self, progress: Callable[[int, int], None] | None = None) -> int:
        with self.sessions() as session:
            ids = cast(  # read from the table: an id is never NULL
                Sequence[int],
                session.scalars(
                    select(col(Campaign.id)).where(
                        col(Campaign.status) == CampaignStatus.ACTIVE.value
                    )
                ).all(),
            )
        return sum(self.materialise(campaign_id, progress) for campaign_id in ids)

    def materialise(
        self, campaign_id: int, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Make today's tasks up to the daily capacity, batch by batch; returns how many."""
        made = self._materialise(campaign_id, progress)
        if made >= ANALYZE_AFTER:
            refresh_planner_statistics(self.sessions, "callback_task")
        return made

    def _materialise(self, campaign_id: int, progress: Callable[[int, int], None] | None) -> int:
        made = 0
        while True:
            with immediate_session(self.sessions) as session:
                campaign = self._get(session, campaign_id)
                today = self.clock.now().astimezone(self.zone).date()
                if campaign.status != CampaignStatus.ACTIVE.value or today < campaign.starts_on:
                    return made
                if today > campaign.ends_on:
                    campaign.status = CampaignStatus.FINISHED.value
                    session.commit()
                    return made
                room = campaign.daily_capacity - self._made_on(session, campaign, today)
                if room <= 0:
                    return made
                considered, batch = self._batch(
                    session, campaign, min(room, self.batch_size), today
                )
                session.commit()
            made += batch
            if progress:
                progress(made, room + made - batch)
            if considered == 0:  # the segment has no member left past the cursor
                return made

    def _made_on(self, session: Session, campaign: Campaign, day: date) -> int:
        start = datetime.combine(day, time(0), tzinfo=self.zone)
        count = session.execute(
            select(func.count())
            .select_from(CallbackTask)
            .where(
                col(CallbackTask.campaign_id) == campaign.id,
                col(CallbackTask.created_at) >= start,
                col(CallbackTask.created_at) < start + timedelta(days=1),
            )
        ).scalar_one()
        return int(count)

    def _batch(
        self, session: Session, campaign: Campaign, limit: int, today: date
    ) -> tuple[int, int]:
        """(members considered, tasks made): a member already holding an open campaign task
        (from another campaign, say) is passed over, and the run goes on past them."""
        now = self.clock.now()
        conditions = segment_conditions(session, json.loads(campaign.segment), now)
        ids = cast(  # read from the table: a member's id is never NULL
            Sequence[int],
            session.scalars(
                select(col(Member.id))
                .where(col(Member.id) > campaign.cursor_member_id, *conditions)
                .order_by(col(Member.id))
                .limit(limit)
            ).all(),
        )
        if not ids:
            return 0, 0
        day_end = datetime.combine(today, self.day_ends, tzinfo=self.zone)
        rows = [
            {
                "member_id": member_id,
                "reason": Reason.CAMPAIGN.value,
                "campaign_id": campaign.id,
                "priority": campaign.priority,
                "team": campaign.team,
                "earliest_at": now,
                "latest_at": max(day_end, now + timedelta(hours=1)),
                "next_attempt_at": now,
                "status": TaskStatus.QUEUED.value,
                "attempts": 0,
                "created_at": now,
            }
            for member_id in ids
        ]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # A member with an open campaign task already is skipped, not duplicated. What was made
        # is counted from RETURNING: psycopg reports no rowcount for this statement (-1), and
        # counting the members asked for would claim tasks that were skipped.
        made = session.execute(
            insert(CallbackTask)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(col(CallbackTask.id))
        ).all()
        campaign.cursor_member_id = ids[-1]
        return len(ids), len(made)

    # Progress -------------------------------------------------------------------------------------
    def progress(self, campaign_id: int) -> CampaignProgress:
        with self.sessions() as session:
            campaign = self._get(session, campaign_id)
            rows = session.execute(
                select(col(CallbackTask.status), col(CallbackTask.outcome), func.count())
                .where(col(CallbackTask.campaign_id) == campaign_id)
                .group_by(col(CallbackTask.status), col(CallbackTask.outcome))
            ).all()
            today = self.clock.now().astimezone(self.zone).date()
            made_today = self._made_on(session, campaign, today)
        tasks = sum(n for _, _, n in rows)
        open_ = sum(n for status, _, n in rows if status in ("queued", "claimed"))
        outcomes: dict[str, int] = {}
        for _, outcome, n in rows:
            if outcome:
                outcomes[outcome] = outcomes.get(outcome, 0) + n
        done = tasks - open_
        reached = outcomes.get("reached", 0)
        return CampaignProgress(
            campaign_id=saved_id(campaign),
            name=campaign.name,
            status=campaign.status,
            tasks=tasks,
            open=open_,
            done=done,
            reached=reached,
            reached_rate_pct=round(100 * reached / done, 1) if done else None,
            outcomes=outcomes,
            made_today=made_today,
            daily_capacity=campaign.daily_capacity,
        )
