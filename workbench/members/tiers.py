"""Tier schemes as data (config/tiers/*.toml) and the pure rules that read them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path

from workbench.errors import ConfigError
from workbench.tomlfiles import read_toml


@dataclass(frozen=True)
class Tier:
    code: str
    label_zh: str
    label_en: str
    rank: int
    points_per_unit: int  # points earned per `unit_yuan` spent
    unit_yuan: Decimal
    discount: Decimal  # price factor: 0.95 is 9.5折 (5 % off); 1 is none
    referral_bonus: int  # points to the referrer when a member of this tier joins through them
    qualify_spend: Decimal | None = None  # spend in the review period that reaches or keeps it
    qualify_visits: int | None = None  # or this many purchases in the period
    qualify_single_purchase: Decimal | None = None  # or one purchase of at least this much
    manual_grant: bool = False  # may also be granted by hand with a recorded approval
    # One purchase of at least this much lets an applicant join at this tier (seed 003: 普卡 at
    # 2000 yuan); a scheme with such a tier admits no one without a qualifying purchase.
    join_single_purchase: Decimal | None = None
    birthday_gift_zh: str = ""  # named in the birthday greeting; "" where the tier has none
    birthday_gift_en: str = ""
    benefits_zh: tuple[str, ...] = ()
    benefits_en: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh

    def birthday_gift(self, language: str) -> str:
        return self.birthday_gift_en if language == "en" else self.birthday_gift_zh

    def benefits(self, language: str) -> tuple[str, ...]:
        return self.benefits_en if language == "en" else self.benefits_zh

    def points_for(self, amount: Decimal) -> int:
        if amount <= 0:
            return 0
        units = (amount / self.unit_yuan).to_integral_value(rounding=ROUND_FLOOR)
        return int(units) * self.points_per_unit


@dataclass(frozen=True)
class PeriodActivity:
    """What a member did in the review period."""

    spend: Decimal
    visits: int
    largest_purchase: Decimal


@dataclass(frozen=True)
class TierScheme:
    name: str
    tiers: tuple[Tier, ...]  # lowest rank first
    review_period_months: int  # 0: count everything since joining (cumulative schemes)

    @property
    def base(self) -> Tier:
        return self.tiers[0]

    @property
    def join_threshold(self) -> Decimal | None:
        """The smallest single purchase that admits an applicant; None: anyone may join."""
        amounts = [t.join_single_purchase for t in self.tiers if t.join_single_purchase is not None]
        return min(amounts) if amounts else None

    def joining_tier(self, purchase: Decimal | None) -> Tier | None:
        """The tier an applicant joins at: the base tier in a scheme without a threshold;
        otherwise the highest tier whose joining purchase `purchase` reaches (None: too small,
        or none given)."""
        if self.join_threshold is None:
            return self.base
        if purchase is None:
            return None
        reached = [
            t
            for t in self.tiers
            if t.join_single_purchase is not None and purchase >= t.join_single_purchase
        ]
        return reached[-1] if reached else None

    def get(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        known = ", ".join(t.code for t in self.tiers)
        raise ConfigError(f"tier {code!r} is not in scheme {self.name!r} (known: {known})")

    def earned_tier(self, activity: PeriodActivity) -> Tier:
        """The highest tier whose any qualifying condition the activity meets."""
        earned = self.base
        for tier in self.tiers[1:]:
            if _qualifies(tier, activity):
                earned = tier
        return earned

    def review(self, current_code: str, activity: PeriodActivity, *, locked: bool) -> Tier:
        """The tier a periodic review gives: a manually granted tier still locked is kept unless
        the activity earns a higher one."""
        earned = self.earned_tier(activity)
        current = self.get(current_code)
        if locked and current.rank > earned.rank:
            return current
        return earned


def _qualifies(tier: Tier, activity: PeriodActivity) -> bool:
    if tier.qualify_spend is not None and activity.spend >= tier.qualify_spend:
        return True
    if tier.qualify_visits is not None and activity.visits >= tier.qualify_visits:
        return True
    return (
        tier.qualify_single_purchase is not None
        and activity.largest_purchase >= tier.qualify_single_purchase
    )


def _decimal(raw: object, where: str) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ConfigError(f"{where}: {raw!r} is not a number") from None


def load_tier_scheme(path: Path) -> TierScheme:
    try:
        doc = read_toml(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"tier scheme {path}: {exc}") from None
    rows = doc.get("tier") or []
    if not rows:
        raise ConfigError(f"tier scheme {path}: no [[tier]] entries")
    tiers = []
    for row in rows:
        where = f"{path.name} tier {row.get('code', '?')}"
        try:
            tier = Tier(
                code=row["code"],
                label_zh=row["label_zh"],
                label_en=row["label_en"],
                rank=_whole(row["rank"], "rank", where),
                points_per_unit=_whole(row["points_per_unit"], "points_per_unit", where),
                unit_yuan=_decimal(row.get("unit_yuan", 1), where),
                discount=_decimal(row.get("discount", 1), where),
                referral_bonus=_whole(row.get("referral_bonus", 0), "referral_bonus", where),
                qualify_spend=_optional_decimal(row, "qualify_spend", where),
                qualify_visits=_optional_whole(row, "qualify_visits", where),
                qualify_single_purchase=_optional_decimal(row, "qualify_single_purchase", where),
                manual_grant=bool(row.get("manual_grant", False)),
                join_single_purchase=_optional_decimal(row, "join_single_purchase", where),
                birthday_gift_zh=_text(row, "birthday_gift_zh", where),
                birthday_gift_en=_text(row, "birthday_gift_en", where),
                benefits_zh=_texts(row, "benefits_zh", where),
                benefits_en=_texts(row, "benefits_en", where),
            )
        except KeyError as missing:
            raise ConfigError(f"{where}: missing {missing}") from None
        if tier.unit_yuan <= 0 or not (0 < tier.discount <= 1):
            raise ConfigError(f"{where}: unit_yuan must be > 0 and discount in (0, 1]")
        tiers.append(tier)
    tiers.sort(key=lambda t: t.rank)
    if len({t.code for t in tiers}) != len(tiers) or len({t.rank for t in tiers}) != len(tiers):
        raise ConfigError(f"tier scheme {path}: tier codes and ranks must be unique")
    return TierScheme(
        name=doc.get("name", path.stem),
        tiers=tuple(tiers),
        review_period_months=int(doc.get("review_period_months", 12)),
    )


def _whole(raw: object, key: str, where: str) -> int:
    # TOML gives ints for whole numbers; a quoted "12" or a float is a mistake worth naming
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ConfigError(f"{where}: {key} must be a whole number >= 0, not {raw!r}")
    return raw


def _optional_whole(row: dict[str, object], key: str, where: str) -> int | None:
    return _whole(row[key], key, where) if key in row else None


def _optional_decimal(row: dict[str, object], key: str, where: str) -> Decimal | None:
    return _decimal(row[key], where) if key in row else None


def _text(row: dict[str, object], key: str, where: str) -> str:
    raw = row.get(key, "")
    if not isinstance(raw, str):
        raise ConfigError(f"{where}: {key} must be text, not {raw!r}")
    return raw.strip()


def _texts(row: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    raw = row.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ConfigError(f"{where}: {key} must be a list of texts, not {raw!r}")
    return tuple(item.strip() for item in raw)
