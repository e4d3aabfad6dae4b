"""The live supervisor wallboard: tiles of today's figures, the queues and the agents by state
in tables, arrivals and service level per hour as plotext charts. It refreshes by itself: a
worker listens (`WallboardDesk.listen`) and each delivery of figures is shown. One column that
scrolls, so it works at 80x24."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from workbench.members.models import Role
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.widgets.text import safe_cell
from workbench.tui.work import desk_work
from workbench.views.wallboard import QueueFigures, WallboardFigures

QUEUE_COLUMNS = ("queue", "waiting", "longest", "offered", "sl", "abandoned", "handle")
STATES = ("available", "on_call", "wrap_up", "break", "offline", "not_signed_in")
CHARTS = ("wallboard-arrivals", "wallboard-sl")
PANELS = {
    "wallboard-queues-panel": "wallboard.queues",
    "wallboard-agents-panel": "wallboard.agents",
    "wallboard-arrivals-panel": "wallboard.arrivals",
    "wallboard-sl-panel": "wallboard.sl_by_hour",
}


class HourBars(PlotextPlot):
    """A bar per hour, drawn once per change of its data, size or theme: plotext builds the
    whole chart on every render (15-20 ms a chart), and a focus change or a scroll repaints
    it. New data is drawn off the main thread (`draw`, by the board's worker) and only shown
    on it (`show`), so a key pressed as figures arrive does not wait for two charts."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._data: tuple[tuple[float, ...], float] | None = None  # bars and the top
        self._drawn: tuple[object, Text] | None = None  # (what it was drawn for, the chart)
        self._spare = Plot()  # the worker's: the widget's own plot is the main thread's

    def _key(self, data: tuple[tuple[float, ...], float]) -> object:
        return (data, self.size, self.app.theme)

    def draw(self, values: list[int] | list[float], top: float) -> tuple[object, Text] | None:
        """The chart of `values` at the widget's size, built in the calling thread; None when
        it has no size yet or shows these values already."""
        data = (tuple(values), top)
        key = self._key(data)
        if not self.size or data == self._data or (self._drawn and self._drawn[0] == key):
            return None
        return key, self._build(self._spare, data)

    def show(self, values: list[int] | list[float], top: float, drawn: object) -> None:
        """Shows `values`, with the chart `draw` built for them if it still fits."""
        data = (tuple(values), top)
        if data == self._data:
            return
        self._data = data
        if isinstance(drawn, tuple) and drawn[0] == self._key(data):
            self._drawn = drawn
        self.refresh()

    def _build(self, plot: Plot, data: tuple[tuple[float, ...], float]) -> Text:
        """As PlotextPlot.render builds its chart, from `plot`."""
        width, height = self.size
        _plot(plot, data)
        plot.plotsize(width, height)
        plot._set_size(width, height)
        plot.theme(self._get_plotext_theme_name(self.app.theme))
        return Text.from_ansi(plot.build())

    def render(self) -> RenderResult:
        if self._data is None:
            return super().render()
        key = self._key(self._data)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self._build(self.plt, self._data))
        return self._drawn[1]


def _plot(plot: Plot, data: tuple[tuple[float, ...], float]) -> None:
    values, top = data
    plot.clear_data()
    plot.clear_figure()
    plot.bar(list(range(24)), list(values), marker="hd")
    plot.xticks([0, 6, 12, 18, 23])
    plot.ylim(0, top)  # from zero: an empty day is not a band around it


