"""The live supervisor wallboard: the figures as the actor may see them (a store manager, their
store's part), and `listen`, which hands fresh figures to a screen whenever the hotline's call
events say something changed — coalesced, so a burst of events is one read — and now and then
without an event, since complaint clocks run out and agents change state silently."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.clock import Clock
from workbench.members.models import Role, Staff
from workbench.telephony.events import CallEvent, CallEvents, call_events_for
from workbench.usecases.base import UnitOfWork, require_role
from workbench.views.wallboard import WallboardFigures, wallboard_figures

if TYPE_CHECKING:
    from workbench.bootstrap import Services

WALLBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.STORE_MANAGER})
# At most one read per this many seconds however many events come (short enough for the
# 300 ms event-to-screen target), and a read at least this often without any event.
MIN_INTERVAL_SECONDS = 0.2
FALLBACK_SECONDS = 30.0
_SLICE = 0.1  # how often a wait looks at `stop`


class WallboardDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        events: CallEvents,
        zone: tzinfo,
        service_level_seconds: int,
        warn_before: timedelta,
        min_interval: float = MIN_INTERVAL_SECONDS,
        fallback: float = FALLBACK_SECONDS,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.events = events
        self.zone = zone
        self.service_level_seconds = service_level_seconds
        self.warn_before = warn_before
        self.min_interval = min_interval
        self.fallback = fallback

    def offered(self, actor: Staff) -> bool:
        return actor.role in WALLBOARD_ROLES

    def figures(self, actor: Staff) -> WallboardFigures:
        store_id = self._scope(actor)
        with self.uow.read() as session:
            return self._read(session, store_id)

    def listen(
        self,
        actor: Staff,
        deliver: Callable[[WallboardFigures], None],
        stop: threading.Event,
    ) -> None:
        """Blocks until `stop`: delivers the figures once listening has begun, then again
        after each burst of call events (at most every `min_interval`) and every `fallback`
        seconds. Refuses, before anything is read, a role the wallboard is not for."""
        store_id = self._scope(actor)
        changed = threading.Event()
        listening = threading.Event()
        done = threading.Event()  # ends the listener with this call, whatever ends it

        def on_event(_event: CallEvent) -> None:
            changed.set()

        listener = threading.Thread(
            target=self.events.listen,
            args=(on_event, done, listening),
            name="wallboard-events",
            daemon=True,
        )
        listener.start()
        try:
            while not (stop.is_set() or listening.wait(_SLICE)):
                pass
            while not stop.is_set():
                changed.clear()
                with self.uow.read() as session:
                    figures = self._read(session, store_id)
                deliver(figures)
                if stop.wait(self.min_interval):
                    break  # events in this pause make one read after it
                waited = 0.0
                while not (stop.is_set() or changed.is_set()) and waited < self.fallback:
                    changed.wait(_SLICE)
                    waited += _SLICE
        finally:
            done.set()
            listener.join(timeout=2)

    def _scope(self, actor: Staff) -> int | None:
        """The store a store manager is limited to; None for the whole hotline."""
        require_role(actor, WALLBOARD_ROLES, "see the wallboard")
        if actor.role != Role.STORE_MANAGER:
            return None
        if actor.store_id is None:
            require_role(actor, (), "see the wallboard")  # a store manager with no store
        return actor.store_id

    def _read(self, session: Session, store_id: int | None) -> WallboardFigures:
        return wallboard_figures(
            session,
            now=self.clock.now(),
            zone=self.zone,
            service_level_seconds=self.service_level_seconds,
            warn_before=self.warn_before,
            store_id=store_id,
        )


def wallboard_desk(s: Services, uow: UnitOfWork) -> WallboardDesk:
    settings = s.settings
    return WallboardDesk(
        uow=uow,
        clock=s.clock,
        events=call_events_for(s.engine),
        zone=settings.timezone,
        service_level_seconds=settings.wallboard_service_level_seconds,
        warn_before=timedelta(minutes=settings.wallboard_warn_minutes),
    )
