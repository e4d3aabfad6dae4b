"""Statistics and KPIs for managers, analysts and supervisors: members by store (tiers, spend,
visits, points, activity, retention, satisfaction), agents' and branches' KPIs. Aggregates
only, small groups hidden by the service; an agent sees their own KPIs and nothing else."""

from __future__ import annotations

from dataclasses import asdict

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from workbench.errors import WorkbenchError
from workbench.masking.groups import SMALL
from workbench.members.models import Role
from workbench.members.tiers import TierScheme
from workbench.statistics.figures import (
    AGENT_FIELDS,
    BRANCH_FIELDS,
    MEMBER_SECTIONS,
    TOTAL,
    Kpis,
    MemberStatistics,
)
from workbench.statistics.period import Period
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.statistics import Overview

MEMBER_TABS = tuple(MEMBER_SECTIONS)  # members, tiers, spend, points, retention
TABS = (*MEMBER_TABS, "agents", "branches")
PERIODS = (12, 24, 6, 3)  # months, in the order `p` steps through them


class StatisticsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("p", "next_period", "Period"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab"),
        *[Binding(str(n), f"show_tab({n})", show=False) for n in range(1, len(TABS) + 1)],
        Binding("f4", "activities", "Activities"),  # marketing (analysts): this is their home
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.months = PERIODS[0]
        self.members: MemberStatistics | None = None
        self.kpis: Kpis | None = None
        self.period: Period | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="stats-title")
        yield Static("", id="stats-note")
        with TabbedContent(id="stats-tabs"):
            for tab in TABS:
                with TabPane("", id=f"tab-{tab}"):
                    yield DataTable(id=f"stats-{tab}", zebra_stripes=True, cursor_type="row")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        rights = self.app.usecases.statistics.rights(self.app.staff)
        tabs = self.query_one(TabbedContent)
        if not rights.members:
            for tab in (*MEMBER_TABS, "branches"):
                tabs.hide_tab(f"tab-{tab}")
            tabs.active = "tab-agents"
        self.relabel()
        self.action_reload()

    def relabel(self) -> None:
        labels = self.app.labels
        own = self.app.usecases.statistics.rights(self.app.staff).agents == "own"
        tabs = self.query_one(TabbedContent)
        for tab in TABS:
            key = "stats.tab.own" if tab == "agents" and own else f"stats.tab.{tab}"
            tabs.get_tab(f"tab-{tab}").label = Text(labels(key))
        self._show()

    # Loading ----------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.query_one("#stats-title", Static).update(Text(self.app.labels("stats.loading")))
        self.load(self.months)

    def action_next_period(self) -> None:
        self.months = PERIODS[(PERIODS.index(self.months) + 1) % len(PERIODS)]
        self.action_reload()

    @desk_work(exclusive=True, group="statistics")
    def load(self, months: int) -> None:
        app = self.app
        try:
            overview = app.usecases.statistics.overview(app.touch_session(), months)
        except WorkbenchError as error:  # the title says why there is nothing to show
            app.call_from_thread(self._failed, error)
            raise
        if not get_current_worker().is_cancelled:  # a newer load (another period) took over
            app.call_from_thread(self._loaded, overview)

    def _failed(self, error: WorkbenchError) -> None:
        self.query_one("#stats-title", Static).update(Text(self.app.labels.error(error)))

    def _loaded(self, overview: Overview) -> None:
        self.months, self.period = overview.months, overview.period
        self.members, self.kpis = overview.members, overview.kpis
        self._show()

    # Showing ----------------------------------------------------------------------------------------
    def _show(self) -> None:
        labels = self.app.labels
        minimum = self.app.wb.settings.protection_min_group_size
        self.query_one("#stats-note", Static).update(
            Text(labels("stats.note", n=minimum), style="dim")
        )
        if self.kpis is None or self.period is None:
            return
        first, last = self.period.days(self.app.wb.settings.timezone)
        span = labels("stats.months", n=self.months)
        title = f"{labels('stats.heading')} · {labels('stats.period', months=span, first=first, last=last)}"
        if self.kpis.as_of is not None:  # read from a rollup: say how old the figures are
            at = self.kpis.as_of.astimezone(self.app.wb.settings.timezone)
            title += f" · {labels('stats.as_of', at=at.strftime('%Y-%m-%d %H:%M'))}"
        self.query_one("#stats-title", Static).update(Text(title))
        if self.members is not None:
            self._show_members(self.members)
        self._show_agents(self.kpis)
        self._show_branches(self.kpis)

    def _show_members(self, stats: MemberStatistics) -> None:
        labels, scheme = self.app.labels, self.app.wb.scheme
        for section, names in MEMBER_SECTIONS.items():
            columns = names or tuple(f"tier:{t}" for t in stats.tiers)
            headers = [
                _tier_label(scheme, c[5:], labels.language)
                if c.startswith("tier:")
                else labels(f"stats.col.{c}")
                for c in columns
            ]
            rows = []
            for row in (*stats.stores, stats.total):
                values = {**asdict(row), **{f"tier:{t}": n for t, n in row.tiers.items()}}
                rows.append(
                    (
                        row.store,
                        self._store(row.store, row.store_name),
                        [
                            self._cell(values[c], stats.min_group_size, row.hidden.get(c))
                            for c in columns
                        ],
                    )
                )
            self._fill(f"#stats-{section}", [labels("stats.store"), *headers], rows)

    def _show_agents(self, kpis: Kpis) -> None:
        labels = self.app.labels
        headers = [
            labels("stats.agent"),
            labels("stats.name"),
            *[labels(f"stats.col.{f}") for f in AGENT_FIELDS],
        ]
        fill_table(
            self.query_one("#stats-agents", DataTable),
            headers,
            [
                (
                    a.username,
                    [
                        Text(a.username),
                        Text(a.name),
                        *[self._cell(getattr(a, f), kpis.min_group_size) for f in AGENT_FIELDS],
                    ],
                )
                for a in kpis.agents
            ],
        )

    def _show_branches(self, kpis: Kpis) -> None:
        labels = self.app.labels
        rows = [
            (
                b.store,
                self._store(b.store, b.store_name),
                [
                    self._cell(getattr(b, f), kpis.min_group_size, b.hidden.get(f))
                    for f in BRANCH_FIELDS
                ],
            )
            for b in (*kpis.branches, *([kpis.total] if kpis.total else []))
        ]
        self._fill(
            "#stats-branches",
            [labels("stats.store"), *[labels(f"stats.col.{f}") for f in BRANCH_FIELDS]],
            rows,
        )

    def _fill(
        self, selector: str, headers: list[str], rows: list[tuple[str, Text, list[Text]]]
    ) -> None:
        fill_table(
            self.query_one(selector, DataTable),
            headers,
            [(key, [store, *cells]) for key, store, cells in rows],
        )

    def _cell(self, value: object, minimum: int, why: str | None = None) -> Text:
        """<minimum only for a count under it (true); hidden for a complement or a small
        group's sum; - for a figure computed from a hidden one, or nothing to compute."""
        if value is not None:
            return Text(str(value), justify="right")
        if why is None:
            shown = "-"
        else:
            shown = f"<{minimum}" if why == SMALL else self.app.labels("stats.hidden")
        return Text(shown, style="dim", justify="right")

    def _store(self, code: str, name: str) -> Text:
        if code == TOTAL:
            return Text(self.app.labels("stats.all"), style="bold")
        return Text(f"{code} {name}")

    # Keys -------------------------------------------------------------------------------------------
    def _visible_tabs(self) -> list[str]:
        if self.app.usecases.statistics.rights(self.app.staff).members:
            return [f"tab-{t}" for t in TABS]
        return ["tab-agents"]

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        visible = self._visible_tabs()
        index = visible.index(tabs.active) if tabs.active in visible else 0
        tabs.active = visible[(index + step) % len(visible)]

    def action_show_tab(self, number: int) -> None:
        pane = f"tab-{TABS[number - 1]}"
        if pane in self._visible_tabs():
            self.query_one(TabbedContent).active = pane

    def action_back(self) -> None:
        if self.app.staff.role == Role.ANALYST:
            return  # their home screen
        self.app.pop_screen()

    def action_sign_out(self) -> None:
        self.app.end_session()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Activities from here for the analysts (marketing) only: the others have F4 at home;
        and no Back for the analysts, whose home this is (it would do nothing)."""
        analyst = self.app.signed_in is not None and self.app.staff.role == Role.ANALYST
        if action == "activities":
            return analyst
        if action == "back":
            return not analyst
        return True

    def action_activities(self) -> None:
        from workbench.tui.screens.activities import ActivitiesScreen

        if self.check_action("activities", ()):
            self.app.push_screen(ActivitiesScreen())


def _tier_label(scheme: TierScheme, code: str, language: str) -> str:
    try:
        return scheme.get(code).label(language)
    except WorkbenchError:
        return code  # a tier no longer in the scheme
