"""Which cells of an aggregate table must be hidden so that no member can be singled out, and
why each one is hidden.

A table is one row per store plus a total row; each row maps figure names to numbers. The table
shows lines that add up: a column's total over the stores, a whole over its breakdown (a store's
members over its tiers), and a whole over a part and the rest (members = active + the members
without a purchase; the rest is not a figure of its own, but whole minus part shows it).

1. **Small** (primary): a count of members under the minimum group size (zero is shown: an
   empty group singles no one out). Shown as "<minimum": that claim is true.
2. **Complement**: a cell hidden only so that no small group can be worked out from what is
   shown: wherever a line's total is shown and exactly one of its cells is not, or the cells
   not shown add up to a small group, the line's cheapest shown cell goes too (the smallest
   one: any shown count is 0 or at least the minimum, so one closes the gap), and where there
   is none the total goes; a hidden total whose cells are all shown (their sum gives it) takes
   a cell with it. A part whose rest is small is hidden this way (whole minus part
   would show the rest). Repeated until no line gives anything away; then every complement
   that is no longer needed (others hidden later protect the same cells) is shown again, the
   largest first. A complement is *not* under the minimum: it is shown as "hidden", never
   "<minimum".
3. **Group**: a sum over a group (spend, points) is hidden where its group is small; its column
   total must not give it away, so other stores' sums go as complements, those whose count is
   hidden already first (nothing more is lost), then the smallest groups. A sum over a group
   hidden only as a complement is shown: it is over enough members.
4. A figure computed from hidden figures (a mean, a share) is hidden by the caller, who knows
   what it is computed from.

Pure: no I/O, so the rules are tested on their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

K = TypeVar("K")
Cell = tuple[int, str]  # (row index, figure name); the total row has index -1
Line = tuple[Cell, tuple[Cell, ...]]  # a total and the cells that add up to it

SMALL = "small"  # a count under the minimum group size
GROUP = "group"  # a sum over a group under the minimum
COMPLEMENT = "complement"  # hidden so that no small group can be worked out from the rest
REST = "rest:"  # the name of a part's rest (whole minus part), never shown on its own
SWAP_TRIES = 8  # smaller cells tried in a complement's place (a table of 999 stores stays fast)


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
    reasons: Mapping[Cell, str] = field(default_factory=dict)  # SMALL, GROUP or COMPLEMENT
    by_row: Mapping[int, Mapping[str, str]] = field(default_factory=dict)  # the same, by row

    def of(self, index: int) -> set[str]:
        return self.total if index == -1 else self.rows[index]

    def why(self, index: int, name: str) -> str | None:
        """Why a cell is hidden, or None where it is shown."""
        return self.reasons.get((index, name))

    def reasons_of(self, index: int) -> dict[str, str]:
        if self.by_row:
            return dict(self.by_row.get(index, {}))
        return {name: why for (i, name), why in self.reasons.items() if i == index}


def protect(
    rows: Sequence[Mapping[str, int]], total: Mapping[str, int], rules: Rules, minimum: int
) -> Hidden:
    table: dict[int, Mapping[str, int]] = {-1: total, **dict(enumerate(rows))}
    counts = _Counts(table, rules, minimum)
    counts.hide_small()
    counts.settle()
    counts.show_needless()
    counts.swap_for_smaller()
    counts.show_needless()  # a smaller cell taken in may make another complement needless
    why = dict(counts.why)
    for name, count in rules.sums.items():
        why |= _protect_sum(table, name, count, why, minimum)
    by_row: dict[int, dict[str, str]] = {i: {} for i in table}
    for (i, name), reason in why.items():
        by_row[i][name] = reason
    hidden = {i: set(by_row[i]) for i in table}
    return Hidden([hidden[i] for i in range(len(rows))], hidden[-1], why, by_row)


class _Counts:
    """The counts and the lines they add up in; `why` holds every hidden cell."""

    def __init__(self, table: Mapping[int, Mapping[str, int]], rules: Rules, minimum: int):
        self.table, self.rules, self.minimum = table, rules, minimum
        self.rests = {f"{REST}{part}": (part, whole) for part, whole in rules.parts.items()}
        self.why: dict[Cell, str] = {}
        self.lines = _lines(list(table), rules, tuple(self.rests))
        self.touching: dict[Cell, list[int]] = {}  # a cell -> the lines whose sums it is in
        self.member_of: dict[Cell, list[int]] = {}  # a line's cell -> the lines it adds up in
        self.dependents: dict[Cell, set[Cell]] = {}  # a cell -> the line cells read from it
        for n, (line_total, cells) in enumerate(self.lines):
            for cell in (line_total, *cells):
                for real in self._reals(cell):
                    self.touching.setdefault(real, []).append(n)
                    self.dependents.setdefault(real, set()).add(cell)
            for cell in cells:
                self.member_of.setdefault(cell, []).append(n)
        self.gaps: list[set[Cell]] = [set() for _ in self.lines]  # each line's hidden cells
        self.gap_sums = [0] * len(self.lines)  # and what they add up to
        self.pending: deque[int] = deque()
        self.queued: set[int] = set()

    # Cells ---------------------------------------------------------------------------------
    def _reals(self, cell: Cell) -> tuple[Cell, ...]:
        """The table's own cells a cell is read from (a rest: its part and its whole)."""
        i, name = cell
        if name in self.rests:
            part, whole = self.rests[name]
            return ((i, part), (i, whole))
        return (cell,)

    def value(self, cell: Cell) -> int:
        i, name = cell
        if name in self.rests:
            part, whole = self.rests[name]
            return self.table[i][whole] - self.table[i][part]
        return self.table[i][name]

    def known(self, cell: Cell) -> bool:
        return all(real not in self.why for real in self._reals(cell))

    def small(self, n: int) -> bool:
        return 0 < n < self.minimum

    def _hides(self, cell: Cell) -> Cell:
        """The cell to hide so that `cell` is not shown (a rest: its part)."""
        i, name = cell
        return (i, self.rests[name][0]) if name in self.rests else cell

    def _set(self, cell: Cell, why: str) -> None:
        """Hides a cell, keeping each line's hidden cells up to date."""
        self.why[cell] = why
        for dependent in self.dependents.get(cell, ()):
            for n in self.member_of.get(dependent, ()):
                if dependent not in self.gaps[n]:
                    self.gaps[n].add(dependent)
                    self.gap_sums[n] += self.value(dependent)

    def _unset(self, cell: Cell) -> None:
        del self.why[cell]
        for dependent in self.dependents.get(cell, ()):
            if self.known(dependent):
                for n in self.member_of.get(dependent, ()):
                    if dependent in self.gaps[n]:
                        self.gaps[n].discard(dependent)
                        self.gap_sums[n] -= self.value(dependent)

    def hide(self, cell: Cell, why: str) -> None:
        if cell in self.why:
            return
        self._set(cell, why)
        for n in self.touching.get(cell, []):
            if n not in self.queued:
                self.queued.add(n)
                self.pending.append(n)

    # The rules -----------------------------------------------------------------------------
    def hide_small(self) -> None:
        for i in self.table:
            for name in self.rules.counts:
                if self.small(self.value((i, name))):
                    self.hide((i, name), SMALL)
        for i in self.table:
            for rest in self.rests:
                if self.exposed((i, rest)):
                    self.hide(self._hides((i, rest)), COMPLEMENT)

    def exposed(self, cell: Cell) -> bool:
        """A small rest that whole minus part shows."""
        return self.known(cell) and self.small(self.value(cell))

    def unsafe(self, n: int) -> bool:
        """True when line n's shown total gives a hidden cell or a small group away."""
        line_total, gaps = self.lines[n][0], self.gaps[n]
        if not self.known(line_total):  # the sum of shown cells gives a hidden total
            return not gaps and self.value(line_total) != 0
        return len(gaps) == 1 or self.small(self.gap_sums[n])

    def close_gaps(self) -> None:
        self.pending.extend(n for n in range(len(self.lines)) if n not in self.queued)
        self.queued.update(range(len(self.lines)))
        while self.pending:
            n = self.pending.popleft()
            self.queued.discard(n)
            if not self.unsafe(n):
                continue
            line_total, cells = self.lines[n]
            shown = [c for c in cells if self.known(c) and self.value(c) > 0]
            if shown:
                cheapest = min(shown, key=lambda c: (self.value(self._hides(c)), c))
                self.hide(self._hides(cheapest), COMPLEMENT)
            else:
                self.hide(self._hides(line_total), COMPLEMENT)
            self.pending.append(n)  # hiding one more may not have closed it yet
            self.queued.add(n)

    def settle(self) -> None:
        """Closes every line's gap, then every gap that only lines taken together open."""
        while True:
            self.close_gaps()
            solved = self.solved()
            if solved is None:
                return
            self.hide(self._breaker(solved), COMPLEMENT)

    def show_needless(self) -> None:
        """Shows again every complement the table is safe without, the largest first."""
        complements = [c for c, why in self.why.items() if why == COMPLEMENT]
        for cell in sorted(complements, key=lambda c: (-self.value(c), c)):
            self._unset(cell)
            if not self._safe_around(cell):
                self._set(cell, COMPLEMENT)

    def swap_for_smaller(self) -> None:
        """Gives each complement's place to a smaller shown cell of one of its lines where the
        table stays safe so (greedy choices made early can be beaten by later ones)."""
        complements = [c for c, why in self.why.items() if why == COMPLEMENT]
        for cell in sorted(complements, key=lambda c: (-self.value(c), c)):
            lines = self.touching.get(cell, [])
            near = {c for n in lines for c in (self.lines[n][0], *self.lines[n][1])}
            smaller = sorted(
                (self.value(c), c)
                for c in near
                if c[1] not in self.rests and self.known(c) and 0 < self.value(c) < self.value(cell)
            )
            for _, other in smaller[:SWAP_TRIES]:
                self._unset(cell)
                self._set(other, COMPLEMENT)
                if self._safe_around(cell, other):
                    break
                self._unset(other)
                self._set(cell, COMPLEMENT)

    def _safe_around(self, *cells: Cell) -> bool:
        lines = {n for cell in cells for n in self.touching.get(cell, [])}
        rests = [(cell[0], rest) for cell in cells for rest in self.rests]
        if any(self.unsafe(n) for n in lines) or any(self.exposed(r) for r in rests):
            return False
        return self.solved() is None

    # Lines taken together ----------------------------------------------------------------------
    def solved(self) -> Cell | None:
        """A small group that the shown lines, solved together, determine exactly (a chain of
        lines each with two gaps can do it), or None. Exact linear algebra over the hidden
        cells, modulo a large prime (the coefficients are small integers)."""
        index = {cell: k for k, cell in enumerate(sorted(self.why))}
        basis: dict[int, dict[int, int]] = {}
        for line_total, cells in self.lines:
            if any(name in self.rests for _, name in (line_total, *cells)):
                continue  # whole = part + rest says nothing more; the columns say the rest
            row: dict[int, int] = {}
            for sign, cell in ((-1, line_total), *((1, c) for c in cells)):
                if cell in index:
                    row[index[cell]] = (row.get(index[cell], 0) + sign) % _PRIME
            _add_to_basis(basis, {k: v for k, v in row.items() if v})
        for cell, why in self.why.items():
            if why == SMALL and not _reduce(basis, {index[cell]: 1}):
                return cell
        for i in self.table:
            for rest, (part, whole) in self.rests.items():
                if not self.small(self.value((i, rest))):
                    continue
                terms = {
                    index[c]: s % _PRIME
                    for c, s in (((i, whole), 1), ((i, part), -1))
                    if c in index
                }
                if terms and not _reduce(basis, terms):
                    return (i, rest)
        return None

    def _breaker(self, solved: Cell) -> Cell:
        """The smallest shown cell of a line through the solved cell (or, failing that, of any
        line with a hidden cell): hiding it breaks the chain there."""
        for near in (True, False):
            lines = (
                [n for real in self._reals(solved) for n in self.touching.get(real, [])]
                if near
                else [n for cell in self.why for n in self.touching.get(cell, [])]
            )
            shown = {
                self._hides(c)
                for n in lines
                for c in (self.lines[n][0], *self.lines[n][1])
                if self.known(c) and self.value(self._hides(c)) > 0
            }
            if shown:
                return min(shown, key=lambda c: (self.value(c), c))
        raise AssertionError(f"nothing left to hide around {solved}")  # a table of zeros


