"""Text is text (issue 15, item 3): for any string at all, what every renderer writes holds no
terminal control (C0, DEL, C1), no bidi control and no line separator, and the input check
refuses exactly the strings that hold one. The oracle below is written from Unicode's own
categories, independently of workbench.masking.text."""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import pkgutil
import unicodedata
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

import workbench.cli
from tests.conftest import START
from workbench.cli.output import SafeConsole, cell, json_text
from workbench.cli.reports import print_csv
from workbench.clock import FixedClock
from workbench.errors import ValidationError
from workbench.masking.text import (
    REPLACEMENT,
    UnsafeText,
    first_unsafe,
    refuse_unsafe,
    safe_cell,
    safe_data,
    safe_for_terminal,
    unsafe_class,
)
from workbench.messaging.templates import PARTS, TemplateCatalogue
from workbench.settings import CHECKOUT_CONFIG_DIR
from workbench.tui.widgets.text import member_text, safe_text
from workbench.tui.widgets.text import safe_cell as tui_cell

# The bidi controls named by the issue: embeddings and overrides, isolates, the three marks.
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
DEPRECATED_FORMAT = set(range(0x206A, 0x2070))  # they change shaping and mirroring
HOSTILE = "\x1b[31mred\x1b[0m\x07bell\u202e"


def unsafe(char: str, *, multiline: bool = False) -> bool:
    if multiline and char in "\n\t":
        return False
    if unicodedata.category(char) in {"Cc", "Zl", "Zp", "Cs"}:  # Cc is C0, DEL and C1
        return True
    return ord(char) in BIDI or ord(char) in DEPRECATED_FORMAT


def holds_unsafe(text: str, *, multiline: bool = False) -> bool:
    return any(unsafe(c, multiline=multiline) for c in text)


# Any code point at all (surrogates included), weighted towards the ones that matter.
ANY_CHAR = st.characters(codec=None, categories=None) | st.sampled_from(
    [chr(c) for c in sorted(BIDI | DEPRECATED_FORMAT)]
    + ["\x1b", "\x07", "\x00", "\x7f", "\x85", "\x9b", "\n", "\t", "\r", "\u2028", "\ud800"]
)
ANY_TEXT = st.text(alphabet=ANY_CHAR, max_size=40)


@given(ANY_TEXT, st.booleans())
@example(HOSTILE, False)
@example("王小明 Zoë 😀 ‍ 👨‍👩‍👧", False)
@example("第一行\n\t第二行", True)
def test_the_input_check_refuses_exactly_the_unsafe_strings(value, multiline):
    if holds_unsafe(value, multiline=multiline):
        with pytest.raises(UnsafeText) as refused:
            refuse_unsafe(value, "name", multiline=multiline)
        assert isinstance(refused.value, ValidationError) and refused.value.field == "name"
        first = next(c for c in value if unsafe(c, multiline=multiline))
        assert f"U+{ord(first):04X}" in str(refused.value)
        assert holds_unsafe(str(refused.value)) is False  # the message never echoes it
    else:
        assert refuse_unsafe(value, "name", multiline=multiline) == value


@given(ANY_TEXT, st.booleans())
def test_safe_for_terminal_leaves_nothing_unsafe_and_safe_text_alone(value, multiline):
    shown = safe_for_terminal(value, multiline=multiline)
    assert not holds_unsafe(shown, multiline=multiline)
    assert safe_for_terminal(shown, multiline=multiline) == shown
    if not holds_unsafe(value, multiline=multiline):
        assert shown == value


def test_what_the_hostile_name_becomes():
    refused = pytest.raises(UnsafeText, refuse_unsafe, HOSTILE, "name")
    assert str(refused.value) == (
        "name: contains a terminal control character (U+001B at character 1); "
        "type or paste plain text only"
    )
    with pytest.raises(UnsafeText, match="text-direction control character .U\\+202E"):
        refuse_unsafe("abc\u202edef", "address")
    shown = safe_for_terminal(HOSTILE)
    assert shown == f"{REPLACEMENT}[31mred{REPLACEMENT}[0m{REPLACEMENT}bell"
    assert refuse_unsafe(None, "email") is None


def _printed(renderable: object) -> str:
    out = io.StringIO()
    SafeConsole(file=out, width=200, color_system=None, highlight=False).print(renderable)
    return out.getvalue()


