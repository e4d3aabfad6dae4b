"""Text is text: the characters that would drive a terminal or reorder what a person reads.

A value typed by a person or pulled from another system may not hold terminal controls (C0
except the newline and tab a free-text field allows, DEL, C1), text-direction controls (bidi
embeddings, overrides, isolates and marks), the deprecated format characters that change how
text is shaped or mirrored, line and paragraph separators, or a lone surrogate half:
`refuse_unsafe` says which one and where. Old data written before the check may still hold them,
so every output path passes what it shows through `safe_for_terminal`, which replaces them.
Pure functions, below every package that reads or shows text.
"""

from __future__ import annotations

import re
from typing import Any, overload

from workbench.errors import ValidationError

# What a person is told for each class: the name of the class and what it does.
C0 = "a terminal control character"
DEL = "the delete control character"
C1 = "a terminal control character (C1)"
BIDI = "a text-direction control character"
FORMAT = "a text-shaping format character"
SEPARATOR = "a Unicode line or paragraph separator"
SURROGATE = "half of a broken character (lone surrogate)"

_BIDI = frozenset(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)  # ALM, LRM, RLM; LRE RLE PDF LRO RLO; LRI RLI FSI PDI
_FORMAT = frozenset(range(0x206A, 0x2070))  # inhibit/activate swapping, shaping, digit shapes
_SEPARATORS = frozenset([0x2028, 0x2029])
REPLACEMENT = "\ufffd"


def unsafe_class(char: str, *, multiline: bool = False) -> str | None:
    """The class of `char` when it may not appear in text, else None. Newline and tab are
    allowed where `multiline` (free text: notes, complaint texts, feedback)."""
    code = ord(char)
    if code < 0x20:
        return None if multiline and char in "\n\t" else C0
    if code < 0x7F:
        return None
    if code == 0x7F:
        return DEL
    if code < 0xA0:
        return C1
    if code in _BIDI:
        return BIDI
    if code in _FORMAT:
        return FORMAT
    if code in _SEPARATORS:
        return SEPARATOR
    if 0xD800 <= code <= 0xDFFF:
        return SURROGATE
    return None


class UnsafeText(ValidationError):
    """A value holding a character that would drive the terminal or reorder the text."""

    def __init__(self, field: str, char_class: str, char: str, position: int) -> None:
        super().__init__(
            field,
            f"contains {char_class} (U+{ord(char):04X} at character {position + 1}); "
            "type or paste plain text only",
        )
        self.char_class = char_class
        self.char = char
        self.position = position


# Every character `unsafe_class` names, for a search in C: every value shown passes here.
_UNSAFE_CHARS = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\u2028\u2029\ud800-\udfff"
_UNSAFE = re.compile(f"[\\x00-\\x1f{_UNSAFE_CHARS}]")
_UNSAFE_MULTILINE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f{_UNSAFE_CHARS}]")


def first_unsafe(value: str, *, multiline: bool = False) -> tuple[int, str, str] | None:
    """(position, character, class) of the first unsafe character, or None."""
    found = (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(value)
    if found is None:
        return None
    char = found.group()
    char_class = unsafe_class(char, multiline=multiline)
    assert char_class is not None, "the pattern and unsafe_class name the same characters"
    return found.start(), char, char_class


def is_safe(value: str, *, multiline: bool = False) -> bool:
    return first_unsafe(value, multiline=multiline) is None


@overload
def refuse_unsafe(value: str, field: str, *, multiline: bool = False) -> str: ...
@overload
def refuse_unsafe(value: None, field: str, *, multiline: bool = False) -> None: ...
@overload
def refuse_unsafe(value: str | None, field: str, *, multiline: bool = False) -> str | None: ...
def refuse_unsafe(value: str | None, field: str, *, multiline: bool = False) -> str | None:
    """`value` unchanged, or UnsafeText naming the field and the class of the first unsafe
    character. None passes (an optional field left out)."""
    if value is None:
        return value
    found = first_unsafe(value, multiline=multiline)
    if found is not None:
        position, char, char_class = found
        raise UnsafeText(field, char_class, char, position)
    return value


def safe_for_terminal(value: str, *, multiline: bool = False) -> str:
    """`value` with every unsafe character replaced: a control or separator by U+FFFD (so a
    reader sees that something was there), a direction or format character dropped (it shows
    nothing of its own). Outside `multiline`, newline and tab become a space."""
    if is_safe(value, multiline=multiline):
        return value  # the common case: no copy
    out: list[str] = []
    for char in value:
        found = unsafe_class(char, multiline=multiline)
        if found is None:
            out.append(char)
        elif char in "\n\t":
            out.append(" ")
        elif found in (BIDI, FORMAT):
            continue
        else:
            out.append(REPLACEMENT)
    return "".join(out)


def safe_data(data: Any, *, multiline: bool = True) -> Any:
    """`data` (JSON-like: dicts, lists, tuples, strings) with every string, keys included,
    passed through `safe_for_terminal`. Newlines and tabs stay by default: JSON escapes them."""
    if isinstance(data, str):
        return safe_for_terminal(data, multiline=multiline)
    if isinstance(data, dict):
        return {
            safe_data(k, multiline=multiline): safe_data(v, multiline=multiline)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):  # a tuple (a named one too) goes out as a JSON list
        return [safe_data(v, multiline=multiline) for v in data]
    return data


def safe_cell(value: object) -> object:
    """A CSV or report cell: text made safe on one line (a spreadsheet row stays one line),
    None empty, numbers and dates as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_for_terminal(value)
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A cell of an export a spreadsheet opens (CSV or XLSX): `safe_cell`, and text that a
    spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return)
    quoted with a leading apostrophe. Text that is just a number (-12.5) stays as it is."""
    cell = safe_cell(value)
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text
