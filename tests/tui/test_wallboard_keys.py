"""The wallboard's keys (issue 17 performance): Tab moves between its two tables, each showing
its focus, without repainting the rest of the board; the scroll keys the tables do not use reach
the scrolling column, so at 80x24 the charts below are reached from the keyboard; new figures
update the tables' cells in place (no layout of the screen)."""

from textual.widgets import DataTable

from tests.tui.harness import WAIT, Desk, running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.wallboard import WallboardScreen

HOTLINE = "+864008000800"


async def _board(desk: Desk) -> WallboardScreen:
    await desk.sign_in("supervisor")
    await desk.press("ctrl+b")
    screen = await desk.shown(WallboardScreen)
    await desk._next(lambda m: isinstance(m, WallboardScreen.Refreshed), "new figures", WAIT)
    await desk.pilot.pause()
    return screen


async def test_tab_moves_between_the_tables_and_repaints_only_them(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        screen = await _board(desk)
        queues = screen.query_one("#wallboard-queues", DataTable)
        agents = screen.query_one("#wallboard-agents", DataTable)
        assert [w.id for w in screen.focus_chain] == ["wallboard-queues", "wallboard-agents"]
        assert screen.focused is queues  # entering the board focuses its first table
        await desk.at_rest()
        painted: list[str] = []
        original = type(screen.query_one("#tile-0")).render_lines

        def render_lines(widget, crop):
            painted.append(widget.id or type(widget).__name__)
            return original(widget, crop)

        for widget in screen.query(".tile, HourBars"):
            widget.render_lines = render_lines.__get__(widget)  # type: ignore[method-assign]
        await desk.press("tab")
        await desk.pilot.pause()
        assert screen.focused is agents
        assert painted == []  # no tile or chart drawn again: only the two tables changed
        await desk.press("tab")
        assert screen.focused is queues


async def test_page_down_scrolls_the_board_from_a_table(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(80, 24)) as desk:
        screen = await _board(desk)
        body = screen.query_one("#wallboard-body")
        assert body.max_scroll_y > 0  # the charts are below the fold at 80x24
        await desk.press("pagedown")
        await desk.pilot.pause()
        assert body.scroll_y > 0
        await desk.press("pageup")
        await desk.pilot.pause()
        assert body.scroll_y == 0


async def test_new_figures_update_the_cells_in_place(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(80, 24)) as desk:
        screen = await _board(desk)
        table = screen.query_one("#wallboard-queues", DataTable)
        for n, waiting in [(1, 1), (2, 2)]:
            rows = [row.key for row in table.ordered_rows]
            desk.mark()
            wb.telephony.hotline.incoming(
                call_sid="CA" + str(n) * 32, from_number=f"+861390000009{n}", to_number=HOTLINE
            )
            await desk._next(
                lambda m: isinstance(m, WallboardScreen.Refreshed), "new figures", WAIT
            )
            await desk.pilot.pause()
            assert screen.shown is not None and screen.shown.total.waiting == waiting
            total = [str(cell) for cell in table.get_row_at(table.row_count - 1)]
            assert total[:2] == ["合计", str(waiting)]
            assert str(screen.query_one("#tile-0").visual).splitlines()[-1] == str(waiting)
        # The second call changed figures, not rows: the same rows, their cells updated.
        assert [row.key for row in table.ordered_rows] == rows
        assert all(a is b for a, b in zip(rows, [r.key for r in table.ordered_rows], strict=True))
