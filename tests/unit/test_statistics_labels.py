"""Every heading the statistics screen and the dashboard build from a figure's name has a label
in both languages."""

from workbench.statistics.figures import AGENT_FIELDS, BRANCH_FIELDS, MEMBER_SECTIONS
from workbench.tui.labels import LABELS
from workbench.tui.screens.dashboard import DASHBOARD_AGENT_FIELDS, PANELS
from workbench.tui.screens.statistics import TABS


def test_every_figure_tab_and_panel_has_both_labels():
    fields = {f for names in MEMBER_SECTIONS.values() for f in names}
    keys = [f"stats.col.{f}" for f in fields | set(AGENT_FIELDS) | set(BRANCH_FIELDS)]
    keys += [f"stats.col.{f}" for f in DASHBOARD_AGENT_FIELDS]
    keys += [f"stats.tab.{t}" for t in TABS] + ["stats.tab.own", *PANELS.values()]
    for key in keys:
        zh, en = LABELS[key]
        assert zh.strip() and en.strip() and zh != en, key
