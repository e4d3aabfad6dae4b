"""Keys that are safe (issue 17): no bare printable key changes or reveals data, typing into
any text field does nothing but type, focus comes back to a text field, F1 lists the screen's
own keys, and Textual's screenshot is refused."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _character_to_key
from textual.widgets import DataTable, Input, Static, TextArea

import workbench.tui.screens
import workbench.tui.widgets
from tests.tui.callback_flow import claim_callback, schedule_callback
from tests.tui.harness import running
from workbench.audit.models import AuditEntry
from workbench.complaints.service import ComplaintIntake
from workbench.errors import WorkbenchError
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.callback import CallbackScreen
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_form import ComplaintFormScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.reveal import RevealScreen
from workbench.tui.screens.step_form import StepFormScreen

TYPED = string.ascii_letters + string.digits
# A key is "bare printable" when it types a character (a letter, digit, punctuation, space).
PRINTABLE = {_character_to_key(c) for c in string.printable if c not in "\t\n\r\x0b\x0c"}
# The only bare printable keys allowed: navigation on screens with no text field to type in,
# none of which changes or reveals data.
ALLOWED_BARE = {
    ("HomeScreen", "slash"),  # moves the cursor into the search field
    ("StatisticsScreen", "p"),  # the next period of the figures shown
    ("StatisticsScreen", "left_square_bracket"),  # tabs
    ("StatisticsScreen", "right_square_bracket"),
    *(("StatisticsScreen", str(n)) for n in range(1, 10)),
    ("HelpScreen", "q"),  # closes the help
}
# Use cases that change or reveal something: typing must reach none of them.
MUTATING = {
    "members": ("reveal", "schedule_callback", "view_by_id", "find_by_phone", "find_by_card"),
    "cards": ("report_lost",),
    "complaints": ("take_step", "open"),
    "callbacks": ("record_outcome", "schedule", "claim_next_with_view"),
    "messages": ("send",),
}


def _classes() -> list[type[DOMNode]]:
    """Every screen, widget and app class of the TUI."""
    for package in (workbench.tui.screens, workbench.tui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    found: list[type[DOMNode]] = [WorkbenchApp]
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("workbench.tui."):
                found.append(sub)
    return found


def test_no_binding_is_a_bare_printable_key_but_the_listed_navigation():
    classes = _classes()
    assert {"ProfileScreen", "CallbackScreen", "HomeScreen", "HelpScreen"} <= {
        c.__name__ for c in classes
    }
    offending = []
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            key = binding.key if isinstance(binding, Binding) else binding[0]
            for one in key.split(","):
                one = one.strip()
                if one in PRINTABLE and (cls.__name__, one) not in ALLOWED_BARE:
                    offending.append(f"{cls.__module__}.{cls.__name__}: {one!r}")
    assert offending == []


def test_the_allowed_bare_keys_are_on_screens_without_a_text_field():
    from workbench.tui.screens.statistics import StatisticsScreen

    for cls in (StatisticsScreen, HelpScreen):
        assert "Input" not in inspect.getsource(cls.compose)


# Typing into every text field ---------------------------------------------------------------


class Spies:
    def __init__(self, wb, monkeypatch) -> None:
        self.calls: list[str] = []
        for desk_name, methods in MUTATING.items():
            desk = getattr(wb.usecases, desk_name)
            for name in methods:
                original = getattr(desk, name)
                monkeypatch.setattr(desk, name, self._spy(f"{desk_name}.{name}", original))

    def _spy(self, name, original):
        def spy(*args, **kwargs):
            self.calls.append(name)
            return original(*args, **kwargs)

        return spy


def _audit_count(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


async def _type_everything(desk, field) -> None:
    """Every ASCII letter and digit, typed into `field` with the cursor in it."""
    field.focus()
    await desk.pilot.pause()
    stack = [type(s) for s in desk.app.screen_stack]
    await desk.press(*TYPED)
    await desk.pilot.pause()
    assert [type(s) for s in desk.app.screen_stack] == stack  # no screen opened or closed
    value = field.text if isinstance(field, TextArea) else field.value
    assert value.endswith(TYPED) or field.restrict  # the letters went into the field


async def test_typing_into_every_text_field_triggers_nothing(wb, tui_world, monkeypatch):
    schedule_callback(wb, tui_world)
    number = wb.usecases.complaints.open(
        tui_world.staff["agent"],
        ComplaintIntake(
            channel="hotline",
            category="billing",
            description="会员卡被重复扣费两次",
            member_no=tui_world.member_no,
        ),
    )
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        home = app.screen
        spies = Spies(wb, monkeypatch)
        audited = _audit_count(wb)
        # Home: the search field has the cursor from the start.
        search = home.query_one("#search-input", Input)
        assert home.focused is search
        await _type_everything(desk, search)
        search.value = ""
        # The callback workspace: the feedback field has the cursor; "r", "d", digits are text.
        assert spies.calls == [] and _audit_count(wb) == audited
        workspace = await claim_callback(desk)
        assert workspace.focused is workspace.query_one("#callback-feedback", Input)
        spies.calls.clear()  # the claim itself (Ctrl+N) is not typing
        audited = _audit_count(wb)
        for selector in ("#callback-feedback", "#callback-later"):
            await _type_everything(desk, workspace.query_one(selector, Input))
        # The reveal dialog's note.
        app.push_screen(RevealScreen("phone"))
        reveal = await desk.shown(RevealScreen)
        await _type_everything(desk, reveal.query_one("#reveal-note", Input))
        reveal.dismiss(None)
        await desk.shown(CallbackScreen)
        # The complaint form's description, and a step form's note.
        app.push_screen(ComplaintFormScreen(tui_world.member_no))
        form = await desk.shown(ComplaintFormScreen)
        await _type_everything(desk, form.query_one("#complaint-description", TextArea))
        app.pop_screen()
        await desk.shown(CallbackScreen)
        app.push_screen(StepFormScreen(number, "wait"))
        step = await desk.shown(StepFormScreen)
        assert step.focused is step.query_one("#step-note", Input)
        await _type_everything(desk, step.query_one("#step-note", Input))
        assert spies.calls == []
        assert _audit_count(wb) == audited


async def test_after_esc_the_cursor_is_in_the_search_field_not_the_table(wb, tui_world):
    agent = tui_world.staff["agent"]
    complaints = wb.usecases.complaints
    number = complaints.open(
        agent,
        ComplaintIntake(
            channel="hotline",
            category="billing",
            description="会员卡被重复扣费两次",
            member_no=tui_world.member_no,
        ),
    )
    complaints.take_step(agent, number, "assign", {"department": "finance", "handler": "agent"})
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        home = app.screen
        table = home.query_one("#my-complaints", DataTable)
        assert table.row_count == 1
        table.focus()
        await desk.press("enter")
        await desk.shown(ComplaintScreen)
        await desk.done("load")
        await desk.press("escape")
        await desk.shown(HomeScreen)
        await desk.pilot.pause()
        assert home.focused is home.query_one("#search-input", Input)
        # A card number and Enter: a search, not the complaint under the table's cursor.
        await desk.press(*"8600000000", "enter")
        await desk.done("search")
        assert isinstance(app.screen, HomeScreen)
        # After a dialog (here the help), the same.
        await desk.press("f1")
        await desk.shown(HelpScreen)
        await desk.press("escape")
        await desk.shown(HomeScreen)
        await desk.pilot.pause()
        assert home.focused is home.query_one("#search-input", Input)


# F1 ------------------------------------------------------------------------------------------


async def test_f1_lists_the_keys_of_the_screen_it_is_pressed_on(wb, tui_world):
    schedule_callback(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        await desk.press("f1")
        help_screen = await desk.shown(HelpScreen)
        text = str(help_screen.query_one("#help-text", Static).render())
        assert "F2" in text and "接听" in text and "Ctrl+N" in text and "下一个回访" in text
        assert "记录回访结果" not in text  # the workspace's key, not the home screen's
        await desk.press("escape")
        await desk.shown(HomeScreen)
        await claim_callback(desk)
        await desk.press("ctrl+l")  # in English, from the same bindings
        await desk.press("f1")
        help_screen = await desk.shown(HelpScreen)
        text = str(help_screen.query_one("#help-text", Static).render())
        for key, words in (
            ("Ctrl+R", "Reveal"),
            ("Ctrl+S", "Record outcome"),
            ("F5", "Dial"),
            ("F6", "Lost card"),
            ("Ctrl+T", "Transfer"),
            ("Esc", "Back"),
        ):
            line = next(line for line in text.splitlines() if line.strip().startswith(key))
            assert words in line, line
        assert "Next callback" not in text  # the home screen's key, not this one's


# Screenshots -----------------------------------------------------------------------------------


async def test_the_screenshot_is_refused_and_not_offered(wb, tui_world, tmp_path):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
        desk.mark()
        app.action_screenshot()
        await desk.notified("已禁用截屏")
        shots = tmp_path / "shots"
        shots.mkdir()
        assert app.deliver_screenshot(path=str(shots)) is None
        with pytest.raises(WorkbenchError):
            app.save_screenshot(path=str(shots))
        await desk.pilot.pause()
        assert list(shots.iterdir()) == []


# Callbacks when they can be made ----------------------------------------------------------------


async def test_ctrl_n_says_why_and_agrees_with_the_due_line(wb, tui_world, clock):
    schedule_callback(wb, tui_world)
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai: quiet time
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        due = str(app.screen.query_one("#callbacks-due", Static).render())
        why = "现在是免打扰时段（拨打时间 09:00–20:00），下一个可拨打时间 2026-03-03 09:00"
        assert "1 个到期" in due and why in due
        await desk.press("ctrl+n")
        await desk.done("claim_callback")
        assert why in await desk.notified("免打扰")
        assert isinstance(app.screen, HomeScreen)