_PRIME = (1 << 61) - 1


def _reduce(basis: Mapping[int, Mapping[int, int]], row: dict[int, int]) -> dict[int, int]:
    """The row less its parts in the basis' span (empty when it is in the span)."""
    row = dict(row)
    while pivots := [k for k in row if k in basis]:
        pivot = min(pivots)
        factor = row[pivot]
        for k, v in basis[pivot].items():
            value = (row.get(k, 0) - factor * v) % _PRIME
            if value:
                row[k] = value
            else:
                row.pop(k, None)
    return row


def _add_to_basis(basis: dict[int, dict[int, int]], row: dict[int, int]) -> None:
    row = _reduce(basis, row)
    if row:
        pivot = min(row)
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        basis[pivot] = {k: v * inverse % _PRIME for k, v in row.items()}


def _lines(indexes: list[int], rules: Rules, rests: tuple[str, ...]) -> list[Line]:
    """Every (total, cells that add up to it) the table shows, whole minus part included."""
    stores = tuple(i for i in indexes if i != -1)
    lines: list[Line] = []
    columns = set(rules.counts) | set(rests)
    for whole, cells in rules.breakdowns.items():
        columns |= set(cells)
        lines += [((i, whole), tuple((i, c) for c in cells)) for i in indexes]
    for rest in rests:
        part, whole = rest.removeprefix(REST), rules.parts[rest.removeprefix(REST)]
        lines += [((i, whole), ((i, part), (i, rest))) for i in indexes]
    lines += [((-1, name), tuple((i, name) for i in stores)) for name in sorted(columns)]
    return lines


