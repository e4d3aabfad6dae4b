"""Which cells of an aggregate table must be hidden so that no member can be singled out.

A table is one row per store plus a total row; each row maps figure names to numbers. Rules:

1. A count of members under the minimum group size is hidden (zero is shown: an empty group
   singles no one out).
2. The rest of a group counts too: a part (active members of all members) is hidden when the
   rest of its whole is a small group, since whole minus part would show it.
3. Shown totals must not give a hidden cell away: wherever a shown total (a column's total, or a
   row's members over its tiers) has exactly one hidden cell, or hidden cells that together are
   a small group (total minus the shown cells would show it), the smallest other cell is hidden
   as well, repeated until no such line is left; where there is no other cell, the total goes.
4. A sum over a group (spend, points) is hidden with its group's count; a figure computed from
   hidden figures (a mean, a share) is hidden by the caller, who knows what it is computed from.

Pure: no I/O, so the rules are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Cell = tuple[int, str]  # (row index, figure name); the total row has index -1


@dataclass(frozen=True)
class Rules:
    counts: tuple[str, ...]  # counts of members (groups)
    parts: Mapping[str, str] = field(default_factory=dict)  # part count -> its whole
    sums: Mapping[str, str] = field(default_factory=dict)  # a sum -> the count it sums over
    breakdowns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # whole -> cells


@dataclass(frozen=True)
class Hidden:
    rows: list[set[str]]
    total: set[str]

    def of(self, index: int) -> set[str]:
        return self.total if index == -1 else self.rows[index]


def protect(
    rows: Sequence[Mapping[str, int]], total: Mapping[str, int], rules: Rules, minimum: int
) -> Hidden:
    table = {-1: total, **dict(enumerate(rows))}
    hidden: dict[int, set[str]] = {i: set() for i in table}

    def small(n: int) -> bool:
        return 0 < n < minimum

    for i, row in table.items():
        for name in rules.counts:
            if small(row[name]):
                hidden[i].add(name)
        for part, whole in rules.parts.items():
            if small(row[whole] - row[part]):
                hidden[i].add(part)
    lines = _lines(list(table), rules)
    while _close_one_gap(table, hidden, lines, minimum):
        pass
    for i in table:
        hidden[i] |= {s for s, count in rules.sums.items() if count in hidden[i]}
    return Hidden([hidden[i] for i in range(len(rows))], hidden[-1])


def _lines(indexes: list[int], rules: Rules) -> list[tuple[Cell, list[Cell]]]:
    """Every (total, cells that add up to it) the table shows."""
    stores = [i for i in indexes if i != -1]
    lines: list[tuple[Cell, list[Cell]]] = []
    columns = set(rules.counts)
    for whole, cells in rules.breakdowns.items():
        columns |= set(cells)
        lines += [((i, whole), [(i, c) for c in cells]) for i in indexes]
    lines += [((-1, name), [(i, name) for i in stores]) for name in sorted(columns)]
    return lines


def _close_one_gap(
    table: Mapping[int, Mapping[str, int]],
    hidden: dict[int, set[str]],
    lines: list[tuple[Cell, list[Cell]]],
    minimum: int,
) -> bool:
    """Hides one more cell where a shown total would give its hidden cells away; False when
    no line does."""
    for (ti, tname), cells in lines:
        if tname in hidden[ti]:
            continue
        gaps = [c for c in cells if c[1] in hidden[c[0]]]
        gap = sum(table[i][name] for i, name in gaps)
        if len(gaps) != 1 and not 0 < gap < minimum:
            continue
        shown = [c for c in cells if c[1] not in hidden[c[0]] and table[c[0]][c[1]] > 0]
        if shown:
            i, name = min(shown, key=lambda c: (table[c[0]][c[1]], c))
            hidden[i].add(name)
        else:
            hidden[ti].add(tname)
        return True
    return False
