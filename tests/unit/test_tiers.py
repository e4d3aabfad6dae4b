"""Tier schemes: points per purchase, the tier activity earns, periodic review (promotion,
demotion, locked manual grants) with both shipped schemes, and refused scheme files."""

from decimal import Decimal
from pathlib import Path

import pytest

from workbench.errors import ConfigError
from workbench.members.tiers import PeriodActivity, load_tier_scheme

ROOT = Path(__file__).resolve().parents[2]
CLASSIC = load_tier_scheme(ROOT / "config" / "tiers" / "classic.toml")
CUMULATIVE = load_tier_scheme(ROOT / "config" / "tiers" / "cumulative.toml")


def act(spend="0", visits=0, largest="0") -> PeriodActivity:
    return PeriodActivity(Decimal(spend), visits, Decimal(largest))


# The shipped schemes ---------------------------------------------------------------------------
def test_the_shipped_schemes_load():
    assert CLASSIC.name == "classic" and CLASSIC.review_period_months == 12
    assert [t.code for t in CLASSIC.tiers] == ["regular", "silver", "gold", "platinum"]
    assert CLASSIC.base.code == "regular"
    assert CLASSIC.get("platinum").manual_grant and not CLASSIC.get("gold").manual_grant
    assert CLASSIC.get("silver").discount == Decimal("0.95")
    assert (
        CLASSIC.get("gold").label("en") == "Gold" and CLASSIC.get("gold").label("zh-CN") == "金卡"
    )
    assert CUMULATIVE.name == "cumulative" and CUMULATIVE.review_period_months == 0
    assert [t.code for t in CUMULATIVE.tiers] == ["standard", "gold", "diamond"]


def test_an_unknown_tier_code_names_the_known_ones():
    with pytest.raises(ConfigError, match="regular, silver, gold, platinum"):
        CLASSIC.get("bronze")


# Points ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code, amount, points",
    [
        ("regular", "100", 100),
        ("regular", "99.99", 99),  # fractions of a yuan earn nothing
        ("regular", "0.99", 0),
        ("silver", "10.50", 20),
        ("gold", "100", 300),
        ("platinum", "100", 400),
        ("platinum", "10.5", 40),
        ("regular", "0", 0),
        ("platinum", "-50", 0),  # a refund earns no (negative) points here
    ],
)
def test_classic_points(code, amount, points):
    assert CLASSIC.get(code).points_for(Decimal(amount)) == points


@pytest.mark.parametrize(
    "code, amount, points",
    [
        ("standard", "199.99", 1),  # one point per full 100 yuan
        ("standard", "99.99", 0),
        ("standard", "200", 2),
        ("gold", "1000", 10),
        ("diamond", "250", 4),
    ],
)
def test_cumulative_points(code, amount, points):
    assert CUMULATIVE.get(code).points_for(Decimal(amount)) == points


# Earned tier -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "activity, code",
    [
        (act(), "regular"),
        (act(spend="4999.99", visits=11), "regular"),
        (act(spend="5000"), "silver"),
        (act(visits=12), "silver"),  # visits are enough on their own
        (act(spend="19999.99", visits=35), "silver"),
        (act(spend="20000"), "gold"),
        (act(spend="100", visits=36), "gold"),
        (act(spend="50000"), "platinum"),
        (act(spend="0", visits=1000), "gold"),  # platinum has no visits rule
    ],
)
def test_classic_earned_tier(activity, code):
    assert CLASSIC.earned_tier(activity).code == code


@pytest.mark.parametrize(
    "activity, code",
    [
        (act(spend="7999.99", largest="5000"), "standard"),
        (act(spend="8000"), "gold"),
        (act(spend="30000"), "diamond"),
    ],
)
def test_cumulative_earned_tier(activity, code):
    assert CUMULATIVE.earned_tier(activity).code == code


