"""Text is text on every renderer (issue 15, item 3), beyond the ones test_text_is_text covers:
for any string at all, what a mask shows, a TUI table or label shows, an XLSX export holds and
any message template renders has no terminal control, bidi control or line separator (the
oracle of test_text_is_text, from Unicode's own categories). A static guard keeps member text
on the TUI behind the helpers that clean it."""

from __future__ import annotations

import ast
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jinja2 import meta
from openpyxl import load_workbook
from rich.text import Text

import workbench.tui
from tests.unit.test_text_is_text import ANY_TEXT, HOSTILE, holds_unsafe
from workbench.cli.exports import write_xlsx
from workbench.masking.fields import MASKERS, mask_email, mask_name, mask_phone
from workbench.masking.text import REPLACEMENT
from workbench.messaging.templates import NOTICES, PARTS, TemplateCatalogue
from workbench.settings import CHECKOUT_CONFIG_DIR
from workbench.tui.labels import LABELS, Labels
from workbench.tui.widgets.tables import fill_table

FAST = settings(max_examples=50, deadline=None)


# Masks --------------------------------------------------------------------------------------
@FAST
@given(value=ANY_TEXT, field=st.sampled_from(sorted(MASKERS)))
@example(value="\x1b[31mred", field="name")
@example(value="\u202e王小明", field="name")
@example(value=HOSTILE, field="address")
@example(value="\u202ewang@163.com\x07", field="email")
def test_no_mask_shows_a_control_and_none_shows_the_value(value, field):
    masked = MASKERS[field](value)
    assert isinstance(masked, str) and not holds_unsafe(masked)
    if value:
        assert value not in masked


def test_a_mask_keeps_what_it_keeps_of_the_text_without_the_controls():
    assert mask_name("\u202e王小明") == "王**"  # the override dropped, the surname kept
    assert mask_name("\x1b[31mred") == REPLACEMENT + "*" * 7  # the escape shown as replaced
    assert mask_email("w\u200fang@163.com") == "w***@163.com"
    assert mask_phone("+86138\u202e12345678") == "138****5678"


