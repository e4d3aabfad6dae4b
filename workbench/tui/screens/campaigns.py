"""Timed callback campaigns (F2 on the dashboard), as `workbench campaigns` has them: every
campaign with its progress (tasks made, open, done, reach rate, today's against the daily
capacity) and, below the list, the chosen one's members, team, priority and outcomes — for the
roles that read campaigns (supervisors, administrators, department heads, analysts, store
managers; the use case refuses others). Supervisors and administrators also create one
(Ctrl+N: the fields of `workbench campaigns create`, a refusal shown beside its field, the form
keeping what was typed), pause (Ctrl+X) or resume (Ctrl+Y) the chosen one, and run it (Ctrl+R:
make today's tasks now, the progress shown as the batches go in), each asked first with Cancel
focused; a button does the same as each key. Names, teams and segments are data: Text, never
markup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Header, Input, Label, ProgressBar, Static

from workbench.callbacks.models import CampaignStatus
from workbench.errors import ValidationError, WorkbenchError
from workbench.statistics.period import FIRST_DAY, LAST_DAY
from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.callbacks import CAMPAIGN_RUNNERS, CampaignSummary

if TYPE_CHECKING:
    from workbench.callbacks.campaigns import CampaignProgress

COLUMNS = (
    "column.campaign",
    "column.status",
    "campaigns.col.from",
    "campaigns.col.to",
    "column.tasks",
    "column.open",
    "column.done",
    "stats.col.reach_rate_pct",
    "column.today",
)
# The actions only the roles that run campaigns have: their keys and buttons.
RUNNER_ACTIONS = ("new_campaign", "pause_campaign", "resume_campaign", "run_campaign")
BUTTONS = {  # button id -> (its label, the action it runs)
    "campaign-new": ("campaigns.new", "new_campaign"),
    "campaign-pause": ("campaigns.pause", "pause_campaign"),
    "campaign-resume": ("campaigns.resume", "resume_campaign"),
    "campaign-run": ("campaigns.run", "run_campaign"),
}
# The segment's keys (workbench/callbacks/segments.py), each a field of the form.
SEGMENT_TEXT = ("tier", "store")
SEGMENT_NUMBERS = (
    "birthday_month",
    "points_expiring_days",
    "no_purchase_days",
    "complaint_closed_days",
)
SEGMENT_KEYS = (*SEGMENT_TEXT, *SEGMENT_NUMBERS)
# The form's fields, in its order (the segment's after them), as `workbench campaigns create`'s.
FIELDS = ("name", "from", "to", "capacity", "team", "priority")
# A refusal's field (the form's own checks', the campaign's) -> the form's field.
ERROR_FIELDS = {
    "starts_on": "from",
    "ends_on": "to",
    "daily_capacity": "capacity",
    **{key: f"segment-{key}" for key in SEGMENT_KEYS},
}
# A refusal's words (the English of the campaign's rules) -> the catalogue's, and the segment's
# key the message is about when it names one.
SAID = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^a campaign needs a name", "campaigns.error.name"),
        (r"^a date as YYYY-MM-DD", "campaigns.error.date"),
        (r"^a day from (?P<first>\S+) to (?P<last>\S+)", "campaigns.error.range"),
        (r"^the campaign must end on or after", "campaigns.error.ends"),
        (r"^at least 1 call a day", "campaigns.error.capacity"),
        (r"^a whole number$", "campaigns.error.whole"),
        (r"^(?P<segment>\w+) must be a positive", "campaigns.error.positive"),
        (r"^(?P<segment>birthday_month) is 1 to 12", "campaigns.error.month"),
        (r"^no (?P<segment>store) ", "campaigns.error.no_store"),
        (r"^a JSON object", "campaigns.error.segment"),
    )
)


@dataclass(frozen=True)
class CampaignForm:
    """What the form sends the use case: `workbench campaigns create`'s arguments."""

    name: str
    segment: dict[str, Any]
    starts_on: date
    ends_on: date
    daily_capacity: int
    team: str | None
    priority: int


class CampaignsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("ctrl+n", "new_campaign", "New campaign"),
        Binding("ctrl+x", "pause_campaign", "Pause campaign"),
        Binding("ctrl+y", "resume_campaign", "Resume campaign"),
        Binding("ctrl+r", "run_campaign", "Run campaign"),
    ]
    DEFAULT_CSS = """
    CampaignsScreen #campaigns-title { padding: 0 1; text-style: bold; }
    CampaignsScreen #campaigns-count, CampaignsScreen #campaign-detail { padding: 0 1; }
    CampaignsScreen #campaign-list { height: 1fr; }
    CampaignsScreen #campaign-detail { height: auto; }
    CampaignsScreen #campaign-running { padding: 0 1; height: auto; }
    CampaignsScreen #campaign-bar { padding: 0 1; }
    CampaignsScreen #campaign-buttons { height: auto; }
    CampaignsScreen #campaign-buttons Button { margin: 0 1 0 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[CampaignSummary, CampaignProgress]] = {}
        self.running = False  # a run's tasks are being made

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        yield Static(Text(labels("campaigns.title")), id="campaigns-title")
        yield Static("", id="campaigns-count", markup=False)
        yield DataTable(id="campaign-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="campaign-detail", markup=False)
        running = Static("", id="campaign-running", markup=False)
        running.display = False
        yield running
        bar = ProgressBar(id="campaign-bar", show_eta=False)
        bar.display = False
        yield bar
        if self.runs_campaigns:  # the others read the list only
            with Horizontal(id="campaign-buttons"):
                for button_id, (label, _action) in BUTTONS.items():
                    yield Button(labels(label), id=button_id)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self._fill([])
        self.query_one("#campaign-list", DataTable).focus()
        self.load()

    @property
    def runs_campaigns(self) -> bool:
        """Whether the person signed in creates, pauses, resumes and runs campaigns (the use
        case's rule; it refuses anyone else whatever the screen offers)."""
        return self.app.signed_in is not None and self.app.staff.role in CAMPAIGN_RUNNERS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RUNNER_ACTIONS:
            return self.runs_campaigns
        return True

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#campaigns-title", Static).update(Text(labels("campaigns.title")))
        for button in self.query("#campaign-buttons Button").results(Button):
            button.label = labels(BUTTONS[str(button.id)][0])
        self._show(list(self.rows.values()))

    # The list ------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="campaigns")
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        desk = app.usecases.callbacks
        found = [(c, desk.progress(staff, c.campaign_id)) for c in desk.campaign_list(staff)]
        app.call_from_thread(self._show, found)

    def _show(self, found: list[tuple[CampaignSummary, CampaignProgress]]) -> None:
        labels = self.app.labels
        table = self.query_one("#campaign-list", DataTable)
        chosen = self._chosen_key()
        self.rows = {str(c.campaign_id): (c, p) for c, p in found}
        self._fill(
            [
                (
                    str(c.campaign_id),
                    [
                        Text(c.name),
                        Text(labels.value("campaign_status", c.status)),
                        Text(str(c.starts_on)),
                        Text(str(c.ends_on)),
                        _number(p.tasks),
                        _number(p.open),
                        _number(p.done),
                        _number(p.reached_rate_pct),
                        _number(f"{p.made_today}/{p.daily_capacity}"),
                    ],
                )
                for c, p in found
            ]
        )
        if chosen in self.rows:
            table.move_cursor(row=table.get_row_index(chosen))
        count = labels("campaigns.count", n=len(found)) if found else labels("campaigns.empty")
        if not self.runs_campaigns:
            count = f"{count} · {labels('campaigns.read_only')}"
        self.query_one("#campaigns-count", Static).update(Text(count))
        self._detail()

    def _fill(self, rows: list[tuple[str, list[Text]]]) -> None:
        labels = self.app.labels
        table = self.query_one("#campaign-list", DataTable)
        fill_table(table, [labels(key) for key in COLUMNS], rows)

    @on(DataTable.RowHighlighted, "#campaign-list")
    def _detail(self) -> None:
        """The chosen campaign's members, team, priority and outcomes so far (`show`'s)."""
        detail = self.query_one("#campaign-detail", Static)
        row = self.rows.get(self._chosen_key() or "")
        if row is None:
            detail.update("")
            return
        labels = self.app.labels
        c, p = row
        try:
            segment = json.loads(c.segment)
        except ValueError:
            segment = None
        members = (
            ", ".join(
                f"{labels(f'campaigns.segment.{k}')} {v}" if k in SEGMENT_KEYS else f"{k} {v}"
                for k, v in segment.items()
            )
            if isinstance(segment, dict)
            else c.segment
        )
        line = labels(
            "campaigns.detail",
            name=c.name,
            status=labels.value("campaign_status", c.status),
            segment=members,
            team=c.team or labels("campaigns.any_team"),
            priority=c.priority,
        )
        outcomes = ", ".join(
            f"{labels.value('outcome', outcome)} {n}" for outcome, n in sorted(p.outcomes.items())
        )
        said = labels("campaigns.outcomes", outcomes=outcomes) if outcomes else None
        detail.update(Text(f"{line}\n{said or labels('campaigns.no_outcomes')}"))

    def _chosen_key(self) -> str | None:
        table = self.query_one("#campaign-list", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _chosen(self) -> CampaignSummary | None:
        row = self.rows.get(self._chosen_key() or "")
        if row is None:
            self.notify(self.app.labels("campaigns.none_chosen"), markup=False)
            return None
        return row[0]

    @on(Button.Pressed, "#campaign-buttons Button")
    async def _pressed(self, event: Button.Pressed) -> None:
        _label, action = BUTTONS[str(event.button.id)]
        await self.run_action(action)

    # Create ---------------------------------------------------------------------------------------
    def action_new_campaign(self) -> None:
        if self.runs_campaigns:
            self.app.push_screen(CampaignFormScreen(), self._created)

    def _created(self, created: CampaignSummary | None) -> None:
        if created is not None:
            self.notify(self.app.labels("campaigns.created", id=created.campaign_id), markup=False)
            self.load()

    # Pause, resume ----------------------------------------------------------------------------------
    def action_pause_campaign(self) -> None:
        self._ask_status(CampaignStatus.ACTIVE, CampaignStatus.PAUSED, "campaigns.pause_question")

    def action_resume_campaign(self) -> None:
        self._ask_status(CampaignStatus.PAUSED, CampaignStatus.ACTIVE, "campaigns.resume_question")

    def _ask_status(self, now: CampaignStatus, to: CampaignStatus, question: str) -> None:
        campaign = self._chosen() if self.runs_campaigns else None
        if campaign is None or not self._is(campaign, now):
            return
        labels = self.app.labels
        button = "campaigns.pause" if to == CampaignStatus.PAUSED else "campaigns.resume"

        def answered(yes: bool | None) -> None:
            if yes:
                self.set_status(campaign.campaign_id, to)

        self.app.push_screen(ConfirmScreen(labels(question, name=campaign.name), button), answered)

    def _is(self, campaign: CampaignSummary, status: CampaignStatus) -> bool:
        """Whether the campaign is in `status`; if not, says so."""
        if campaign.status == status.value:
            return True
        labels = self.app.labels
        self.notify(
            labels(
                "campaigns.not_active",
                name=campaign.name,
                status=labels.value("campaign_status", campaign.status),
            ),
            markup=False,
        )
        return False

    @desk_work(group="campaign_status")
    def set_status(self, campaign_id: int, status: CampaignStatus) -> None:
        app = self.app
        changed = app.usecases.callbacks.set_campaign_status(
            app.touch_session(), campaign_id, status
        )
        app.call_from_thread(self._status_set, changed)

    def _status_set(self, campaign: CampaignSummary) -> None:
        key = "campaigns.paused" if campaign.status == "paused" else "campaigns.resumed"
        self.notify(self.app.labels(key, name=campaign.name), markup=False)
        self.load()

    # Run ------------------------------------------------------------------------------------------
    def action_run_campaign(self) -> None:
        campaign = self._chosen() if self.runs_campaigns else None
        if campaign is None:
            return
        labels = self.app.labels
        if self.running:
            self.notify(labels("campaigns.busy"), markup=False)
            return
        if not self._is(campaign, CampaignStatus.ACTIVE):
            return
        question = labels(
            "campaigns.run_question", name=campaign.name, capacity=campaign.daily_capacity
        )

        def answered(yes: bool | None) -> None:
            if yes and not self.running:
                self.running = True
                self._progress(0, None)
                self.run_one(campaign.campaign_id)

        self.app.push_screen(ConfirmScreen(question, "campaigns.run"), answered)

    @desk_work(group="campaign_run")
    def run_one(self, campaign_id: int) -> None:
        """Today's tasks of the campaign, batch by batch; each batch moves the bar."""
        app = self.app

        def report(done: int, total: int) -> None:
            app.call_from_thread(self._progress, done, total)

        try:
            made = app.usecases.callbacks.materialise(app.touch_session(), campaign_id, report)
        finally:
            app.call_from_thread(self._stopped)
        app.call_from_thread(self._made, made)

    def _progress(self, done: int, total: int | None) -> None:
        labels = self.app.labels
        line = self.query_one("#campaign-running", Static)
        bar = self.query_one("#campaign-bar", ProgressBar)
        line.display = bar.display = True
        if total is None:
            line.update(Text(labels("campaigns.making")))
            bar.update(total=None, progress=0)
        else:
            line.update(Text(labels("campaigns.progress", done=done, total=total)))
            bar.update(total=max(total, 1), progress=done)

    def _stopped(self) -> None:
        """The run ended (a refusal is told by desk_work): neither bar nor line stays."""
        self.running = False
        self.query_one("#campaign-bar", ProgressBar).display = False
        self.query_one("#campaign-running", Static).display = False

    def _made(self, made: int) -> None:
        said = self.app.labels("campaigns.made", n=made)
        line = self.query_one("#campaign-running", Static)
        line.update(Text(said))
        line.display = True
        self.notify(said, markup=False)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


class CampaignFormScreen(WorkbenchScreen[CampaignSummary | None]):
    """A new campaign: `workbench campaigns create`'s fields (its segment as one field a key)
    and its checks; Ctrl+S (or Save) creates it. A refusal is shown beside the field it names,
    with the cursor there; what was typed stays."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Save campaign")]
    DEFAULT_CSS = """
    CampaignFormScreen #campaign-form { padding: 0 2; }
    CampaignFormScreen #campaign-form-title { text-style: bold; }
    CampaignFormScreen .campaign-error { color: $error; height: auto; }
    CampaignFormScreen .invalid { border: tall $error; }
    CampaignFormScreen #campaign-segment-title { margin: 1 0 0 0; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="campaign-form"):
            yield Static(Text(labels("campaigns.form_title")), id="campaign-form-title")
            yield Static(Text(labels("campaigns.form_hint")), id="campaign-form-hint")
            yield Static("", id="campaign-error", classes="campaign-error", markup=False)
            for name in FIELDS:
                yield Label(labels(f"campaigns.field.{name}"), id=f"campaign-{name}-label")
                yield Input(id=f"campaign-{name}")
                yield Static("", id=f"campaign-{name}-error", classes="campaign-error")
            yield Static(Text(labels("campaigns.segment_title")), id="campaign-segment-title")
            yield Static("", id="campaign-segment-error", classes="campaign-error")
            for key in SEGMENT_KEYS:
                yield Label(labels(f"campaigns.segment.{key}"), id=f"campaign-segment-{key}-label")
                yield Input(id=f"campaign-segment-{key}")
                yield Static("", id=f"campaign-segment-{key}-error", classes="campaign-error")
            yield Button(labels("campaigns.save"), variant="primary", id="campaign-save")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        today = self.app.wb.clock.now().astimezone(self.app.wb.settings.timezone).date()
        self.query_one("#campaign-from", Input).value = today.isoformat()
        self.query_one("#campaign-priority", Input).value = "0"
        self.query_one("#campaign-name", Input).focus()

    def relabel(self) -> None:
        """Ctrl+L: the form's words in the other language, what was typed kept."""
        labels = self.app.labels
        for selector, key in (
            ("#campaign-form-title", "campaigns.form_title"),
            ("#campaign-form-hint", "campaigns.form_hint"),
            ("#campaign-segment-title", "campaigns.segment_title"),
        ):
            self.query_one(selector, Static).update(Text(labels(key)))
        for name in FIELDS:
            self.query_one(f"#campaign-{name}-label", Label).update(
                labels(f"campaigns.field.{name}")
            )
        for key in SEGMENT_KEYS:
            self.query_one(f"#campaign-segment-{key}-label", Label).update(
                labels(f"campaigns.segment.{key}")
            )
        self.query_one("#campaign-save", Button).label = labels("campaigns.save")

    def _value(self, name: str) -> str:
        return self.query_one(f"#campaign-{name}", Input).value.strip()

    @on(Button.Pressed, "#campaign-save")
    def action_save(self) -> None:
        self._clear_errors()
        try:
            form = self._form()
        except ValidationError as error:
            self._refused(error)
            return
        self.save(form)

    def _form(self) -> CampaignForm:
        """The use case's arguments from what was typed, checked as the command line checks
        its options (a day as YYYY-MM-DD, whole numbers); the campaign checks the rest."""
        segment: dict[str, Any] = {}
        for key in SEGMENT_TEXT:
            if value := self._value(f"segment-{key}"):
                segment[key] = value
        for key in SEGMENT_NUMBERS:
            if value := self._value(f"segment-{key}"):
                segment[key] = _whole(value, key)
        return CampaignForm(
            name=self._value("name"),
            segment=segment,
            starts_on=_day(self._value("from"), "from"),
            ends_on=_day(self._value("to"), "to"),
            daily_capacity=_whole(self._value("capacity"), "capacity"),
            team=self._value("team") or None,
            priority=_whole(self._value("priority") or "0", "priority"),
        )

    @desk_work(exclusive=True, group="campaign_form")
    def save(self, form: CampaignForm) -> None:
        app = self.app
        try:
            created = app.usecases.callbacks.create_campaign(
                app.touch_session(),
                name=form.name,
                segment=form.segment,
                starts_on=form.starts_on,
                ends_on=form.ends_on,
                daily_capacity=form.daily_capacity,
                team=form.team,
                priority=form.priority,
            )
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self.dismiss, created)

    def _refused(self, error: Exception) -> None:
        """Beside the field the refusal names (marked, with the cursor), else above the form."""
        message = Text(self._said(error))
        if isinstance(error, ValidationError):
            name = ERROR_FIELDS.get(error.field, error.field)
            if name == "segment":  # the message may name the segment's key it is about
                detail = str(error).removeprefix("segment: ")
                for pattern, _key in SAID:
                    found = pattern.search(detail)
                    if found and found.groupdict().get("segment") in SEGMENT_KEYS:
                        name = f"segment-{found.group('segment')}"
                        break
            spots = self.query(f"#campaign-{name}-error")
            if spots:
                spots.first(Static).update(message)
                inputs = self.query(f"#campaign-{name}").results(Input)
                widget = next(inputs, None)
                if widget is None:  # the segment as a whole: its first field
                    widget = self.query_one(f"#campaign-segment-{SEGMENT_KEYS[0]}", Input)
                widget.add_class("invalid")
                widget.focus()
                return
        self.query_one("#campaign-error", Static).update(message)

    def _said(self, error: Exception) -> str:
        """A refusal in the desk's words: the campaign's own rules by their message, the rest
        as every screen shows an error."""
        labels = self.app.labels
        if isinstance(error, ValidationError):
            detail = str(error).removeprefix(f"{error.field}: ")
            for pattern, key in SAID:
                found = pattern.search(detail)
                if found:
                    values = {k: v for k, v in found.groupdict().items() if k != "segment"}
                    return labels(key, **values)
        return labels.error(error)

    def _clear_errors(self) -> None:
        for spot in self.query(".campaign-error").results(Static):
            spot.update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")

    def action_back(self) -> None:
        self.dismiss(None)


def _day(text: str, field: str) -> date:
    """A day as YYYY-MM-DD, within the days the desk computes with (the command line's rule)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "a date as YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(field, f"a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def _whole(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(field, "a whole number") from None


def _number(value: object) -> Text:
    return Text("-" if value is None else str(value), justify="right")
