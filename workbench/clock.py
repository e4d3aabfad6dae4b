"""The one source of time: every rule that depends on "now" takes a Clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to, so tests of SLAs, grants and schedules are exact."""

    def __init__(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._at += delta if delta is not None else timedelta(**kwargs)
        return self._at


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("FixedClock needs a timezone-aware datetime")
    return at.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """Times read back from SQLite lose their zone; storage is always UTC, so restore it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_day_start(at: datetime, zone: tzinfo) -> datetime:
    """Midnight of the local calendar day that contains `at`."""
    local = at.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone)