# TUI tables and labels ----------------------------------------------------------------------
class _Table:
    """What fill_table uses of a DataTable, recording what it is given."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def clear(self, columns: bool = False) -> None:
        self.shown.clear()

    def add_column(self, label: Text, width: int) -> None:
        self.shown.append(label.plain)

    def add_row(self, *cells: Text | str, key: str | None = None) -> None:
        self.shown += [c.plain if isinstance(c, Text) else c for c in cells]


@FAST
@given(value=ANY_TEXT)
@example(value=HOSTILE)
def test_tui_table_cells_and_headers_hold_no_control(value):
    table = _Table()
    fill_table(table, [value, Text(value)], [(None, [value, Text(value, style="red")])])  # type: ignore[arg-type]
    assert len(table.shown) == 4
    for shown in table.shown:
        assert not holds_unsafe(shown, multiline=True)


def _placeholders(pair: tuple[str, str]) -> list[str]:
    return sorted({f for text in pair for _, f, _, _ in string.Formatter().parse(text) if f})


# Every label with a placeholder, and its placeholders (the two languages' together).
_FILLED = sorted((key, _placeholders(pair)) for key, pair in LABELS.items() if _placeholders(pair))


@FAST
@given(
    entry=st.sampled_from(_FILLED),
    value=ANY_TEXT,
    language=st.sampled_from(["zh-CN", "en"]),
)
@example(entry=("cards.title", ["member"]), value=HOSTILE, language="en")
def test_tui_labels_filled_with_member_text_hold_no_control(entry, value, language):
    key, fields = entry
    shown = Labels(language)(key, **dict.fromkeys(fields, value))
    assert not holds_unsafe(shown, multiline=True)


def test_labels_with_numbers_keep_them():
    assert Labels("en")("home.callbacks_due", n=3) == "Callbacks due: 3 (Ctrl+N takes the next)"


# What a screen shows: an attribute of member text handed to a widget bare (not through
# member_text, safe_cell, safe_text or a label) is refused. Rows given to fill_table are cleaned
# there, so only the direct ways onto the screen are checked.
MEMBER_TEXT = {
    "name",
    "masked_name",
    "display_name",
    "item",
    "detail",
    "recorded_by",
    "theme",
    "place",
    "content",
    "note",
    "reason",
    "description",
    "feedback",
    "partner",
    "plan",
    "cause",
    "staff",
    "store_name",
}
SINKS = {"add_row", "update_cell", "update", "notify", "Static", "Label", "write"}
CLEANERS = {"member_text", "safe_cell", "safe_text", "safe_for_terminal", "labels", "fill_table"}


def _called(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _bare(node: ast.expr) -> list[str]:
    """Member text in `node` that reaches the widget uncleaned."""
    if isinstance(node, ast.Call):
        if _called(node.func) in CLEANERS:
            return []
        if _called(node.func) in {"Text", "str"}:
            return [bare for arg in node.args for bare in _bare(arg)]
        return []
    if isinstance(node, ast.Attribute) and node.attr in MEMBER_TEXT:
        return [ast.unparse(node)]
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        return [bare for part in parts for bare in _bare(part)]
    if isinstance(node, ast.BinOp):
        return _bare(node.left) + _bare(node.right)
    return []


def bare_member_text(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node.func) in SINKS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                found += [f"{where}:{node.lineno}: {bare}" for bare in _bare(arg)]
    return found


def test_the_guard_finds_bare_member_text():
    source = (
        "table.add_row(Text(line.reason), member_text(line.note), key=x)\n"
        "box.update(f'{m.masked_name} ok')\n"
        "Static(Text(labels('x', n=line.name)))\n"
        "self.notify(c.description + '!')\n"
    )
    assert [f.split(": ", 1)[1] for f in bare_member_text(source, "s")] == [
        "line.reason",
        "m.masked_name",
        "c.description",
    ]


def test_screens_hand_member_text_to_widgets_only_cleaned():
    root = Path(workbench.tui.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        found += bare_member_text(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    assert found == []


def test_screens_fill_tables_through_the_cleaning_helpers():
    """A DataTable's rows go in through fill_table, or add_row with every member-text cell
    cleaned (the guard above); fill_table itself cleans cells and headers."""
    source = (Path(workbench.tui.__file__).parent / "widgets" / "tables.py").read_text()
    assert "safe_cell(cell) for cell in cells" in source
    assert "safe_cell(h if isinstance(h, Text) else Text(h))" in source


# XLSX exports -------------------------------------------------------------------------------
@FAST
@given(value=ANY_TEXT)
@example(value=HOSTILE)
@example(value='=HYPERLINK("x")\u202e')
def test_xlsx_exports_hold_no_control(value):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        written = write_xlsx(
            path, "# export by analyst1", ["name", "n"], [(value, 3), (None, value)]
        )
        assert written == 2
        sheet = load_workbook(path, read_only=True).worksheets[0]
        cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert 3 in cells
    for text in texts:
        assert not holds_unsafe(text)  # a spreadsheet row stays one line
        assert not text.startswith("=")  # and never runs as a formula


# Message templates --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def catalogue() -> TemplateCatalogue:
    return TemplateCatalogue(CHECKOUT_CONFIG_DIR / "templates")


def _variables(catalogue: TemplateCatalogue, notice: str) -> set[str]:
    names: set[str] = set()
    for language in catalogue.languages:
        for part in PARTS:
            source, _, _ = catalogue.env.loader.get_source(  # type: ignore[union-attr]
                catalogue.env, f"{language}/{notice}.{part}"
            )
            names |= meta.find_undeclared_variables(catalogue.env.parse(source))
    return names


# Variables that pick a wording by code (a staff e-mail's): a code, never member text.
CODES = {"action": "reveal", "clock": "resolution", "rung": "to_supervisor"}


def _context(catalogue: TemplateCatalogue, notice: str, value: str) -> dict[str, str]:
    return {name: CODES.get(name, value) for name in _variables(catalogue, notice)}


def test_every_template_is_rendered_below(catalogue):
    assert all(_variables(catalogue, notice) for notice in NOTICES)


@FAST
@given(
    notice=st.sampled_from(NOTICES),
    language=st.sampled_from(["zh-CN", "en"]),
    value=ANY_TEXT,
)
@example(notice="application_returned", language="zh-CN", value=HOSTILE)
def test_every_template_renders_member_text_without_control(catalogue, notice, language, value):
    rendered = catalogue.render(notice, language, _context(catalogue, notice, value))
    for part in PARTS:
        assert not holds_unsafe(getattr(rendered, part), multiline=True), (notice, part)


@pytest.mark.parametrize("notice", NOTICES)
def test_each_template_cleans_a_hostile_value(catalogue, notice):
    rendered = catalogue.render(notice, "zh-CN", _context(catalogue, notice, HOSTILE))
    for part in PARTS:
        assert not holds_unsafe(getattr(rendered, part), multiline=True), (notice, part)
