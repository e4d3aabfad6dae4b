"""The member profile, masked unless revealed. It counts down the access grant and the reveals;
when a reveal ends the field is masked again, and when the grant ends the member's data leaves
the screen at once. Below: the member's purchases, messages, complaints, callbacks and calls;
actions: reveal, register a complaint, report the card lost, send a message, schedule a
callback, and, on a call, transfer it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from workbench.members.models import Role
from workbench.members.registry import PERSONAL_FIELDS
from workbench.permissions.access import AccessDenied, MemberView, Purpose
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.complaint_table import time_left
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.members import MemberRecord
from workbench.views.history import MemberHistory
from workbench.views.profile import MemberProfile

if TYPE_CHECKING:
    from workbench.telephony.models import Call

# The columns of each history tab (labels column.<name>).
FIELD_COLUMNS = ("field", "value", "shown until")
HISTORY_COLUMNS = {
    "purchases": ("when", "amount", "points", "store"),
    "messages": ("when", "channel", "template", "status"),
    "complaints": ("complaint", "state", "category", "priority", "when", "satisfaction"),
    "callbacks": ("task", "reason", "status", "outcome", "attempts", "until"),
    "calls": ("when", "direction", "status", "seconds", "recording"),
}


HISTORY = ("purchases", "messages", "complaints", "callbacks", "calls")


class ProfileScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Modifier and function keys only: a bare letter may be meant for a text field.
        Binding("ctrl+r", "reveal", "Reveal"),
        Binding("f2", "complaint", "Complaint"),
        Binding("f3", "message", "Message"),
        Binding("f4", "schedule_callback", "Callback"),
        Binding("f6", "lost_card", "Lost card"),
        Binding("ctrl+t", "transfer", "Transfer"),
        Binding("ctrl+a", "member_actions", "Member actions"),
        # The history tabs: Alt+number for one, Ctrl+PgUp/PgDn for the one beside.
        *[
            Binding(f"alt+{n}", f"history_tab({n})", f"{name.capitalize()} tab", show=False)
            for n, name in enumerate(HISTORY, start=1)
        ],
        Binding("ctrl+pageup", "next_history_tab(-1)", "Prev tab", show=False),
        Binding("ctrl+pagedown", "next_history_tab(1)", "Next tab", show=False),
    ]
    HISTORY = HISTORY

    def __init__(self, view: MemberView, *, call_id: int | None = None) -> None:
        super().__init__()
        self.view: MemberView | None = view
        self.call_id = call_id  # the call this member is being served on, if any
        self.profile: MemberProfile | None = None
        self.ended = False
        self._resumed_once = False  # the first resume is the screen's own opening

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="profile-body"):
            yield Static("", id="profile-header", markup=False)
            yield Static("", id="access-countdown", markup=False)
            yield DataTable(id="profile-fields", cursor_type="row", show_header=False)
            yield Static("", id="service-data", markup=False)
            yield from self.compose_extra()
            with TabbedContent(id="history"):
                for name in self.HISTORY:
                    with TabPane(labels(f"history.{name}"), id=f"tab-{name}"):
                        yield DataTable(id=f"history-{name}", zebra_stripes=True, cursor_type="row")
        yield TranslatedFooter()

    def compose_extra(self) -> ComposeResult:
        """Screens built on the profile (the callback workspace) add their widgets here."""
        return
        yield

    def on_mount(self) -> None:
        self._fill({name: [] for name in HISTORY_COLUMNS})
        self._render_view()
        self.load_service_data()
        self.set_interval(1, self._tick)

    def on_screen_resume(self) -> None:
        # Back from work done for the member (Ctrl+A: a card replaced, points redeemed): what
        # the profile shows is read again, so nobody quotes the balance from before.
        if self._resumed_once and self.view is not None:
            self.load_service_data()
        self._resumed_once = True

    def relabel(self) -> None:
        self._render_view()
        self._render_service_data()
        tabs = self.query_one("#history", TabbedContent)
        for name in self.HISTORY:
            tabs.get_tab(f"tab-{name}").label = self.app.labels(f"history.{name}")
        self.load_service_data()  # the history's tables again, in the new language

    # Rendering ----------------------------------------------------------------------------------
    def _render_view(self) -> None:
        labels = self.app.labels
        table = self.query_one("#profile-fields", DataTable)
        view = self.view
        if view is None:
            fill_table(table, [labels(f"profile.col.{c}") for c in FIELD_COLUMNS], [])
            self.query_one("#profile-header", Static).update(Text(labels("profile.access_ended")))
            self.query_one("#profile-header", Static).add_class("ended")
            self.query_one("#access-countdown", Static).update("")
            self.query_one("#service-data", Static).update("")
            return
        tier = self.app.wb.scheme.get(view.tier_code).label(labels.language)
        self.query_one("#profile-header", Static).update(
            member_text(
                f"{labels('profile.title')} {view.member_no} · {tier} · "
                f"{labels.value('member_status', view.status)}"
            )
        )
        zone = self.app.wb.settings.timezone
        rows = []
        for name in PERSONAL_FIELDS:
            field = view.fields[name]
            note = Text("")
            if not field.available:
                value = Text(labels("field.unavailable"), style="dim")
            else:
                value = Text(field.value or "-")  # member text is data, never markup
                if field.revealed_until is not None:
                    until = field.revealed_until.astimezone(zone).strftime("%H:%M:%S")
                    note = Text(f"{labels('profile.revealed_until')} {until}", style="yellow")
            rows.append((name, [Text(labels(f"field.{name}")), value, note]))
        fill_table(table, [labels(f"profile.col.{c}") for c in FIELD_COLUMNS], rows)
        self._tick()

    def _render_service_data(self) -> None:
        profile, labels = self.profile, self.app.labels
        if profile is None or self.view is None:
            return
        zone = self.app.wb.settings.timezone
        lines = [
            f"{labels('profile.store')}: {profile.store_code} {profile.store_name}",
            f"{labels('profile.card')}: {profile.card_no or '-'} ({labels.value('card_status', profile.card_status)})",
            f"{labels('profile.points')}: {profile.points_balance}",
        ]
        if profile.points_expiring and profile.points_first_expiry is not None:
            by = profile.points_first_expiry.astimezone(zone).strftime("%Y-%m-%d")
            lines.append(f"{labels('profile.expiring')}: {profile.points_expiring} ({by})")
        lines.append(f"{labels('profile.purchases')}: {profile.purchases}")
        if self.call_id is not None:
            lines.append(labels("call.on_call", call_id=self.call_id))
        self.query_one("#service-data", Static).update(
            member_text("\n".join(lines), multiline=True)
        )
        rows = {
            "messages": [
                (
                    f"{m.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    labels.value("message_channel", m.channel),
                    labels(f"template.{m.template}"),
                    labels.value("message_status", m.status),
                )
                for m in profile.messages
            ]
        }
        self._fill(rows)

    def _render_history(self, history: MemberHistory, calls: list[Call]) -> None:
        labels, zone = self.app.labels, self.app.wb.settings.timezone

        def local(at: datetime | None) -> str:
            return f"{at.astimezone(zone):%Y-%m-%d %H:%M}" if at else "-"

        categories = self.app.wb.complaint_policy.categories

        def category(code: str) -> str:
            known = categories.get(code)
            return known.label(labels.language) if known is not None else code

        self._fill(
            {
                "purchases": [
                    (local(p.occurred_at), f"{p.amount:.2f}", str(p.points), p.store_code)
                    for p in history.purchases
                ],
                "complaints": [
                    (
                        c.complaint_no,
                        labels.value("complaint_state", c.state),
                        category(c.category),
                        labels.value("priority", c.priority),
                        local(c.received_at),
                        str(c.satisfaction or "-"),
                    )
                    for c in history.complaints
                ],
                "callbacks": [
                    (
                        str(t.task_id),
                        labels(f"reason.{t.reason}"),
                        labels.value("task_status", t.status),
                        labels(f"outcome.{t.outcome}") if t.outcome else "-",
                        str(t.attempts),
                        local(t.latest_at),
                    )
                    for t in history.callbacks
                ],
                "calls": [
                    (
                        local(c.started_at),
                        labels.value("call_direction", c.direction),
                        labels.value("call_status", c.status),
                        str(c.duration_seconds or "-"),
                        "●" if c.recording_sid else "",
                    )
                    for c in calls
                ],
            }
        )

    def _fill(self, rows: Mapping[str, Sequence[Sequence[object]]]) -> None:
        labels = self.app.labels
        for name, lines in rows.items():
            fill_table(
                self.query_one(f"#history-{name}", DataTable),
                [labels(f"column.{c}") for c in HISTORY_COLUMNS[name]],
                [(None, [Text(str(cell)) for cell in line]) for line in lines],
            )  # data, never markup

    # Time ----------------------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.view is None:
            return
        labels, now = self.app.labels, self.app.wb.clock.now()
        countdown = self.query_one("#access-countdown", Static)
        until = self.view.access_until
        if until is not None and now >= until:
            self._access_ended()
            return
        if until is None:
            countdown.update(Text(labels("profile.access_standing")))
        else:
            countdown.update(Text(f"{labels('profile.access_until')} {time_left(until, now)}"))
        if any(
            f.revealed_until is not None and now >= f.revealed_until
            for f in self.view.fields.values()
        ):
            self.reload()

    def _access_ended(self) -> None:
        """The grant is over: drop every copy of the member's data from this screen."""
        self.view = None
        self.profile = None
        self.ended = True
        self._render_view()
        self._fill({name: [] for name in self.HISTORY})
        self.on_access_ended()

    def on_access_ended(self) -> None:
        """Hook for screens built on the profile."""

    # Work ----------------------------------------------------------------------------------------
    @desk_work(exclusive=True, group="profile")
    def reload(self) -> None:
        app, view = self.app, self.view
        if view is None:
            return
        try:
            fresh = app.usecases.members.view_by_id(
                app.touch_session(), view.member_id, Purpose.SERVICE
            )
        except AccessDenied:  # the grant has ended: the data leaves the screen, no error
            app.call_from_thread(self._access_ended)
            return
        app.call_from_thread(self._show, fresh)

    def _show(self, view: MemberView) -> None:
        if not self.ended:
            self.view = view
            self._render_view()

    @desk_work(exclusive=True, group="service")
    def load_service_data(self) -> None:
        app, view = self.app, self.view
        if view is None:
            return
        staff = app.touch_session()
        record = app.usecases.members.record(staff, view)
        calls = []
        if staff.role in (Role.AGENT, Role.SUPERVISOR):
            calls = app.calls.calls_of_member(staff, view.member_id)
        app.call_from_thread(self._show_service_data, record, calls)

    def _show_service_data(self, record: MemberRecord, calls: list[Call]) -> None:
        if self.view is not None:
            self.profile = record.profile
            self._render_service_data()
            self._render_history(record.history, calls)

    # Actions -------------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_history_tab(self, number: int) -> None:
        if 1 <= number <= len(self.HISTORY):
            self.query_one("#history", TabbedContent).active = f"tab-{self.HISTORY[number - 1]}"

    def action_next_history_tab(self, step: int) -> None:
        tabs = self.query_one("#history", TabbedContent)
        panes = [f"tab-{name}" for name in self.HISTORY]
        index = panes.index(tabs.active) if tabs.active in panes else 0
        tabs.active = panes[(index + step) % len(panes)]

    def action_reveal(self) -> None:
        from workbench.tui.screens.reveal import RevealScreen

        if self.view is None:
            return
        table = self.query_one("#profile-fields", DataTable)
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        field = row if row in PERSONAL_FIELDS else "phone"
        self.app.push_screen(RevealScreen(field), self._revealed)

    def action_complaint(self) -> None:
        from workbench.tui.screens.complaint_form import ComplaintFormScreen

        if self.view is not None:
            self.app.push_screen(ComplaintFormScreen(self.view.member_no, call_id=self.call_id))

    def action_message(self) -> None:
        from workbench.tui.screens.actions import MessageScreen

        if self.view is not None:
            self.app.push_screen(MessageScreen(self.view.member_id), self._message_chosen)

    def _message_chosen(self, choice: tuple[str, str] | None) -> None:
        if choice is not None and self.view is not None:
            self.act("message", *choice)

    def action_schedule_callback(self) -> None:
        from workbench.tui.screens.actions import ScheduleCallbackScreen

        if self.view is not None:
            self.app.push_screen(ScheduleCallbackScreen(), self._callback_chosen)

    def _callback_chosen(self, choice: tuple[str, int, datetime | None] | None) -> None:
        if choice is not None and self.view is not None:
            self.act("callback", *choice)

    def action_lost_card(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        if self.view is not None:
            question = self.app.labels("lost.confirm", member_no=self.view.member_no)
            self.app.push_screen(ConfirmScreen(question, "lost.submit"), self._lost_confirmed)

    def _lost_confirmed(self, yes: bool | None) -> None:
        if yes and self.view is not None:
            self.act("lost")

    def action_member_actions(self) -> None:
        from workbench.tui.screens.member_desk import MemberMenuScreen

        if self.view is not None:
            self.app.push_screen(MemberMenuScreen(self.view.member_no))

    def action_transfer(self) -> None:
        from workbench.tui.screens.actions import TransferScreen

        if self.call_id is not None:
            queues = tuple(self.app.wb.settings.telephony_transfer_queues)
            self.app.push_screen(TransferScreen(queues), self._transfer_chosen)

    def _transfer_chosen(self, queue: str | None) -> None:
        if queue is not None and self.call_id is not None:
            self.act("transfer", queue)

    @desk_work(exclusive=True, group="act")
    def act(self, what: str, *args: Any) -> None:
        """The profile's actions, through the use cases (which check scope and rules)."""
        app, view, call_id = self.app, self.view, self.call_id
        staff = app.touch_session()
        if what == "transfer":
            if call_id is None:
                return  # the call has been handed on already
            app.calls.transfer(staff, call_id, *args)
            done = app.labels("transfer.done", queue=args[0])
        elif view is None:
            return  # the grant ended while the action was being chosen: the member's data is gone
        elif what == "message":
            app.usecases.messages.send(staff, view.member_id, *args)
            done = app.labels("message.queued")
        elif what == "callback":
            reason, days, at = args
            if at is None:
                app.usecases.members.schedule_callback(staff, view.member_id, reason, days)
                done = app.labels("schedule.done", days=days)
            else:  # from that date and time of day, for `days` days
                app.usecases.callbacks.schedule(
                    staff,
                    view.member_id,
                    reason,
                    earliest_at=at,
                    latest_at=at + timedelta(days=days),
                )
                done = app.labels("schedule.done_at", at=f"{at:%Y-%m-%d %H:%M}")
        else:  # lost
            card_no = app.usecases.cards.report_lost(staff, view.member_no).card_no
            done = app.labels("lost.done", last4=card_no[-4:])
        app.call_from_thread(self._acted, what, done)

    def _acted(self, what: str, done: str) -> None:
        self.notify(done, markup=False)
        if what == "transfer":  # the caller is someone else's now, and so is their record
            self.call_id = None
            self.reload()
        self.load_service_data()

    def _revealed(self, request: tuple[str, str, str] | None) -> None:
        if request is not None and self.view is not None:
            self.reveal(*request)

    @desk_work(exclusive=True, group="profile")
    def reveal(self, field: str, purpose: str, note: str) -> None:
        app, view = self.app, self.view
        if view is None:
            return
        staff = app.touch_session()
        app.usecases.members.reveal(staff, view.member_no, field, purpose, note)
        fresh = app.usecases.members.view_by_id(staff, view.member_id, Purpose.SERVICE)
        app.call_from_thread(self._show, fresh)
