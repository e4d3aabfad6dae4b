"""Small-group protection tells the truth and costs little: a cell under the minimum says so,
a cell hidden only so that differences give nothing away says "hidden", the complements are
the smallest that close each gap, and no small group can be read or worked out (checked by
tests/group_audit.py, an attacker written apart from the protection)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.group_audit import Table, labels_true, leaks, wasted
from workbench.masking.groups import COMPLEMENT, GROUP, SMALL, Rules, protect, protect_breakdown

TIERS = ("tier:a", "tier:b", "tier:c")
RULES = Rules(
    counts=("members", "active", "cohort", "retained", *TIERS),
    parts={"active": "members", "retained": "cohort"},
    sums={"spend": "active"},
    breakdowns={"members": TIERS},
)


def _row(tiers, active, cohort=0, retained=0):
    row = {"members": sum(tiers), "active": active, "cohort": cohort, "retained": retained}
    return row | {"spend": active * 1000} | dict(zip(TIERS, tiers, strict=True))


def _total(rows):
    return {k: sum(r[k] for r in rows) for k in rows[0]}


def _audit(rows, minimum=5):
    total = _total(rows)
    hidden = protect(rows, total, RULES, minimum)
    table = Table(rows, total, RULES)
    assert leaks(table, hidden, minimum) == []
    assert labels_true(table, hidden, minimum) == []
    return hidden, table


def test_a_part_hidden_for_its_small_rest_is_a_complement_and_keeps_its_spend():
    # 43 of 46 bought: the 3 who did not are a small group, so "active" goes, but as a
    # complement (43 is not under 5), and the spend of 43 members stays.
    rows = [_row((40, 6, 0), 43), _row((30, 8, 0), 20), _row((25, 5, 0), 10)]
    hidden, _ = _audit(rows)
    assert hidden.why(0, "active") == COMPLEMENT
    assert "spend" not in hidden.rows[0]
    # The active column then has one gap: the smallest other store's active (10) closes it.
    assert hidden.why(2, "active") == COMPLEMENT and "active" not in hidden.rows[1]
    assert all("spend" not in r for r in hidden.rows) and "active" not in hidden.total


def test_a_small_count_says_small_and_its_sum_goes_with_a_complement_sum():
    rows = [_row((30, 0, 0), 3), _row((30, 0, 0), 20), _row((30, 0, 0), 9)]
    hidden, _ = _audit(rows)
    assert hidden.why(0, "active") == SMALL and hidden.why(0, "spend") == GROUP
    assert hidden.why(2, "active") == COMPLEMENT  # 9, not 20: the smallest that closes it
    assert hidden.why(2, "spend") == COMPLEMENT and "spend" not in hidden.rows[1]
    assert hidden.total == set()


def test_cells_adding_up_to_a_small_group_take_the_smallest_closing_cell():
    # Tiers 8 + 3 + 1 of 12: the 3 and the 1 add up to 4, so 8 goes (the only other cell).
    rows = [_row((8, 3, 1), 6), _row((20, 5, 5), 15), _row((40, 9, 6), 30)]
    hidden, _ = _audit(rows)
    assert {hidden.why(0, t) for t in TIERS} == {SMALL, COMPLEMENT}
    assert hidden.why(0, "tier:b") == SMALL and hidden.why(0, "tier:a") == COMPLEMENT
    # In each tier column the second store's cell (the smaller) closes the gap, not the third.
    for tier in TIERS:
        assert tier in hidden.rows[1] and tier not in hidden.rows[2]


def test_no_complement_is_kept_that_the_table_is_safe_without():
    rows = [_row((30, 3, 0), 20), _row((30, 2, 0), 20), _row((50, 10, 0), 40)]
    hidden, table = _audit(rows)
    # The two small silver cells protect each other in their column (2 + 3 = 5).
    assert hidden.why(0, "tier:b") == SMALL and hidden.why(1, "tier:b") == SMALL
    assert "tier:b" not in hidden.rows[2]
    assert wasted(table, hidden, 5) == []


def test_retention_rest_small_hides_retained_only():
    rows = [_row((40, 0, 0), 30, cohort=25, retained=23), _row((40, 0, 0), 30, 30, 10)]
    rows.append(_row((40, 0, 0), 30, 20, 12))
    hidden, _ = _audit(rows)
    assert hidden.why(0, "retained") == COMPLEMENT and "cohort" not in hidden.rows[0]
    # Its column's gap is closed by the smallest other retained count: 10, not 12.
    assert hidden.why(1, "retained") == COMPLEMENT and "retained" not in hidden.rows[2]


# Properties -------------------------------------------------------------------------------------
counts = st.integers(min_value=0, max_value=14)


@st.composite
def tables(draw):
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        tiers = [draw(counts) for _ in TIERS]
        active = draw(st.integers(min_value=0, max_value=sum(tiers)))
        cohort = draw(st.integers(min_value=0, max_value=sum(tiers)))
        retained = draw(st.integers(min_value=0, max_value=cohort))
        rows.append(_row(tiers, active, cohort, retained))
    return rows, draw(st.integers(min_value=1, max_value=6))


@settings(max_examples=300, deadline=None)
@given(tables())
def test_nothing_small_can_be_read_or_worked_out_and_every_label_is_true(table):
    rows, minimum = table
    total = _total(rows)
    hidden = protect(rows, total, RULES, minimum)
    audit = Table(rows, total, RULES)
    assert leaks(audit, hidden, minimum) == []
    assert labels_true(audit, hidden, minimum) == []


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_complement_is_needless(table):
    rows, minimum = table
    total = _total(rows)
    hidden = protect(rows, total, RULES, minimum)
    needless = [w for w in wasted(Table(rows, total, RULES), hidden, minimum) if "nothing" in w]
    assert needless == []


# One line: counts by key under a shown total (the complaint report's breakdowns) --------------
def test_a_breakdown_hides_the_smallest_count_that_closes_the_gap():
    why = protect_breakdown({"billing": 3, "delivery": 40, "staff": 9, "none": 0}, 5)
    assert why == {"billing": SMALL, "staff": COMPLEMENT}  # 9, not 40; 0 is no one
    assert protect_breakdown({"a": 2, "b": 3, "c": 30}, 5) == {"a": SMALL, "b": SMALL}
    assert protect_breakdown({"a": 2, "b": 1, "c": 30}, 5) == {
        "a": SMALL,
        "b": SMALL,
        "c": COMPLEMENT,
    }
    assert protect_breakdown({"a": 3, "b": 0}, 5) == {"a": SMALL}  # the total is small too
    assert protect_breakdown({"a": 3, "b": 9}, 5, total_shown=False) == {"a": SMALL}
