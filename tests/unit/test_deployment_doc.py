"""The guides in docs/ promise that every command they show is a real `workbench` command: each
`workbench …` line of their code blocks (shell lines and systemd ExecStart lines), and each
inline `workbench …` of their text, names commands that exist, with options the command has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from workbench.cli import _command

DOCS = Path(__file__).resolve().parents[2] / "docs"
GLOBAL_OPTIONS = {"--config", "--user", "--log-level"}  # each takes a value


def _command_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside and re.search(r"(^|[\s/=])workbench\s", line):
            lines.append(line.split("ExecStart=", 1)[-1])
    return lines


def _check(line: str, *, inline: bool = False) -> None:
    """`inline`: a command named in the text, where a group (`workbench campaigns`) may stand
    for its commands."""
    words = shlex.split(line.rstrip().removesuffix("\\"), comments=True)
    starts = [
        i
        for i, w in enumerate(words)
        if w.endswith("/bin/workbench") or (w == "workbench" and i == 0)
    ]
    if not starts:
        return  # "workbench" as a user's name, a path or a word of a comment
    words = words[starts[0] + 1 :]
    command = _command()
    while words and words[0] in GLOBAL_OPTIONS:
        words = words[2:]
    path = []
    while words and hasattr(command, "commands"):
        word = words[0]
        if word in ("…", "..."):
            return  # `workbench activities …`: a family of commands, named as one
        if word.startswith("-") or word == "|":
            break
        assert word in command.commands, f"workbench {' '.join(path)} has no {word}: {line!r}"
        command = command.commands[word]
        path.append(word)
        words = words[1:]
    if not path and words[:1] == ["--help"]:
        return
    assert path, f"no workbench command in {line!r}"
    grouped = hasattr(command, "commands") and not getattr(command, "invoke_without_command", False)
    if grouped and not (inline and not words):
        assert words and words[0] == "|", f"{' '.join(path)} needs a sub-command: {line!r}"
    known = {opt for param in command.params for opt in getattr(param, "opts", [])}
    known |= {opt for param in command.params for opt in getattr(param, "secondary_opts", [])}
    for word in words:
        if word == "|":
            break  # `keys init | rotate`: alternatives, not checked
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in known, f"workbench {' '.join(path)} has no {option}: {line!r}"


INLINE = re.compile(r"`(workbench [^`]+)`")
GUIDES = sorted(p.name for p in DOCS.glob("*.md") if p.name != "benchmarks.md")


@pytest.mark.parametrize("doc", GUIDES)
def test_every_command_shown_exists(doc):
    text = (DOCS / doc).read_text(encoding="utf-8")
    # Inline: `workbench callbacks schedule MEMBER_NO [--at "…"]`: its optional parts are checked.
    for line in _command_lines(text):
        _check(line)
    for span in INLINE.findall(text):
        _check(span.translate(BRACKETS), inline=True)


BRACKETS = str.maketrans("[]", "  ")


@pytest.mark.parametrize(
    "line",
    [
        "workbench scheduler run",
        "/opt/workbench/bin/workbench --config /etc/x.toml telephony serve --threads 4",
        "workbench keys",
    ],
)
def test_a_wrong_command_is_caught(line):
    with pytest.raises(AssertionError):
        _check(line)
