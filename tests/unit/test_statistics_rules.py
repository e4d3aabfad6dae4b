"""The pure parts of the statistics: which cells small-group protection hides (worked examples
and properties over random tables), the figures computed from what is shown, and periods."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.group_audit import Table, labels_true, leaks
from workbench.clock import FixedClock
from workbench.errors import ValidationError
from workbench.masking.groups import Rules, protect
from workbench.statistics.figures import StoreLabel, branch_kpis, member_statistics
from workbench.statistics.period import Period, months_before, period_of_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIERS = ("tier:a", "tier:b", "tier:c")
RULES = Rules(
    counts=("members", "active", *TIERS),
    parts={"active": "members"},
    sums={"spend": "active"},
    breakdowns={"members": TIERS},
)


def _row(members, active=0, tiers=None, spend=0):
    tiers = tiers or (members, 0, 0)
    row = {"members": members, "active": active, "spend": spend}
    return row | dict(zip(TIERS, tiers, strict=True))


def _total(rows):
    return {k: sum(r[k] for r in rows) for k in rows[0]}


# Worked examples ------------------------------------------------------------------------------
def test_small_counts_are_hidden_and_zero_is_shown():
    rules = Rules(counts=("members", *TIERS), breakdowns={"members": TIERS})
    rows = [_row(20), _row(3)]
    hidden = protect(rows, _total(rows), rules, 5)
    assert {"members", "tier:a"} <= hidden.rows[1]
    assert "tier:b" not in hidden.rows[0] and "tier:b" not in hidden.rows[1]  # 0 singles no one
    # The column totals would give the small store away: the other store's cells go too.
    assert {"members", "tier:a"} <= hidden.rows[0]
    assert hidden.total == set()


def test_a_part_is_hidden_when_the_rest_of_its_group_is_small():
    rows = [_row(40, active=38, spend=9000), _row(40, active=20, spend=5000)]
    hidden = protect(rows, _total(rows), RULES, 5)
    assert "active" in hidden.rows[0]  # 40 - 38 = 2 inactive members
    assert "active" in hidden.rows[1]  # the total of 58 would give 38 away
    assert hidden.why(0, "active") == hidden.why(1, "active") == "complement"  # not under 5
    assert "spend" not in hidden.rows[0] | hidden.rows[1]  # over 38 and 20 members: shown
    assert "active" not in hidden.total


def test_hidden_cells_adding_up_to_a_small_group_hide_more():
    # Tiers of one store: 8 + 3 + 1; members 12 shown. Hiding 3 and 1 leaves 12 - 8 = 4 known.
    rows = [_row(12, tiers=(8, 3, 1)), _row(30, tiers=(20, 5, 5))]
    hidden = protect(rows, _total(rows), RULES, 5)
    assert {"tier:a", "tier:b", "tier:c"} <= hidden.rows[0]
    assert "members" not in hidden.rows[0]
    # Each tier column now has one hidden store: the other store's cell goes too.
    assert {"tier:a", "tier:b", "tier:c"} <= hidden.rows[1]
    assert hidden.total == set()


def test_where_no_other_cell_can_go_the_total_goes():
    # Store A's tiers 6 + 3: the 3 is hidden, so the 6 goes too; in tier a's column the only
    # other store has 0, so the column's total goes instead.
    rows = [_row(9, tiers=(6, 3, 0)), _row(6, tiers=(0, 0, 6))]
    hidden = protect(rows, _total(rows), RULES, 5)
    assert {"tier:a", "tier:b"} <= hidden.rows[0]
    assert "tier:a" in hidden.total and "tier:c" not in hidden.total
    assert "members" not in hidden.total


def test_sums_go_with_their_group():
    rows = [_row(30, active=3, spend=450), _row(30, active=20, spend=4000)]
    hidden = protect(rows, _total(rows), RULES, 5)
    assert {"active", "spend"} <= hidden.rows[0] and {"active", "spend"} <= hidden.rows[1]
    assert {"active", "spend"}.isdisjoint(hidden.total)


# Properties -------------------------------------------------------------------------------------
counts = st.integers(min_value=0, max_value=14)


@st.composite
def tables(draw):
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        tiers = [draw(counts) for _ in TIERS]
        members = sum(tiers)
        active = draw(st.integers(min_value=0, max_value=members))
        rows.append(_row(members, active, tiers, spend=active * 100))
    return rows, draw(st.integers(min_value=1, max_value=6))


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_small_group_can_be_read_or_worked_out(table):
    rows, minimum = table
    total = _total(rows)
    hidden = protect(rows, total, RULES, minimum)
    audit = Table(rows, total, RULES)
    assert leaks(audit, hidden, minimum) == [] and labels_true(audit, hidden, minimum) == []


# Figures computed from what is shown ----------------------------------------------------------
def test_means_and_shares_follow_what_they_are_computed_from():
    stores = [StoreLabel("SH01", "上海"), StoreLabel("BJ01", "北京")]
    raw = [
        {
            "members": 20,
            "active": 10,
            "spend_fen": 123456,
            "visits": 25,
            "cohort": 10,
            "retained": 5,
            "tier:regular": 20,
            "scores": 6,
            "score_sum": 26,
        },
        {"members": 6, "active": 2, "spend_fen": 5000, "visits": 2, "tier:regular": 6},
    ]
    stats = member_statistics(
        start=datetime(2025, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 1, tzinfo=UTC),
        stores=stores,
        raw=raw,
        tiers=("regular",),
        minimum=5,
    )
    sh, bj = stats.stores
    assert bj.active is None and bj.spend is None and bj.spend_per_active is None
    assert bj.active_pct is None and bj.visits_per_active is None
    # One hidden store in the active column: the other is hidden too; the total is shown.
    assert sh.active is None and sh.spend is None
    total = stats.total
    assert total.active == 12 and str(total.spend) == "1284.56"
    assert str(total.spend_per_active) == "107.05" and total.visits_per_active == 2.25
    assert total.active_pct == 46.2 and total.members == 26
    assert sh.retention_pct == 50.0 and sh.churn_pct == 50.0
    assert sh.satisfaction_average == 4.33 and sh.satisfaction_scores == 6
    assert stats.to_dict()["total"]["spend"] == "1284.56"


def test_branch_complaint_rate_is_per_thousand_members():
    branches, total = branch_kpis(
        [StoreLabel("SH01", "")],
        [
            {
                "members": 400,
                "complaints": 6,
                "active": 100,
                "cards": 7,
                "scores": 5,
                "score_sum": 21,
            }
        ],
        5,
    )
    assert branches[0].complaint_rate == 15.0 and branches[0].satisfaction_average == 4.2
    assert total.complaint_rate == 15.0


# Periods ----------------------------------------------------------------------------------------
def test_months_before_keeps_the_day_or_takes_the_month_end():
    assert months_before(date(2026, 3, 3), 12) == date(2025, 3, 3)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)


def test_the_default_period_is_the_last_12_months_up_to_today():
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    period = period_of_days(clock, SHANGHAI)
    assert period.days(SHANGHAI) == (date(2025, 3, 3), date(2026, 3, 2))
    assert period.start == datetime(2025, 3, 2, 16, 0, tzinfo=UTC)
    assert period.previous() == Period(datetime(2024, 3, 2, 16, 0, tzinfo=UTC), period.start)
    chosen = period_of_days(clock, SHANGHAI, first=date(2026, 1, 1), after_last=date(2026, 2, 1))
    assert chosen.days(SHANGHAI) == (date(2026, 1, 1), date(2026, 1, 31))
    assert period_of_days(clock, SHANGHAI, months=3).days(SHANGHAI)[0] == date(2025, 12, 3)


def test_a_period_must_start_before_it_ends():
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    with pytest.raises(ValidationError, match="from"):
        period_of_days(clock, SHANGHAI, first=date(2026, 3, 5), after_last=date(2026, 3, 5))
    with pytest.raises(ValidationError):
        period_of_days(clock, SHANGHAI, months=0)


def test_a_large_stores_complaint_rate_is_per_thousand_members():
    branches, _ = branch_kpis(
        [StoreLabel("SH01", "")],
        [{"members": 30000, "complaints": 10, "active": 9000, "cards": 0, "scores": 0}],
        5,
    )
    assert branches[0].complaint_rate == 0.3 and branches[0].satisfaction_average is None


def test_branch_kpis_hide_what_the_member_statistics_hide():
    # Store B's members are all gold; store A has 3 gold. A's 3 is hidden, so B's gold goes
    # too, and with it B's member count (its only tier): the branch table must not show it.
    stores = [StoreLabel("A", ""), StoreLabel("B", "")]
    raw = [
        {"members": 20, "tier:regular": 17, "tier:gold": 3, "active": 10},
        {"members": 7, "tier:regular": 0, "tier:gold": 7, "active": 0},
    ]
    stats = member_statistics(
        start=datetime(2025, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 1, tzinfo=UTC),
        stores=stores,
        raw=raw,
        tiers=("regular", "gold"),
        minimum=5,
    )
    assert stats.stores[1].members is None
    branches, _ = branch_kpis(stores, raw, 5, ("regular", "gold"))
    for member_row, branch_row in zip(stats.stores, branches, strict=True):
        assert (branch_row.members, branch_row.active) == (member_row.members, member_row.active)
