"""The evaluation's pure parts: the words of an SMS score, and the figures from grouped counts
(the comparison weighted by the participants' cells, a cell too small to compare left out,
small groups hidden)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workbench.activities.evaluation import SpendCell, figures
from workbench.activities.models import Activity
from workbench.activities.rules import satisfaction_reply, signup_code
from workbench.activities.service import ActivityCounts
from workbench.masking.groups import SMALL

START = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("评分 A12 5", ("A12", 5)),
        ("评分A12 5", ("A12", 5)),
        ("score a12 4", ("A12", 4)),
        ("A12 3分", ("A12", 3)),
        ("A12：1", ("A12", 1)),
        ("A12 6", None),
        ("A12", None),
        ("5", None),
        ("报名 A12", None),
    ],
)
def test_the_words_of_a_score(body, expected):
    assert satisfaction_reply(body) == expected


def test_a_score_is_never_taken_for_a_sign_up():
    assert signup_code("A12 5") is None and signup_code("评分 A12 5") is None


def _activity() -> Activity:
    return Activity(
        id=1,
        code="A1",
        kind="trip",
        theme="t",
        state="done",
        starts_at=START,
        ends_at=START + timedelta(hours=3),
        capacity=20,
        budget=Decimal("6000.00"),
        priority_opens_at=START,
        signup_opens_at=START,
        signup_closes_at=START,
        cancel_until=START,
        planner_id=1,
        created_at=START,
    )


def _counts(**values: int) -> ActivityCounts:
    base = dict.fromkeys(
        (
            "invited",
            "invited_priority",
            "invitations_queued",
            "invitations_skipped",
            "invitations_pending",
            "confirmed",
            "waitlisted",
            "cancelled",
            "checked_in",
            "no_shows",
            "points_credited",
        ),
        0,
    )
    return ActivityCounts(**{**base, **values})


def test_the_comparison_is_weighted_by_the_participants_cells():
    cells = [
        # gold at store 1: 6 came (+100 each), 10 did not (+10 each)
        SpendCell("gold", 1, True, 6, Decimal("600"), Decimal("1200")),
        SpendCell("gold", 1, False, 10, Decimal("1000"), Decimal("1100")),
        # regular at store 1: 4 came (+50 each), 20 did not (−5 each)
        SpendCell("regular", 1, True, 4, Decimal("400"), Decimal("600")),
        SpendCell("regular", 1, False, 20, Decimal("2000"), Decimal("1900")),
        # silver at store 2: 2 came, only 3 others: too few to compare
        SpendCell("silver", 2, True, 2, Decimal("0"), Decimal("900")),
        SpendCell("silver", 2, False, 3, Decimal("0"), Decimal("0")),
    ]
    e = figures(
        _activity(),
        _counts(invited=40, confirmed=12, checked_in=12, points_credited=1200),
        {5: 6, 4: 5},
        cells,
        minimum=5,
        now=START + timedelta(days=40),
    )
    assert e.cells_left_out == 1  # silver at store 2
    assert e.took_part.members == 10  # 6 gold + 4 regular
    assert e.took_part.change == Decimal("80.00")  # (600 + 200) / 10
    # expected: (6 × 10 + 4 × −5) / 10 = 4
    assert e.compared.change == Decimal("4.00") and e.compared.members == 30
    assert e.lift == Decimal("76.00")
    assert e.cost_per_participant == Decimal("500.00")  # 6000 / 12
    assert e.satisfaction == Decimal("4.55") and e.scores[5] == 6 and e.scores[4] == 5
    assert e.after_complete


def test_small_groups_are_hidden_and_zero_is_shown():
    e = figures(
        _activity(),
        _counts(invited=3, confirmed=2, checked_in=2),
        {},
        [SpendCell("gold", 1, True, 2, Decimal("10"), Decimal("20"))],
        minimum=5,
        now=START,
    )
    assert e.invited is None and e.hidden["invited"] == SMALL
    assert e.participants is None and e.cost_per_participant is None
    assert e.no_shows == 0 and e.waitlisted == 0  # zero singles no one out
    assert e.responses == 0 and e.satisfaction is None
    assert not e.after_complete
