"""A complaint: its SLA clock counting live, its timeline, its calls, messages and callback
tasks, and only the steps allowed now."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Header, Static

from workbench.complaints.queries import urgency
from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.step_form import StepFormScreen, StepFormValues
from workbench.tui.widgets.complaint_table import URGENCY_STYLE, overdue_by, time_left
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.widgets.text import member_text, safe_text
from workbench.tui.work import desk_work
from workbench.usecases.complaints import STEP_FIELDS
from workbench.views.complaints import ComplaintCard

TIMELINE_COLUMNS = ("time", "step", "state", "round", "staff", "note")


class ComplaintScreen(WorkbenchScreen[None]):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]

    def __init__(self, complaint_no: str) -> None:
        super().__init__()
        self.complaint_no = complaint_no
        self.card: ComplaintCard | None = None
        self.steps: tuple[str, ...] = ()  # the steps the signed-in staff member may take now

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="complaint-header", markup=False)
        yield Static("", id="complaint-clock", markup=False)
        yield Static("", id="complaint-description", markup=False)
        yield Horizontal(id="complaint-actions")
        yield DataTable(id="complaint-timeline", zebra_stripes=True)
        yield Static("", id="complaint-links-title", markup=False)
        yield DataTable(id="complaint-links", zebra_stripes=True, cursor_type="row")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        fill_table(self.query_one("#complaint-timeline", DataTable), TIMELINE_COLUMNS, [])
        self.action_reload()
        self.set_interval(1, self._tick)

    def relabel(self) -> None:
        if self.card is not None:
            self._show(self.card)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="complaint")
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        card = app.usecases.complaints.card(staff, self.complaint_no)
        steps = app.usecases.complaints.steps_allowed(staff, self.complaint_no)
        app.call_from_thread(self._show, card, steps)

    def _show(self, card: ComplaintCard, steps: tuple[str, ...] | None = None) -> None:
        self.card = card
        if steps is not None:
            self.steps = steps
        labels, policy = self.app.labels, self.app.wb.complaint_policy
        category = policy.categories[card.category].label(labels.language)
        self.query_one("#complaint-header", Static).update(
            safe_text(
                Text(
                    f"{labels('complaint.title')} {card.complaint_no} · "
                    f"{labels.value('complaint_state', card.state)} · "
                    f"{labels('complaint.round', n=card.round)} · {category} · "
                    f"{labels.value('priority', card.priority)} · "
                    f"{labels('complaint.member')} {card.member_no or '-'} · "
                    f"{card.department or '-'} / {card.handler or '-'}"
                )
            )
        )
        self.query_one("#complaint-description", Static).update(
            member_text(card.description or "…", multiline=True)
        )
        actions = self.query_one("#complaint-actions", Horizontal)
        actions.remove_children()
        # Only the steps the use case says this staff member may take now (state and role).
        # Buttons carry their step as a name: ids could clash with the ones being removed.
        actions.mount_all(Button(labels(f"step.{key}"), name=key) for key in self.steps)
        zone = self.app.wb.settings.timezone
        fill_table(
            self.query_one("#complaint-timeline", DataTable),
            [labels(f"timeline_col.{c}") for c in TIMELINE_COLUMNS],
            [
                (
                    None,
                    [
                        Text(entry.at.astimezone(zone).strftime("%m-%d %H:%M")),
                        Text(labels.value("complaint_step", entry.action)),
                        Text(labels.value("complaint_state", entry.to_state)),
                        Text(str(entry.round)),
                        Text(entry.staff),
                        Text(entry.note or ""),
                    ],
                )
                for entry in card.timeline
            ],
        )
        self._show_links(card)
        self._tick()

    def _show_links(self, card: ComplaintCard) -> None:
        labels, zone = self.app.labels, self.app.wb.settings.timezone
        title = "complaint.links" if card.links else "complaint.links_none"
        self.query_one("#complaint-links-title", Static).update(labels(title))
        fill_table(
            self.query_one("#complaint-links", DataTable),
            [labels(f"link.{c}") for c in ("time", "kind", "ref", "what")],
            [
                (
                    None,
                    [
                        Text(record.at.astimezone(zone).strftime("%m-%d %H:%M")),
                        Text(labels(f"link.{record.kind}")),
                        Text(record.ref),
                        Text(record.summary),
                    ],
                )
                for record in card.links
            ],
        )

    def _tick(self) -> None:
        card, labels = self.card, self.app.labels
        if card is None:
            return
        clock = self.query_one("#complaint-clock", Static)
        if card.state == "closed":
            clock.update("")
            return
        now = self.app.wb.clock.now()
        target = self.app.wb.complaint_policy.targets_for(card.priority, card.category)
        level = urgency(card.resolution_due, now, target.resolution.total_seconds() / 3600)
        if card.resolution_due is None:
            text = labels("complaint.paused")
        elif level == "overdue":
            # "overdue 3h 20m", as in the lists: a bare 3:20:00 read as time still left
            text = f"{labels('complaint.due')}: {overdue_by(card.resolution_due, now, labels)}"
        else:
            text = (
                f"{labels('complaint.due')}: {labels('complaint.left')} "
                f"{time_left(card.resolution_due, now)}"
            )
        clock.update(Text(text, style=URGENCY_STYLE[level]))

    @on(Button.Pressed)
    def _step(self, event: Button.Pressed) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        step = event.button.name or ""
        if step not in STEP_FIELDS or step not in self.steps:
            return
        if STEP_FIELDS[step]:  # the form takes the step, and stays open until it is taken
            self.app.push_screen(StepFormScreen(self.complaint_no, step), self._stepped)
        else:  # a step with nothing to fill in is confirmed first (Cancel has the cursor)
            question = self.app.labels(
                "step.confirm", step=self.app.labels(f"step.{step}"), no=self.complaint_no
            )
            self.app.push_screen(
                ConfirmScreen(question, f"step.{step}"), lambda yes: self._confirmed(step, yes)
            )

    def _stepped(self, card: ComplaintCard | None) -> None:
        if card is not None:
            self.load()  # the card and the steps now allowed

    def _confirmed(self, step: str, yes: bool | None) -> None:
        if yes:
            self.run_step(step, {})

    @desk_work(exclusive=True, group="complaint")
    def run_step(self, step: str, values: StepFormValues) -> None:
        app = self.app
        staff = app.touch_session()
        card = app.usecases.complaints.take_step(staff, self.complaint_no, step, values)
        steps = app.usecases.complaints.steps_allowed(staff, self.complaint_no)
        app.call_from_thread(self._show, card, steps)
