"""The configured gift catalogue (config/rewards.toml) and activity rules
(config/activity_rules.toml): the files a business edits, parsed into plain values.

The rewards file seeds the catalogue in the database (`gifts import`, `workbench seed`): from
then on supervisors manage the database's catalogue (stock, retirement, new items).

    [[reward]]
    code = "gift-100"         label_zh = "100元礼品"   label_en = "100-yuan gift"
    points = 1000             # the price in points
    kind = "gift"             # or "voucher": each unit redeemed issues a voucher code
    stock = 50                # units in stock; leave it out for unlimited
    min_tier = "silver"       # the lowest tier that may redeem it; leave it out for all
    daily_limit = 2           # units per member per day; leave it out for none
    total_limit = 5           # units per member ever; leave it out for none
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError, ValidationError
from workbench.tomlfiles import read_toml


class GiftKind(StrEnum):
    GIFT = "gift"
    VOUCHER = "voucher"


@dataclass(frozen=True)
class Reward:
    """A catalogue item as configured (or as `gifts add` gives it)."""

    code: str
    label_zh: str
    label_en: str
    points: int
    kind: GiftKind = GiftKind.GIFT
    stock: int | None = None  # None: unlimited
    min_tier: str | None = None  # None: every tier
    daily_limit: int | None = None  # units per member per local day
    total_limit: int | None = None  # units per member ever

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


def checked_reward(reward: Reward, tiers: Collection[str] | None = None) -> Reward:
    """The reward, or a ValidationError naming what is wrong with it."""
    code = reward.code.strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise ValidationError("code", "1–32 letters, digits, '-' or '_'")
    if not reward.label_zh.strip() or not reward.label_en.strip():
        raise ValidationError("label", "give the label in Chinese and in English")
    if reward.points <= 0:
        raise ValidationError("points", "the price is a positive number of points")
    for field, value in (
        ("stock", reward.stock),
        ("daily_limit", reward.daily_limit),
        ("total_limit", reward.total_limit),
    ):
        if value is not None and value < (0 if field == "stock" else 1):
            raise ValidationError(field, "must be a whole number of at least 1 (stock: 0)")
    if reward.min_tier is not None and tiers is not None and reward.min_tier not in tiers:
        raise ValidationError("min_tier", f"not a tier of the scheme ({', '.join(tiers)})")
    return reward


def load_rewards(path: Path) -> dict[str, Reward]:
    try:
        doc = read_toml(path)
        rewards = [_reward(row) for row in doc["reward"]]
        rewards = [checked_reward(r) for r in rewards]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"rewards catalogue {path}: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"rewards catalogue {path}: {exc}") from None
    return {r.code: r for r in rewards}


def _reward(row: dict[str, Any]) -> Reward:
    return Reward(
        code=str(row["code"]),
        label_zh=str(row["label_zh"]),
        label_en=str(row["label_en"]),
        points=_whole(row["points"]),
        kind=GiftKind(row.get("kind", "gift")),
        stock=_optional_whole(row.get("stock")),
        min_tier=row.get("min_tier"),
        daily_limit=_optional_whole(row.get("daily_limit")),
        total_limit=_optional_whole(row.get("total_limit")),
    )


def _whole(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"{raw!r} is not a whole number")
    return raw


def _optional_whole(raw: object) -> int | None:
    return None if raw is None else _whole(raw)


@dataclass(frozen=True)
class ActivityRule:
    """A named way of earning points by taking part: who may credit it, and how often."""

    code: str
    label_zh: str
    label_en: str
    points: int
    roles: frozenset[str]  # the staff roles that may credit it
    daily_max: int  # credits per member per local day

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


def load_activity_rules(path: Path) -> dict[str, ActivityRule]:
    try:
        doc = read_toml(path)
        rules = [
            ActivityRule(
                code=str(row["code"]),
                label_zh=str(row["label_zh"]),
                label_en=str(row["label_en"]),
                points=_whole(row["points"]),
                roles=frozenset(str(r) for r in row["roles"]),
                daily_max=_whole(row.get("daily_max", 1)),
            )
            for row in doc["rule"]
        ]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"activity rules {path}: {exc}") from None
    for rule in rules:
        if rule.points <= 0 or rule.daily_max < 1 or not rule.roles:
            raise ConfigError(f"activity rules {path}: {rule.code}: points, daily_max, roles")
    return {r.code: r for r in rules}
