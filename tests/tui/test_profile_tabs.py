"""The profile's history tabs: a complaint registered from the profile (F2) is in its
complaints tab when the agent comes back, and the tabs are reached by keys."""

from textual.widgets import DataTable, Select, TabbedContent, TextArea

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_form import ComplaintFormScreen
from workbench.tui.screens.profile import ProfileScreen


async def test_a_new_complaint_shows_in_the_tab_and_tabs_have_keys(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        await desk.fill("#search-input", tui_world.app.phone)
        await desk.press("enter")
        profile = await desk.shown(ProfileScreen)
        await desk.done("load_service_data")
        assert isinstance(profile, ProfileScreen)
        complaints = profile.query_one("#history-complaints", DataTable)
        assert complaints.row_count == 0

        await desk.press("f2")
        form = await desk.shown(ComplaintFormScreen)
        form.query_one("#complaint-category", Select).value = "billing"
        form.query_one("#complaint-description", TextArea).text = "重复扣费"
        desk.mark()
        form.action_submit()
        shown = await desk.shown(ComplaintScreen)
        assert isinstance(shown, ComplaintScreen)
        number = shown.complaint_no
        await desk.done("load")
        await desk.press("escape")
        await desk.shown(ProfileScreen)
        await desk.done("load_service_data")
        assert complaints.row_count == 1
        assert str(complaints.get_row_at(0)[0]) == number

        tabs = profile.query_one("#history", TabbedContent)
        assert tabs.active == "tab-purchases"
        await desk.press("alt+3")
        assert tabs.active == "tab-complaints"
        await desk.press("ctrl+pagedown")
        assert tabs.active == "tab-callbacks"
        await desk.press("ctrl+pageup", "ctrl+pageup")
        assert tabs.active == "tab-messages"