@settings(max_examples=150)
@given(ANY_TEXT)
def test_cli_tables_and_lines_print_no_control(value):
    table = Table(show_header=False, box=None)
    table.add_column()
    table.add_column()
    table.add_row(cell(value), Text(value))  # the helper's cell, and a bare Text: both safe
    for renderable in (table, Text(value), value):
        printed = _printed(renderable)
        # Rich's own line ends are the only control left, and a cell's lines stay in the cell.
        assert not holds_unsafe(printed, multiline=True)
        assert "\t" not in printed or "\t" in value


@settings(max_examples=150)
@given(ANY_TEXT)
def test_cli_json_output_holds_no_control(value):
    data = {value: value, "fields": {"name": value, "list": [value, 1, None]}}
    printed = json_text(data)
    assert not holds_unsafe(printed, multiline=True)  # the indentation's newlines only
    for text in _strings(json.loads(printed)):
        assert not holds_unsafe(text, multiline=True)
    assert safe_data(data)["fields"]["list"][1:] == [1, None]


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


@settings(max_examples=150)
@given(ANY_TEXT)
def test_tui_member_text_holds_no_control(value):
    assert not holds_unsafe(member_text(value).plain)
    assert not holds_unsafe(member_text(value, multiline=True).plain, multiline=True)
    styled = Text.assemble(("label ", "bold"), (value, "red"))
    assert not holds_unsafe(safe_text(styled).plain, multiline=True)
    assert not holds_unsafe(tui_cell(value), multiline=True)
    assert not holds_unsafe(tui_cell(Text(value)).plain, multiline=True)


@settings(max_examples=100)
@given(ANY_TEXT)
def test_csv_exports_hold_no_control(value):
    staff = SimpleNamespace(username="analyst1", role="analyst")
    wb = SimpleNamespace(clock=FixedClock(START))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_csv("members", staff, wb, ["name", "count"], [(value, 3), (None, value)])
    written = out.getvalue()
    # Only the rows' own line ends: every cell stays on one line.
    assert not holds_unsafe(written.replace("\r\n", "").replace("\n", ""))
    rows = list(csv.reader(io.StringIO(written.split("\n", 1)[1])))
    assert len(rows) == 3 and rows[1][1] == "3"
    assert [safe_cell(v) for v in (value, None, 7)] == [safe_for_terminal(value), "", 7]


@pytest.fixture(scope="module")
def catalogue() -> TemplateCatalogue:
    return TemplateCatalogue(CHECKOUT_CONFIG_DIR / "templates")


@settings(max_examples=100)
@given(value=ANY_TEXT, language=st.sampled_from(["zh-CN", "en"]))
def test_rendered_templates_hold_no_control(catalogue, value, language):
    context = {"call_name": value, "complaint_no": "C20260302001", "update": value}
    rendered = catalogue.render("complaint_update", language, context)
    for part in PARTS:
        assert not holds_unsafe(getattr(rendered, part), multiline=True)


def test_every_command_prints_through_a_safe_console():
    """A command module's console is a SafeConsole: old data reaches the terminal stripped,
    whichever command prints it (a new module is held to it as well)."""

    consoles = {}
    for module_info in pkgutil.iter_modules(workbench.cli.__path__):
        module = importlib.import_module(f"workbench.cli.{module_info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Console):
                consoles[f"{module_info.name}.{name}"] = value
    assert "members.console" in consoles
    plain = [name for name, console in consoles.items() if not isinstance(console, SafeConsole)]
    assert plain == []


@pytest.mark.parametrize("multiline", [False, True])
def test_the_search_finds_exactly_the_characters_each_class_names(multiline):
    """first_unsafe searches with a pattern (every value shown passes through it); the pattern
    must name the same characters as unsafe_class, over the BMP and past it."""
    codes = [*range(0x3000), *range(0xD700, 0xE100), *range(0xFE00, 0x10100)]
    for code in codes:
        char = chr(code)
        expected = unsafe_class(char, multiline=multiline)
        found = first_unsafe(f"ab{char}c", multiline=multiline)
        assert (found and found[1:]) == ((char, expected) if expected else None), hex(code)
        if found:
            assert found[0] == 2
