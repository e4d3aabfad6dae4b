"""The member counts' views: no hidden cell can be worked out from what another view shows."""

from workbench.permissions.sharing import counts_view

CELLS = {
    ("A", "gold"): 2,
    ("A", "regular"): 40,
    ("A", "silver"): 12,
    ("B", "regular"): 3,
    ("C", "regular"): 20,
    ("C", "silver"): 9,
}


def _view(**by) -> dict:
    return {c.group: c.count for c in counts_view(CELLS, 5, **by)}


def test_a_store_row_never_has_a_single_hidden_cell():
    table = _view(by_store=True, by_tier=True)
    assert table[("A", "gold")] is None
    assert table[("A", "silver")] is None  # the next smallest, else 54 - 40 - 12 = 2
    assert table[("A", "regular")] == 40
    assert table[("B", "regular")] is None


def test_a_small_store_hides_a_second_store_so_the_grand_total_gives_nothing_away():
    by_store = _view(by_store=True, by_tier=False)
    # The grand total (86) is the sum of the tier view; with only B hidden it would show B = 3.
    assert by_store[("B",)] is None
    assert sum(1 for n in by_store.values() if n is None) >= 2


def test_no_hidden_cell_can_be_recovered_by_subtracting_shown_cells():
    table, by_store, by_tier = (
        _view(by_store=True, by_tier=True),
        _view(by_store=True, by_tier=False),
        _view(by_store=False, by_tier=True),
    )
    for (store,), store_total in by_store.items():
        if store_total is None:
            continue
        row = [n for (s, _), n in table.items() if s == store]
        assert row.count(None) != 1
    for (tier,), tier_total in by_tier.items():
        if tier_total is None:
            continue
        column = [n for (_, t), n in table.items() if t == tier]
        assert column.count(None) != 1


def test_empty_scope_shows_nothing():
    assert counts_view({}, 5, by_store=True, by_tier=True) == []
    assert counts_view({}, 5, by_store=False, by_tier=True) == []
