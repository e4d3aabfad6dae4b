"""`workbench --help` and every group's help as written: each command's summary one paragraph
(a docstring wrapped at the source's width used to show as a line cut short in the list, e.g.
doctor's after "clock and"), and a settings section named in a help text ("[scheduler]
report_rollups_minutes") shown, not taken for rich markup and dropped."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from workbench.cli import _command, main


def _every_command(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _every_command(sub, (*path, name))


def _help(capsys, monkeypatch, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code in (0, None)
    return capsys.readouterr().out


def _rows(panel_text: str) -> list[list[str]]:
    """The commands panel's rows, each as its description's lines (a row starts where the
    name column holds a name)."""
    lines = panel_text.split("╭─ Commands")[1].split("╰")[0].splitlines()[1:]
    rows: list[list[str]] = []
    for line in lines:
        inner = line.strip("│").rstrip()
        match = re.match(r"^ (\S+)?(\s+)(.*)$", inner)
        if match is None:
            continue
        name, text = match.group(1), match.group(3).rstrip()
        if name:
            rows.append([text])
        elif rows:
            rows[-1].append(text)
    return rows


def test_no_summary_keeps_a_line_break():
    for path, command in _every_command(_command()):
        if command.short_help:
            assert "\n" not in command.short_help, " ".join(path)


@pytest.mark.parametrize("group", [(), ("report",), ("audit",), ("members",), ("outbox",)])
def test_the_lists_wrap_only_where_the_width_ends(capsys, monkeypatch, group):
    text = _help(capsys, monkeypatch, *group)
    width = max(cell_len(line) for line in text.splitlines())
    column = None
    for line in text.split("╭─ Commands")[1].splitlines()[1:]:
        match = re.match(r"^│ \S+\s+", line)
        if match:
            column = match.end()  # where the descriptions start
            break
    assert column is not None
    room = width - column - 2  # the panel's border and padding
    for row in _rows(text):
        for current, following in zip(row, row[1:], strict=False):
            next_word = following.split()[0]
            # greedy wrapping: a line ends early only when the next word would not fit
            assert cell_len(current) + 1 + cell_len(next_word) > room, (current, following)


def test_doctor_reads_as_one_sentence(capsys, monkeypatch):
    rows = {row[0].split()[0]: row for row in _rows(_help(capsys, monkeypatch))}
    assert "Check" in rows
    assert " ".join(rows["Check"]).endswith("clock and holiday calendar; say what to fix.")


def test_a_settings_section_in_a_help_text_is_shown(capsys, monkeypatch):
    listed = " ".join(" ".join(row) for row in _rows(_help(capsys, monkeypatch, "report")))
    assert "[scheduler] report_rollups_minutes" in listed
    page = " ".join(_help(capsys, monkeypatch, "audit", "anchor").split())
    assert "every [audit] anchor_every entries" in page
    page = " ".join(_help(capsys, monkeypatch, "outbox", "run").split())
    assert "every [messaging] send_seconds" in page and "\\[" not in page
