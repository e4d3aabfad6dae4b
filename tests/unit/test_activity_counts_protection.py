"""The counts of an activity as an aggregate-only reader sees them: small groups hidden, and a
count that with the rest of its line would give one away hidden with them."""

from __future__ import annotations

from workbench.activities.service import ActivityCounts
from workbench.usecases.activities import _small_counts


def _counts(**given: int) -> ActivityCounts:
    values = dict.fromkeys(
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
    values.update(given)
    return ActivityCounts(**values)


def test_large_counts_are_shown_and_zero_is_too():
    counts = _counts(invited=40, invitations_queued=40, confirmed=20, checked_in=20)
    assert _small_counts(counts, 5) == {}


def test_a_small_no_show_count_takes_the_participants_with_it():
    counts = _counts(
        invited=40, invitations_queued=40, confirmed=10, checked_in=8, no_shows=2,
        points_credited=1600,
    )  # fmt: skip
    hidden = _small_counts(counts, 5)
    assert hidden["no_shows"] == "small"
    assert hidden["checked_in"] == "complement"  # 10 − 8 would give the 2 away
    assert hidden["points_credited"] == "group"  # 1600 at 200 a head would show the 8
    assert "confirmed" not in hidden and "invited" not in hidden


def test_a_small_priority_count_and_a_small_rest_of_the_invitations():
    counts = _counts(invited=12, invited_priority=3, invitations_queued=9, invitations_skipped=3)
    hidden = _small_counts(counts, 5)
    assert hidden["invited_priority"] == "small"
    assert hidden["invitations_skipped"] == "small"
    assert hidden["invitations_queued"] == "complement"  # 12 − 9 would give the 3 away
    assert "invited" not in hidden