def _protect_sum(
    table: Mapping[int, Mapping[str, int]],
    name: str,
    count: str,
    hidden_counts: Mapping[Cell, str],
    minimum: int,
) -> dict[Cell, str]:
    """Rule 3 for one sum column: hidden where its group is small, then complements until the
    column's total gives no small group's sum away."""

    def small(n: int) -> bool:
        return 0 < n < minimum

    why = {(i, name): GROUP for i in table if small(table[i][count])}
    stores = [i for i in table if i != -1]
    while (-1, name) not in why:
        unknown = [i for i in stores if (i, name) in why]
        if len(unknown) != 1 and not small(sum(table[i][count] for i in unknown)):
            break
        shown = [i for i in stores if (i, name) not in why and table[i][count] > 0]
        if not shown:
            why[(-1, name)] = COMPLEMENT
            break
        cheapest = min(shown, key=lambda i: ((i, count) not in hidden_counts, table[i][count], i))
        why[(cheapest, name)] = COMPLEMENT
    return why


def protect_breakdown(
    cells: Mapping[K, int], minimum: int, *, total_shown: bool = True
) -> dict[K, str]:
    """The same rules for one line: counts by key (complaints by category) whose total is
    shown. Small counts are SMALL; while the total minus the shown cells would give a hidden
    cell or a small group away, the smallest shown count goes too as a COMPLEMENT."""
    why: dict[K, str] = {k: SMALL for k, n in cells.items() if 0 < n < minimum}
    while total_shown:
        gap = sum(cells[k] for k in why)
        if len(why) != 1 and not 0 < gap < minimum:
            break
        shown = [k for k, n in cells.items() if k not in why and n > 0]
        if not shown:
            break  # the total itself is small, or every other count is zero
        why[min(shown, key=lambda k: (cells[k], str(k)))] = COMPLEMENT
    return why