def test_a_single_purchase_can_earn_a_tier(tmp_path):
    path = tmp_path / "single.toml"
    path.write_text(
        _tier("base", 0) + _tier("vip", 1, "qualify_single_purchase = 2000\nqualify_spend = 10000"),
        encoding="utf-8",
    )
    scheme = load_tier_scheme(path)
    assert scheme.earned_tier(act(spend="2500", largest="2000")).code == "vip"
    assert scheme.earned_tier(act(spend="2500", largest="1999.99")).code == "base"
    assert scheme.earned_tier(act(spend="10000", largest="10")).code == "vip"


# Review ----------------------------------------------------------------------------------------
def test_review_promotes_on_activity():
    assert CLASSIC.review("regular", act(spend="25000"), locked=False).code == "gold"


def test_review_demotes_when_spend_falls():
    assert CLASSIC.review("gold", act(spend="6000"), locked=False).code == "silver"
    assert CLASSIC.review("platinum", act(spend="100"), locked=False).code == "regular"
    assert CUMULATIVE.review("gold", act(spend="100"), locked=False).code == "standard"


def test_review_keeps_a_locked_manual_tier():
    assert CLASSIC.review("platinum", act(spend="100"), locked=True).code == "platinum"
    assert CLASSIC.review("platinum", act(spend="25000"), locked=True).code == "platinum"
    assert CUMULATIVE.review("diamond", act(), locked=True).code == "diamond"


def test_review_gives_a_higher_earned_tier_over_a_locked_one():
    assert CLASSIC.review("silver", act(spend="60000"), locked=True).code == "platinum"


def test_review_of_an_unknown_current_tier_is_a_config_error():
    with pytest.raises(ConfigError):
        CLASSIC.review("bronze", act(), locked=False)


# Refused scheme files --------------------------------------------------------------------------
def _tier(code: str, rank: int, extra: str = "") -> str:
    return (
        f'[[tier]]\ncode = "{code}"\nlabel_zh = "{code}"\nlabel_en = "{code}"\nrank = {rank}\n'
        f"points_per_unit = 1\nunit_yuan = 1\ndiscount = 1\n{extra}\n\n"
    )


GOOD = _tier("base", 0) + _tier("top", 1, "qualify_spend = 100")


def test_the_helper_scheme_is_valid(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    scheme = load_tier_scheme(path)
    assert scheme.name == "good" and scheme.review_period_months == 12  # the defaults
    assert [t.code for t in scheme.tiers] == ["base", "top"]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param(GOOD.replace('label_en = "top"\n', ""), "missing 'label_en'", id="no-label"),
        pytest.param(GOOD.replace("rank = 1\n", ""), "missing 'rank'", id="no-rank"),
        pytest.param(_tier("base", 0) + _tier("base", 1), "unique", id="duplicate-code"),
        pytest.param(_tier("base", 0) + _tier("top", 0), "unique", id="duplicate-rank"),
        pytest.param(
            GOOD.replace("discount = 1\n", "discount = 0\n", 1), "discount", id="discount-0"
        ),
        pytest.param(
            GOOD.replace("discount = 1\n", "discount = 1.2\n", 1), "discount", id="discount-1.2"
        ),
        pytest.param(
            GOOD.replace("unit_yuan = 1\n", "unit_yuan = 0\n", 1), "unit_yuan", id="unit-0"
        ),
        pytest.param(
            GOOD.replace("unit_yuan = 1\n", 'unit_yuan = "lots"\n', 1),
            "not a number",
            id="unit-text",
        ),
        pytest.param(GOOD.replace("rank = 1\n", 'rank = "first"\n'), "rank", id="rank-text"),
        pytest.param(GOOD + 'qualify_visits = "12"\n', "qualify_visits", id="visits-text"),
        pytest.param('name = "empty"\n', "no [[tier]]", id="no-tiers"),
        pytest.param("[[tier]\n", "tier scheme", id="bad-toml"),
    ],
)
def test_an_invalid_scheme_file_is_a_config_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_tier_scheme(path)


def test_a_missing_scheme_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="absent.toml"):
        load_tier_scheme(tmp_path / "absent.toml")