class WallboardScreen(WorkbenchScreen[None]):
    # Textual repaints the whole screen at each focus change (its `focused` is a repainting
    # reactive): every tile, table and chart composed again, 30 ms and more a Tab. The widgets
    # whose look depends on focus restyle and repaint themselves; nothing else needs it.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

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
        # Not a focus stop: a focused column shows nothing, and its focus or blur restyled and
        # repainted the whole board. The tables take the focus; the scroll keys they do not
        # use (up, down, page up and down) reach the column through them.
        with VerticalScroll(id="wallboard-body", can_focus=False):
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
        self._texts: dict[str, Text] = {}  # what the title and each tile show
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
            self._show_charts(self.shown)

    @desk_work(exclusive=True, group="wallboard")
    def listen(self) -> None:
        app, stop = self.app, self._stop
        charts = [self.query_one(f"#{c}", HourBars) for c in CHARTS]

        def deliver(figures: WallboardFigures) -> None:
            if stop.is_set():
                return
            app.call_from_thread(self._show, figures)  # the figures at once, then the charts
            drawn = [c.draw(*d) for c, d in zip(charts, _chart_data(figures), strict=True)]
            if not stop.is_set():
                app.call_from_thread(self._show_charts, figures, drawn)

        app.usecases.wallboard.listen(app.touch_session(), deliver, stop)

    def _show(self, figures: WallboardFigures) -> None:
        """Shows `figures` but the charts. Only what changed is updated, without a new layout
        where the sizes stay (a layout places every widget of the screen again)."""
        if self._stop.is_set():
            return  # figures read as the supervisor left the board: its widgets are gone
        self.shown = figures
        labels = self.app.labels
        at = figures.at.astimezone(self.app.wb.settings.timezone).strftime("%H:%M:%S")
        title = labels("wallboard.title", at=at)
        if self.app.signed_in is not None and self.app.staff.role == Role.STORE_MANAGER:
            title += " " + labels("wallboard.store_part")
        _update(self.query_one("#wallboard-title", Static), Text(title), self._texts)
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
            _update(self.query_one(f"#tile-{n}", Static), text, self._texts)
        _update_table(
            self.query_one("#wallboard-queues", DataTable),
            [labels(f"wallboard.col.{c}") for c in QUEUE_COLUMNS],
            [(q.queue, _queue_row(q)) for q in figures.queues]
            + [(None, _queue_row(total, labels("wallboard.all_queues")))],
        )
        _update_table(
            self.query_one("#wallboard-agents", DataTable),
            [labels("wallboard.col.state"), labels("wallboard.col.agents")],
            [
                (s, [Text(labels(f"wallboard.state.{s}")), _right(figures.agents.get(s, 0))])
                for s in STATES
            ],
        )

    def _show_charts(self, figures: WallboardFigures, drawn: list[object] | None = None) -> None:
        """Shows the charts of `figures`; `drawn`: as drawn for them off the main thread."""
        if self._stop.is_set():
            return
        drawn = drawn or [None] * len(CHARTS)
        for chart, data, chart_drawn in zip(CHARTS, _chart_data(figures), drawn, strict=True):
            self.query_one(f"#{chart}", HourBars).show(*data, chart_drawn)
        self.post_message(self.Refreshed())

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_sign_out(self) -> None:
        self.app.end_session()


def _chart_data(figures: WallboardFigures) -> list[tuple[list[int] | list[float], float]]:
    """(bars, top) of each of CHARTS."""
    arrivals = list(figures.arrivals_by_hour)
    service_level = [v or 0.0 for v in figures.service_level_by_hour]
    return [(arrivals, max(max(arrivals), 1)), (service_level, 100)]


def _update(widget: Static, text: Text, shown: dict[str, Text]) -> None:
    """Shows `text` in `widget` unless it shows it already (`shown`: each widget's text), with
    a new layout only if its lines may change: a figure's new value takes its old one's line."""
    key = widget.id or ""
    before = shown.get(key)
    if before is not None and before == text:
        return
    shown[key] = text
    width = widget.content_size.width
    old, new = (before.plain.split("\n") if before else []), text.plain.split("\n")
    same_lines = (
        len(old) == len(new)
        and old[:-1] == new[:-1]  # the label, which may wrap
        and max(cell_len(old[-1]), cell_len(new[-1])) < width  # the value: one line
    )
    widget.update(text, layout=not same_lines)


def _cell_width(cell: Text | str) -> int:
    text = cell if isinstance(cell, Text) else Text(cell)
    return max((cell_len(line) for line in text.plain.splitlines()), default=0)


def _update_table(
    table: DataTable[Any],
    headers: Sequence[str],
    rows: Sequence[tuple[str | None, Sequence[Text]]],
) -> None:
    """As fill_table, but when the columns, their widths and the rows' keys stay, only the
    cells that changed are updated: the table keeps its size (no new layout of the screen)."""
    columns = list(table.columns.values())
    keys = [row.key.value for row in table.ordered_rows]  # None: the total's
    if [str(c.label) for c in columns] != list(headers) or keys != [k for k, _ in rows]:
        fill_table(table, headers, rows)
        return
    safe = [[safe_cell(cell) for cell in cells] for _, cells in rows]
    widths = [_cell_width(h) for h in headers]
    for cells in safe:
        widths = [max(w, _cell_width(cell)) for w, cell in zip(widths, cells, strict=True)]
    if widths != [c.width for c in columns]:
        fill_table(table, headers, rows)
        return
    for row, cells in zip(table.ordered_rows, safe, strict=True):
        for column, cell in zip(columns, cells, strict=True):
            if table.get_cell(row.key, column.key) != cell:
                table.update_cell(row.key, column.key, cell)


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
