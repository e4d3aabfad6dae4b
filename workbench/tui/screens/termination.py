"""Termination at the desk (seed 002 §七; workbench/usecases/termination.py says who may do
what). From a member's profile (Ctrl+A): record the member's request to leave, give notice (the
member is sent the reason and the date) or end a voluntary request at once (asked first, Cancel
focused), and record a withdrawal before the date. At the counter (F3), for supervisors: the
pending terminations. A refusal or a bad entry keeps the form open with the reason under it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from workbench.errors import WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.termination import (
    REASONS,
    MemberTermination,
    TerminationDone,
    TerminationLine,
)

COLUMNS = ("member", "name", "reason", "status", "requested_by", "notice_by", "due")


class _MemberTermination(WorkbenchScreen[None]):
    """What the member's screens share: where the member's termination stands, and the error
    line under the form."""

    BINDINGS = [Binding("escape", "back", "Back")]
    TITLE_KEY = ""

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no
        self.standing: MemberTermination | None = None

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="termination-form"):
            yield Static(Text(labels(self.TITLE_KEY)), id="termination-title")
            yield Static(Text(labels("termination.loading")), id="termination-status")
            yield from self.fields()
            yield Static("", id="termination-error", markup=False)
        yield TranslatedFooter()

    def fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.load()

    def relabel(self) -> None:
        self.query_one("#termination-title", Static).update(Text(self.app.labels(self.TITLE_KEY)))
        self._show_status()

    @desk_work(exclusive=True, group="termination")
    def load(self) -> None:
        app = self.app
        status = app.usecases.termination.status(app.touch_session(), self.member_no)
        app.call_from_thread(self._loaded, status)

    def _loaded(self, status: MemberTermination) -> None:
        self.standing = status
        self._show_status()
        self.refresh_bindings()

    def _show_status(self) -> None:
        if self.standing is None:
            return
        labels, member = self.app.labels, self.standing.member
        lines = [labels("termination.member", member_no=member.member_no, name=member.masked_name)]
        case = self.standing.case
        lines.append(describe(self, case) if case else labels("termination.none"))
        self.query_one("#termination-status", Static).update(
            member_text("\n".join(lines), multiline=True)  # the masked name and the note
        )

    def _refused(self, error: WorkbenchError) -> None:
        self.query_one("#termination-error", Static).update(
            Text(self.app.labels.error(error), style="red")
        )

    def _done(self, key: str, done: TerminationDone) -> None:
        labels = self.app.labels
        message = labels(
            key,
            member_no=done.case.member.member_no,
            messages=done.messages,
            due=local(self, done.case.due_at),
        )
        self.notify(message, markup=False)
        self.app.pop_screen()
        # The profile underneath shows what the member's record now is (erased, once ended).
        reload = getattr(self.app.screen, "reload", None)
        if done.case.status == "terminated" and callable(reload):
            reload()

    def action_back(self) -> None:
        self.app.pop_screen()


class TerminationRequestScreen(_MemberTermination):
    """An agent (or anyone at a counter) records the member's own request to leave."""

    BINDINGS = [*_MemberTermination.BINDINGS, Binding("ctrl+s", "record", "Record request")]
    TITLE_KEY = "termination.request_title"

    def fields(self) -> ComposeResult:
        yield Input(placeholder=self.app.labels("termination.note"), id="termination-note")

    def on_mount(self) -> None:
        self.query_one("#termination-note", Input).focus()
        super().on_mount()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record":
            return self.standing is not None and self.standing.may_request
        return True

    def action_record(self) -> None:
        self.record(self.query_one("#termination-note", Input).value)

    @desk_work(exclusive=True, group="termination-step")
    def record(self, note: str) -> None:
        app = self.app
        try:
            done = app.usecases.termination.request(app.touch_session(), self.member_no, note=note)
        except WorkbenchError as error:  # the form stays open with what was typed
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._done, "termination.requested", done)


