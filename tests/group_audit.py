"""An attacker's view of a protected table, written apart from workbench.masking.groups: what
can be read or worked out from the shown cells along rows, columns and totals, and whether a
hidden complement was needed at all or a smaller one would have done.

`leaks` tries every difference a reader can take (a shown total minus its shown cells, whole
minus part) and, beyond single lines, solves the shown lines together (exact linear algebra
over the hidden cells): a small group that any combination of shown figures determines is a
leak too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from workbench.masking.groups import COMPLEMENT, GROUP, SMALL, Hidden, Rules

Cell = tuple[int, str]


class Table:
    def __init__(self, rows: Sequence[Mapping[str, int]], total: Mapping[str, int], rules: Rules):
        self.data = {-1: total, **dict(enumerate(rows))}
        self.rules = rules
        self.stores = list(range(len(rows)))

    def value(self, cell: Cell) -> int:
        i, name = cell
        if name.startswith("rest:"):
            part = name.removeprefix("rest:")
            return self.data[i][self.rules.parts[part]] - self.data[i][part]
        return self.data[i][name]

    def reals(self, cell: Cell) -> list[Cell]:
        i, name = cell
        if name.startswith("rest:"):
            part = name.removeprefix("rest:")
            return [(i, part), (i, self.rules.parts[part])]
        return [cell]

    def count_lines(self) -> list[tuple[Cell, list[Cell]]]:
        rows = [-1, *self.stores]
        rests = [f"rest:{p}" for p in self.rules.parts]
        columns = set(self.rules.counts) | set(rests)
        lines = []
        for whole, cells in self.rules.breakdowns.items():
            columns |= set(cells)
            lines += [((i, whole), [(i, c) for c in cells]) for i in rows]
        for part, whole in self.rules.parts.items():
            lines += [((i, whole), [(i, part), (i, f"rest:{part}")]) for i in rows]
        for name in sorted(columns):
            lines.append(((-1, name), [(i, name) for i in self.stores]))
        return lines


def leaks(table: Table, hidden: Hidden, minimum: int) -> list[str]:
    """Every way a small group (its size, or its sum) can be read or worked out."""

    def small(n: int) -> bool:
        return 0 < n < minimum

    def known(cell: Cell) -> bool:
        return all(name not in hidden.of(i) for i, name in table.reals(cell))

    found = []
    rows = [-1, *table.stores]
    for i in rows:
        for name in table.rules.counts:
            if known((i, name)) and small(table.value((i, name))):
                found.append(f"shown small count {(i, name)}")
        for part in table.rules.parts:
            if known((i, f"rest:{part}")) and small(table.value((i, f"rest:{part}"))):
                found.append(f"whole minus part shows a small rest {(i, part)}")
        for name, count in table.rules.sums.items():
            if name not in hidden.of(i) and small(table.value((i, count))):
                found.append(f"shown sum of a small group {(i, name)}")
    for line_total, cells in table.count_lines():
        if not known(line_total):
            if table.value(line_total) and all(known(c) for c in cells):
                found.append(f"the shown cells of {line_total} add up to it")
            continue
        gaps = [c for c in cells if not known(c)]
        if len(gaps) == 1:
            found.append(f"{line_total} minus its shown cells gives {gaps[0]}")
        elif small(sum(table.value(c) for c in gaps)):
            found.append(f"{line_total} minus its shown cells gives a small group {gaps}")
    for name, count in table.rules.sums.items():
        if name in hidden.total:
            continue
        stores = [i for i in table.stores if name in hidden.of(i)]
        if len(stores) == 1 or small(sum(table.value((i, count)) for i in stores)):
            found.append(f"the total of {name} minus the shown stores gives {stores}")
    found += _solved(table, hidden, minimum)
    return found


def _solved(table: Table, hidden: Hidden, minimum: int) -> list[str]:
    """Small groups that the shown lines, solved together, determine exactly."""
    unknowns = [(i, n) for i in [-1, *table.stores] for n in sorted(hidden.of(i))]
    unknowns = [c for c in unknowns if c[1] not in table.rules.sums]
    index = {c: k for k, c in enumerate(unknowns)}
    equations = []
    for line_total, cells in table.count_lines():
        if any(c[1].startswith("rest:") for c in cells):
            continue  # whole = part + rest says nothing
        row = [Fraction(0)] * len(unknowns)
        for sign, cell in [(-1, line_total)] + [(1, c) for c in cells]:
            if cell in index:
                row[index[cell]] += sign
        if any(row):
            equations.append(row)
    basis = _row_echelon(equations)
    targets: list[tuple[Cell, dict[Cell, int]]] = [
        (c, {c: 1}) for c in unknowns if _small(table, c, minimum)
    ]
    for i in [-1, *table.stores]:
        for part, whole in table.rules.parts.items():
            if 0 < table.value((i, f"rest:{part}")) < minimum:
                targets.append(((i, f"rest:{part}"), {(i, whole): 1, (i, part): -1}))
    found = []
    for name, terms in targets:
        vector = [Fraction(0)] * len(unknowns)
        for cell, sign in terms.items():
            if cell in index:
                vector[index[cell]] += sign
        if any(vector) and _in_span(basis, vector):
            found.append(f"the shown lines together determine {name}")
    return found


def _small(table: Table, cell: Cell, minimum: int) -> bool:
    return cell[1] in table.rules.counts and 0 < table.value(cell) < minimum


def _row_echelon(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        row = _reduce(basis, row)
        pivot = next((k for k, v in enumerate(row) if v), None)
        if pivot is not None:
            row = [v / row[pivot] for v in row]
            basis.append((pivot, row))
    return basis


def _reduce(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    row = list(row)
    for pivot, b in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [v - factor * w for v, w in zip(row, b, strict=True)]
    return row


def _in_span(basis: list[tuple[int, list[Fraction]]], vector: list[Fraction]) -> bool:
    return not any(_reduce(basis, vector))


def with_cells(hidden: Hidden, shown: set[Cell], also: set[Cell]) -> Hidden:
    """The same protection with `shown` cells shown again and `also` hidden besides."""
    rows = [set(r) for r in hidden.rows]
    total = set(hidden.total)
    for i, name in shown:
        (total if i == -1 else rows[i]).discard(name)
    for i, name in also:
        (total if i == -1 else rows[i]).add(name)
    return Hidden(rows, total)


def wasted(table: Table, hidden: Hidden, minimum: int) -> list[str]:
    """Complements the table is safe without, and complements a smaller shown cell of one of
    their lines would have replaced."""
    found = []
    complements = [c for c, why in hidden.reasons.items() if why == COMPLEMENT]
    lines = table.count_lines()
    for cell in complements:
        if not leaks(table, with_cells(hidden, {cell}, set()), minimum):
            found.append(f"{cell} is hidden for nothing")
            continue
        if cell[1] in table.rules.sums:
            continue
        value = table.value(cell)
        neighbours = {
            c
            for line_total, cells in lines
            if cell in [line_total, *cells]
            for c in [line_total, *cells]
            if not c[1].startswith("rest:")
        }
        for other in sorted(neighbours):
            shown = other[1] not in hidden.of(other[0])
            if shown and 0 < table.value(other) < value:
                swapped = with_cells(hidden, {cell}, {other})
                if not leaks(table, swapped, minimum):
                    found.append(f"{other} ({table.value(other)}) would do for {cell} ({value})")
    return found


def labels_true(table: Table, hidden: Hidden, minimum: int) -> list[str]:
    """A cell said to be small is under the minimum; every hidden cell says why."""
    found = []
    for i in [-1, *table.stores]:
        for name in hidden.of(i):
            why = hidden.why(i, name)
            if why is None:
                found.append(f"{(i, name)} hidden without a reason")
            elif why == SMALL and not 0 < table.value((i, name)) < minimum:
                found.append(f"{(i, name)} = {table.value((i, name))} said to be small")
            elif why == GROUP and not 0 < table.value((i, table.rules.sums[name])) < minimum:
                found.append(f"{(i, name)} said to be a small group's sum")
    return found
