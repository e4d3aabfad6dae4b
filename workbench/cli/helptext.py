"""Help texts shown as written. Typer's rich help (1) lists every command with the first
paragraph of its docstring but keeps that paragraph's line breaks, so a docstring wrapped at
the source's width showed as a line cut short in the middle of `workbench --help`; and (2)
reads help texts as rich markup, so a settings section named in one ("[scheduler]
report_rollups_minutes") vanished as an unknown style tag. Each command's summary in the lists
is therefore its first paragraph unwrapped, and every help text is escaped for rich markup
(no help text uses markup on purpose)."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Protocol, TypeVar

from rich.markup import escape


class _Command(Protocol):
    help: str | None
    short_help: str | None

    @property
    def params(self) -> Sequence[object]: ...


C = TypeVar("C", bound=_Command)


def _escaped(text: str) -> str:
    """`text` escaped for rich markup; a bracket already escaped by hand stays one."""
    return escape(text.replace("\\[", "["))


def summary(help_text: str) -> str:
    """The first paragraph of a docstring, its lines joined by spaces."""
    first = inspect.cleandoc(help_text).split("\n\n")[0]
    return " ".join(line.strip() for line in first.splitlines() if line.strip())


def tidy_help(command: C) -> C:
    """Unwrapped summaries and markup-escaped help for `command` and every command below it,
    in place. Returns `command`."""
    if command.help:
        if not command.short_help:
            command.short_help = _escaped(summary(command.help))
        command.help = _escaped(command.help)
    for param in command.params:  # options have a help text; Typer's arguments too
        text = getattr(param, "help", None)
        if text:
            setattr(param, "help", _escaped(text))  # noqa: B010  # a Parameter declares no help
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command