class TerminationNoticeScreen(_MemberTermination):
    """A supervisor gives notice (any reason), or ends a voluntary request at once."""

    BINDINGS = [
        *_MemberTermination.BINDINGS,
        Binding("ctrl+s", "give_notice", "Give notice"),
        Binding("ctrl+e", "terminate_now", "Terminate now"),  # not Ctrl+T: the call bar's
    ]
    TITLE_KEY = "termination.notice_title"

    def fields(self) -> ComposeResult:
        labels = self.app.labels
        days = self.app.wb.settings.members_termination_notice_days
        yield Label(labels("termination.notice_days", days=days))
        yield Label(labels("termination.reason"))
        yield Select(
            [(labels(f"termination.reason.{r}"), r) for r in REASONS],
            value="voluntary",
            allow_blank=False,
            id="termination-reason",
        )

    def on_mount(self) -> None:
        self.query_one("#termination-reason", Select).focus()
        super().on_mount()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "give_notice":
            return self.standing is not None and self.standing.may_give_notice
        if action == "terminate_now":
            return self.standing is not None and self.standing.may_terminate_now
        return True

    def action_give_notice(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        # The notice goes out to the member by SMS and e-mail at once: asked first.
        reason = str(self.query_one("#termination-reason", Select).value)
        question = self.app.labels("termination.confirm_notice", member_no=self.member_no)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.give_notice(reason)

        self.app.push_screen(
            ConfirmScreen(question, "termination.confirm_notice_submit"), confirmed
        )

    @desk_work(exclusive=True, group="termination-step")
    def give_notice(self, reason: str) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            done = app.usecases.termination.give_notice(staff, self.member_no, reason=reason)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._done, "termination.noticed", done)

    def action_terminate_now(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        question = self.app.labels("termination.confirm_now", member_no=self.member_no)
        self.app.push_screen(ConfirmScreen(question, "termination.confirm_submit"), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self.terminate_now()

    @desk_work(exclusive=True, group="termination-step")
    def terminate_now(self) -> None:
        app = self.app
        try:
            done = app.usecases.termination.terminate_now(app.touch_session(), self.member_no)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._done, "termination.terminated", done)


class TerminationWithdrawScreen(_MemberTermination):
    """The member withdraws their voluntary request, before the date it takes effect."""

    BINDINGS = [*_MemberTermination.BINDINGS, Binding("ctrl+s", "withdraw", "Record withdrawal")]
    TITLE_KEY = "termination.withdraw_title"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "withdraw":
            return self.standing is not None and self.standing.may_withdraw
        return True

    def action_withdraw(self) -> None:
        self.withdraw()

    @desk_work(exclusive=True, group="termination-step")
    def withdraw(self) -> None:
        app = self.app
        try:
            done = app.usecases.termination.withdraw(app.touch_session(), self.member_no)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._done, "termination.withdrawn", done)


class PendingTerminationsScreen(WorkbenchScreen[None]):
    """F3 → Pending terminations (supervisors): requests and notices not yet carried out."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload terminations"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[TerminationLine] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="termination-list"):
            yield Static(Text(self.app.labels("termination.pending_title")), id="termination-title")
            yield DataTable(id="termination-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="termination-empty", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#termination-table", DataTable).focus()
        self.load()

    def relabel(self) -> None:
        self.query_one("#termination-title", Static).update(
            Text(self.app.labels("termination.pending_title"))
        )
        self._fill()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="termination-list")
    def load(self) -> None:
        app = self.app
        lines = app.usecases.termination.pending(app.touch_session())
        app.call_from_thread(self._show, lines)

    def _show(self, lines: list[TerminationLine]) -> None:
        self.lines = lines
        self._fill()

    def _fill(self) -> None:
        labels = self.app.labels
        rows = [
            (
                line.member.member_no,
                [
                    Text(line.member.member_no),
                    Text(line.member.masked_name),
                    Text(labels(f"termination.reason.{line.reason}")),
                    Text(labels(f"termination.status.{line.status}")),
                    Text(line.requested_by),
                    Text(line.notice_by),
                    Text(local(self, line.due_at)),
                ],
            )
            for line in self.lines
        ]
        headers = [labels(f"termination.col.{c}") for c in COLUMNS]
        fill_table(self.query_one("#termination-table", DataTable), headers, rows)
        empty = "" if self.lines else labels("termination.pending_none")
        self.query_one("#termination-empty", Static).update(Text(empty))

    def action_back(self) -> None:
        self.app.pop_screen()


def describe(screen: WorkbenchScreen[None], case: TerminationLine) -> str:
    labels = screen.app.labels
    return labels(
        "termination.case",
        reason=labels(f"termination.reason.{case.reason}"),
        status=labels(f"termination.status.{case.status}"),
        requested_by=case.requested_by,
        notice_by=case.notice_by,
        due=local(screen, case.due_at),
    )


def local(screen: WorkbenchScreen[None], at: datetime | None) -> str:
    """A time on the desk's clock face (the configured zone), to the minute."""
    if at is None:
        return "—"
    return at.astimezone(screen.app.wb.settings.timezone).strftime("%Y-%m-%d %H:%M")
