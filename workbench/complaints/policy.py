"""The complaint configuration (config/complaints.toml): taxonomy, departments, priorities,
SLA targets per priority and category, the business calendar and the escalation ladder."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from workbench.complaints.calendar import (
    NO_PUBLIC_DAYS,
    BusinessCalendar,
    DayOverrides,
    PublicDays,
    compose,
)
from workbench.errors import ConfigError, ValidationError
from workbench.tomlfiles import read_toml


@dataclass(frozen=True)
class Code:
    code: str
    label_zh: str
    label_en: str

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass(frozen=True)
class SlaTargets:
    """Business time allowed for each clock."""

    first_response: timedelta
    next_reply: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class Ladder:
    """Fractions of the resolution target at which a complaint escalates."""

    warn_handler: float = 0.75
    to_supervisor: float = 1.0
    to_department_head: float = 1.5

    def steps(self) -> list[tuple[int, float]]:
        return [(1, self.warn_handler), (2, self.to_supervisor), (3, self.to_department_head)]


@dataclass(frozen=True)
class ComplaintPolicy:
    categories: dict[str, Code]
    causes: dict[str, Code]
    departments: dict[str, Code]
    priorities: tuple[str, ...]
    targets: dict[tuple[str, str | None], SlaTargets]  # (priority, category or None)
    calendar: BusinessCalendar
    ladder: Ladder = field(default_factory=Ladder)
    satisfied_from: int = 4  # a score of at least this (1–5) means satisfied
    # Where the calendar's days come from: the public source, then the chain-wide overrides,
    # then each store's own (by store code).
    public: PublicDays = NO_PUBLIC_DAYS
    overrides: DayOverrides = field(default_factory=DayOverrides)
    store_overrides: dict[str, DayOverrides] = field(default_factory=dict)

    def targets_for(self, priority: str, category: str) -> SlaTargets:
        return self.targets.get((priority, category)) or self.targets[(priority, None)]

    def check(self, kind: str, value: str | None) -> str:
        """A valid code of `kind` (category, cause, department, priority) or ValidationError."""
        tables: dict[str, Mapping[str, object]] = {
            "category": self.categories,
            "cause": self.causes,
            "department": self.departments,
            "priority": dict.fromkeys(self.priorities),
        }
        known = tables[kind]
        if not value or value not in known:
            raise ValidationError(kind, f"one of {', '.join(known)}")
        return value

    def calendar_for(self, timezone: str | None, store: str | None = None) -> BusinessCalendar:
        """The calendar in a store's own time zone (same hours and holidays), with the days
        that store (by code) is closed or open on its own."""
        own = self.store_overrides.get(store) if store else None
        if (not timezone or timezone == self.calendar.zone.key) and own is None:
            return self.calendar
        return compose(
            zone=ZoneInfo(timezone) if timezone else self.calendar.zone,
            workdays=self.calendar.workdays,
            opens=self.calendar.opens,
            closes=self.calendar.closes,
            public=self.public,
            overrides=self.overrides_for(store),
        )

    def overrides_for(self, store: str | None) -> DayOverrides:
        own = self.store_overrides.get(store) if store else None
        return self.overrides | own if own is not None else self.overrides


def _codes(doc: Mapping[str, Any], key: str, path: Path) -> dict[str, Code]:
    try:
        return {
            row["code"]: Code(row["code"], row["label_zh"], row["label_en"]) for row in doc[key]
        }
    except (KeyError, TypeError):
        raise ConfigError(f"{path}: [[{key}]] entries need code, label_zh and label_en") from None


def _hours(value: Any, where: str) -> timedelta:  # a TOML value: whatever the file holds
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number of hours") from None
    if hours <= 0:
        raise ConfigError(f"{where}: must be more than 0 hours")
    return timedelta(hours=hours)


def load_complaint_policy(path: Path) -> ComplaintPolicy:
    try:
        doc = read_toml(path)
        cal = doc["calendar"]
        public = _public_days(cal.get("public_holidays", "chinese-calendar"), path)
        # Years whose days off and make-up days the overrides list in full, by hand.
        by_hand = frozenset(int(year) for year in cal.get("listed_years", []))
        public = replace(public, known_years=public.known_years | by_hand)
        # `holidays` / `extra_workdays` are the older names of closed / open.
        overrides = _overrides(cal, "closed", "holidays")
        overrides |= _overrides(cal, "open", "extra_workdays")
        store_overrides: dict[str, DayOverrides] = {}
        for row in cal.get("store", []):
            code = str(row["store"])
            store_overrides[code] = _overrides(row, "closed") | _overrides(row, "open")
        calendar = compose(
            zone=ZoneInfo(cal["timezone"]),
            workdays=frozenset(int(d) for d in cal["workdays"]),
            opens=time.fromisoformat(cal["opens"]),
            closes=time.fromisoformat(cal["closes"]),
            public=public,
            overrides=overrides,
        )
        priorities = tuple(doc["priorities"])
        ladder = Ladder(**doc.get("escalation", {}))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"complaint policy {path}: {exc}") from None
    targets = {}
    for row in doc.get("sla", []):
        where = f"{path.name} sla {row.get('priority')}/{row.get('category', '*')}"
        if row.get("priority") not in priorities:
            raise ConfigError(f"{where}: unknown priority")
        targets[(row["priority"], row.get("category"))] = SlaTargets(
            _hours(row.get("first_response"), where),
            _hours(row.get("next_reply"), where),
            _hours(row.get("resolution"), where),
        )
    missing = [p for p in priorities if (p, None) not in targets]
    if missing:
        raise ConfigError(f"{path}: no default SLA for priority {', '.join(missing)}")
    return ComplaintPolicy(
        categories=_codes(doc, "category", path),
        causes=_codes(doc, "cause", path),
        departments=_codes(doc, "department", path),
        priorities=priorities,
        targets=targets,
        calendar=calendar,
        ladder=ladder,
        satisfied_from=int(doc.get("satisfied_from", 4)),
        public=public,
        overrides=overrides,
        store_overrides=store_overrides,
    )


def _public_days(source: Any, path: Path) -> PublicDays:  # a TOML value
    if source == "chinese-calendar":
        from workbench.complaints.public_holidays import china_public_days

        return china_public_days()
    if source == "none":
        return NO_PUBLIC_DAYS
    raise ConfigError(
        f'{path}: [calendar] public_holidays = {source!r}: use "chinese-calendar" or "none"'
    )


def _overrides(table: dict[str, Any], key: str, old_key: str | None = None) -> DayOverrides:
    """One list of days (ISO dates) of a calendar table, as closed or open days."""
    listed = [*table.get(key, []), *(table.get(old_key, []) if old_key else [])]
    days = frozenset(date.fromisoformat(d) for d in listed)
    if key == "closed":
        return DayOverrides(closed=days)
    return DayOverrides(open=days)
