"""The live supervisor wallboard: tiles of today's figures, the queues and the agents by state
in tables, arrivals and service level per hour as plotext charts. It refreshes by itself: a
worker listens (`WallboardDesk.listen`) and each delivery of figures is shown. One column that
scrolls, so it works at 80x24."""

from __future__ import annotations

import threading

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from workbench.members.models import Role
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.views.wallboard import QueueFigures, WallboardFigures

QUEUE_COLUMNS = ("queue", "waiting", "longest", "offered", "sl", "abandoned", "handle")
STATES = ("available", "on_call", "wrap_up", "break", "offline", "not_signed_in")
PANELS = {
    "wallboard-queues-panel": "wallboard.queues",
    "wallboard-agents-panel": "wallboard.agents",
    "wallboard-arrivals-panel": "wallboard.arrivals",
    "wallboard-sl-panel": "wallboard.sl_by_hour",
}


class HourBars(PlotextPlot):
    """A plotext chart drawn once per change of its data, size or theme: plotext builds the
    whole chart on every render, and a focus change or a scroll repaints the screen, which made
    each key on the wallboard wait for two charts to be built again (150 ms and more)."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.version = 0  # bumped when the data changes
        self._drawn: tuple[object, Text] | None = None

    def render(self) -> RenderResult:
        key = (self.version, self.size, self.app.theme)
        if self._drawn is None or self._drawn[0] != key:
            drawn = super().render()
            assert isinstance(drawn, Text)
            self._drawn = (key, drawn)
        return self._drawn[1]


class WallboardScreen(WorkbenchScreen[None]):
    DEFAULT_CSS = """
    WallboardScreen #wallboard-tiles { grid-size: 4; grid-gutter: 0 1; height: auto; }
    WallboardScreen .tile { height: auto; border: round $primary; padding: 0 1; }
    WallboardScreen .panel { height: auto; border: round $secondary; }
    WallboardScreen DataTable { height: auto; }
    WallboardScreen PlotextPlot { height: 12; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    class Refreshed(Message):
        """New figures are on the screen (what tests wait for)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="wallboard-title")
        with VerticalScroll(id="wallboard-body"):
            yield Grid(*(Static("", classes="tile", id=f"tile-{n}") for n in range(8)), id="wallboard-tiles")  # fmt: skip
            with Vertical(id="wallboard-queues-panel", classes="panel"):
                yield DataTable(id="wallboard-queues", show_cursor=False)
            with Vertical(id="wallboard-agents-panel", classes="panel"):
                yield DataTable(id="wallboard-agents", show_cursor=False)
            with Vertical(id="wallboard-arrivals-panel", classes="panel"):
                yield HourBars(id="wallboard-arrivals")
            with Vertical(id="wallboard-sl-panel", classes="panel"):
                yield HourBars(id="wallboard-sl")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.shown: WallboardFigures | None = None
        self._stop = threading.Event()
        self.relabel()
        self.listen()

    def on_unmount(self) -> None:
        self._stop.set()

    def relabel(self) -> None:
        for panel, key in PANELS.items():
            self.query_one(f"#{panel}").border_title = Text(self.app.labels(key))
        if self.shown is not None:
            self._show(self.shown)

    @desk_work(exclusive=True, group="wallboard")
    def listen(self) -> None:
        app, stop = self.app, self._stop

        def deliver(figures: WallboardFigures) -> None:
            if not stop.is_set():
                app.call_from_thread(self._show, figures)

        app.usecases.wallboard.listen(app.touch_session(), deliver, stop)

    def _show(self, figures: WallboardFigures) -> None:
        if self._stop.is_set():
            return  # figures read as the supervisor left the board: its widgets are gone
        self.shown = figures
        labels = self.app.labels
        at = figures.at.astimezone(self.app.wb.settings.timezone).strftime("%H:%M:%S")
        title = labels("wallboard.title", at=at)
        if self.app.signed_in is not None and self.app.staff.role == Role.STORE_MANAGER:
            title += " " + labels("wallboard.store_part")
        self.query_one("#wallboard-title", Static).update(Text(title))
        total = figures.total
        tiles = [
            ("wallboard.waiting", str(total.waiting)),
            ("wallboard.longest", _duration(total.longest_wait_seconds)),
            ("wallboard.service_level", _pct(total.service_level_pct)),
            ("wallboard.abandoned", _pct(total.abandoned_pct)),
            ("wallboard.handle", _duration(total.average_handle_seconds)),
            ("wallboard.callbacks_due", str(figures.callbacks_due)),
            (
                "wallboard.complaints",
                f"{figures.complaints_at_risk} / {figures.complaints_overdue}",
            ),  # fmt: skip
            ("wallboard.state.available", str(figures.agents.get("available", 0))),
        ]
        for n, (key, value) in enumerate(tiles):
            text = Text(labels(key, s=figures.service_level_seconds) + "\n", style="dim")
            text.append(value, style="bold")
            self.query_one(f"#tile-{n}", Static).update(text)
        fill_table(
            self.query_one("#wallboard-queues", DataTable),
            [labels(f"wallboard.col.{c}") for c in QUEUE_COLUMNS],
            [(q.queue, _queue_row(q)) for q in figures.queues]
            + [(None, _queue_row(total, labels("wallboard.all_queues")))],
        )
        fill_table(
            self.query_one("#wallboard-agents", DataTable),
            [labels("wallboard.col.state"), labels("wallboard.col.agents")],
            [
                (s, [Text(labels(f"wallboard.state.{s}")), _right(figures.agents.get(s, 0))])
                for s in STATES
            ],
        )
        arrivals = list(figures.arrivals_by_hour)
        self._bars("#wallboard-arrivals", arrivals, top=max(max(arrivals), 1))
        self._bars("#wallboard-sl", [v or 0.0 for v in figures.service_level_by_hour], top=100)
        self.post_message(self.Refreshed())

    def _bars(self, selector: str, values: list[int] | list[float], *, top: float) -> None:
        plot = self.query_one(selector, HourBars)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.bar(list(range(24)), values, marker="hd")
        plt.xticks([0, 6, 12, 18, 23])
        plt.ylim(0, top)  # from zero: an empty day is not a band around it
        plot.version += 1
        plot.refresh()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_sign_out(self) -> None:
        self.app.end_session()


def _queue_row(q: QueueFigures, name: str | None = None) -> list[Text]:
    return [
        Text(name or q.queue),
        _right(q.waiting),
        _right(_duration(q.longest_wait_seconds)),
        _right(q.offered),
        _right(_pct(q.service_level_pct)),
        _right(_pct(q.abandoned_pct)),
        _right(_duration(q.average_handle_seconds)),
    ]


def _right(value: object) -> Text:
    return Text(str(value), justify="right")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value}%"


def _duration(seconds: int | None) -> str:
    """m:ss (h:mm:ss past an hour); '-' for none."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
