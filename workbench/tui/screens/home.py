"""The home screen: exact search by phone or card number, and my live access grants with the
time each has left."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from workbench.complaints.queries import OpenComplaint
from workbench.permissions.access import MemberView, Purpose
from workbench.telephony.desk import CallView
from workbench.tui.base import WorkbenchScreen
from workbench.tui.labels import why_no_callback
from workbench.tui.widgets.agent_state import AgentStateLine
from workbench.tui.widgets.complaint_table import ComplaintTable, time_left
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.callbacks import ClaimedCallback, NextCallback
from workbench.usecases.calls import TakenCallView
from workbench.usecases.dashboard import HomeBoard, LiveGrant

GRANT_COLUMNS = ("member", "source", "from", "until", "left")  # labels: home_grants.*
GRANT_TIME = "%m-%d %H:%M"  # grants last hours or days: the date and the minute


class HomeScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        Binding("f5", "statistics", "Statistics"),
        Binding("f6", "dashboard", "Dashboard"),
        Binding("ctrl+b", "wallboard", "Wallboard"),
        Binding("f7", "complaint_list", "Complaints"),
        Binding("f3", "member_desk", "Member desk"),
        Binding("f4", "activities", "Activities"),
        Binding("f2", "take_call", "Take call"),
        Binding("ctrl+n", "next_callback", "Next callback"),
        Binding("f10", "agent_state", "Change state"),
        Binding("ctrl+g", "odoo_issues", "Odoo issues"),  # offered where Odoo is configured
        Binding("ctrl+r", "odoo_reviews", "Identity reviews"),
        # Shown only in the notice a supervisor with requests waiting sees: agents never use it.
        Binding("f8", "approvals", "Approvals", show=False),
        Binding("f9", "simulate_call", "Demo call", show=False),
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.grants: list[LiveGrant] = []
        self.waiting_calls: list[CallView] = []  # oldest first
        self._returned_seen = 0  # the submitter's returned applications last told of
        self._approvals_seen = 0  # the supervisor's waiting access approvals last told of

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        yield Static("", id="call-banner", markup=False)
        yield AgentStateLine(id="agent-state")
        with Horizontal(id="search-bar"):
            yield Input(placeholder=labels("home.search"), id="search-input")
            yield Button(labels("home.search_button"), id="search-button")
        yield Static("", id="callbacks-due", markup=False)
        waiting = Static("", id="approvals-waiting", markup=False)
        waiting.display = False  # shown to a supervisor with requests waiting
        yield waiting
        yield Label(labels("home.grants"), id="grants-title")
        yield DataTable(id="grants", cursor_type="row", zebra_stripes=True)
        yield Label(labels("complaint.mine"), id="complaints-title")
        yield ComplaintTable(id="my-complaints")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        fill_table(self.query_one("#grants", DataTable), self._grant_headers(), [])
        self.query_one("#search-input", Input).focus()
        self.load_grants()
        self.load_calls()
        self.query_one(AgentStateLine).load_state()
        self.set_interval(1, self._tick)
        self.set_interval(15, self.load_grants)
        # Pops come as events; the poll catches a missed one, and on SQLite it is how pops from
        # a webhook server in another process arrive (SQLite has no LISTEN/NOTIFY).
        calls = self.app.usecases.calls
        self.set_interval(calls.poll_seconds if calls else 5, self.load_calls)

    def on_screen_resume(self) -> None:
        # Back from a screen or a dialog: the cursor is in the search field, never on a table
        # where a typed number and Enter would open something.
        self.query_one("#search-input", Input).focus()
        self.load_grants()
        self.load_calls()
        self.query_one(AgentStateLine).load_state()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#search-input", Input).placeholder = labels("home.search")
        self.query_one("#search-button", Button).label = labels("home.search_button")
        self.query_one("#grants-title", Label).update(labels("home.grants"))
        self.query_one("#complaints-title", Label).update(labels("complaint.mine"))
        self.query_one(ComplaintTable).relabel()
        self.load_grants()  # the tables, the callbacks line and the agent's state: reloaded
        self.load_calls()
        self.query_one(AgentStateLine).load_state()

    # Search -------------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#search-input", Input).focus()

    @on(Input.Submitted, "#search-input")
    @on(Button.Pressed, "#search-button")
    def _search(self) -> None:
        text = self.query_one("#search-input", Input).value.strip()
        if text:
            self.search(text)

    @desk_work(exclusive=True, group="search")
    def search(self, text: str) -> None:
        app = self.app
        staff = app.touch_session()
        digits = text.replace(" ", "").replace("-", "")
        if digits.startswith("+") or len(digits) == 11:
            view = app.usecases.members.find_by_phone(staff, digits, Purpose.SERVICE)
        else:
            view = app.usecases.members.find_by_card(staff, digits, Purpose.SERVICE)
        app.call_from_thread(self._found, view)

    def _found(self, view: MemberView | None) -> None:
        from workbench.tui.screens.profile import ProfileScreen

        if view is None:
            self.notify(self.app.labels("home.not_found"), severity="warning", markup=False)
            return
        self.query_one("#search-input", Input).value = ""
        self.app.push_screen(ProfileScreen(view))
        self.load_grants()

    # Grants -------------------------------------------------------------------------------------
    @desk_work(exclusive=True, group="grants")
    def load_grants(self) -> None:
        """A refresh, not an action: it does not count as activity for the idle timeout."""
        app = self.app
        if app.signed_in is None:
            return
        board = app.usecases.dashboard.home(app.staff)
        nxt = None
        if board.callbacks_due:  # due, but can one be made now? (calling hours)
            nxt = app.usecases.callbacks.next_callable(app.staff)
        app.call_from_thread(self._show_home, board, nxt)
        returned = app.usecases.applications.returned_count(app.staff)
        app.call_from_thread(self._show_returned, returned)
        waiting = app.usecases.access.waiting(app.staff)
        plans = len(app.usecases.access.plans_waiting(app.staff))
        app.call_from_thread(self._show_approvals, waiting, plans)

    def _show_approvals(self, waiting: int, plans: int = 0) -> None:
        """A supervisor's waiting access approvals and an approving manager's activity plans
        waiting: a line on the home screen, and a notice when more arrive."""
        labels = self.app.labels
        parts = [labels("approvals.waiting", n=waiting)] if waiting else []
        if plans:
            parts.append(labels("activities.plans_waiting", n=plans))
        notice = "; ".join(parts)
        line = self.query_one("#approvals-waiting", Static)
        line.update(notice)
        line.display = bool(parts)
        if waiting + plans > self._approvals_seen:
            self.notify(notice, severity="warning", markup=False)
        self._approvals_seen = waiting + plans

    def action_approvals(self) -> None:
        from workbench.tui.screens.approvals import ApprovalsScreen

        self.app.push_screen(ApprovalsScreen())

    def _show_returned(self, returned: int) -> None:
        """Tells a submitter when applications come back for correction (once per change)."""
        if returned > self._returned_seen:
            notice = self.app.labels("applications.returned_notice", n=returned)
            self.notify(notice, severity="warning", markup=False)
        self._returned_seen = returned

    def _show_home(self, board: HomeBoard, nxt: NextCallback | None = None) -> None:
        self._show_due(board.callbacks_due, nxt)
        self._show_grants(board.grants)
        self._show_complaints(board.my_complaints)

    def _show_due(self, due: int | None, nxt: NextCallback | None = None) -> None:
        line = self.query_one("#callbacks-due", Static)
        line.display = due is not None
        if due is not None:
            text = self.app.labels("home.callbacks_due", n=due)
            if nxt is not None and not nxt.callable_now:  # the same words as Ctrl+N's
                text = f"{text} · {self.why_not(nxt)}"
            line.update(Text(text))

    def why_not(self, nxt: NextCallback | None) -> str:
        """Why no callback can be taken now, and when the next one can."""
        wb = self.app.wb
        return why_no_callback(self.app.labels, nxt, wb.settings.timezone, wb.clock.now())

    def _show_grants(self, grants: list[LiveGrant]) -> None:
        self.grants = grants  # once per member and source (the use case merges repeats)
        self._tick()

    def _grant_headers(self) -> list[str]:
        return [self.app.labels(f"home_grants.{column}") for column in GRANT_COLUMNS]

    def _show_complaints(self, complaints: list[OpenComplaint]) -> None:
        self.query_one("#my-complaints", ComplaintTable).show(complaints, self.app.wb.clock.now())

    def _tick(self) -> None:
        now = self.app.wb.clock.now()
        zone = self.app.wb.settings.timezone
        fill_table(
            self.query_one("#grants", DataTable),
            self._grant_headers(),
            [
                (
                    f"{g.grant_id}:{g.member_id}",
                    [
                        Text(f"{g.member_no} {g.masked_name}"),
                        Text(self.app.labels(f"home_grants.source_{g.source}")),
                        Text(g.starts_at.astimezone(zone).strftime(GRANT_TIME)),
                        Text(g.ends_at.astimezone(zone).strftime(GRANT_TIME)),
                        Text(time_left(g.ends_at, now)),
                    ],
                )
                for g in self.grants
                if g.ends_at > now
            ],
        )
        self.query_one("#my-complaints", ComplaintTable).tick(now)
        self.query_one(AgentStateLine).tick(now)
        self._tick_calls(now)

    @on(DataTable.RowSelected, "#my-complaints")
    def _open_complaint(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.app.push_screen(ComplaintScreen(str(event.row_key.value)))

    @on(DataTable.RowSelected, "#grants")
    def _open_grant(self, event: DataTable.RowSelected) -> None:
        member_id = int(str(event.row_key.value).split(":")[1])
        self.open_member(member_id)

    @desk_work(exclusive=True, group="search")
    def open_member(self, member_id: int) -> None:
        app = self.app
        view = app.usecases.members.view_by_id(app.touch_session(), member_id, Purpose.CALLBACK)
        app.call_from_thread(self._found, view)

    # Calls ---------------------------------------------------------------------------------------
    @desk_work(exclusive=True, group="calls")
    def load_calls(self) -> None:
        """A refresh (by the poll and by call events): not activity for the idle timeout."""
        app = self.app
        if app.signed_in is None:
            return
        waiting = app.calls.waiting_for(app.staff)
        if waiting is not None:  # None: the role takes no calls
            app.call_from_thread(self._show_calls, waiting)

    def _show_calls(self, waiting: list[CallView]) -> None:
        self.waiting_calls = waiting
        self._tick_calls(self.app.wb.clock.now())

    def _tick_calls(self, now: datetime) -> None:
        banner = self.query_one("#call-banner", Static)
        if not self.waiting_calls:
            banner.update("")
            banner.display = False
            return
        labels, call = self.app.labels, self.waiting_calls[0]
        who = labels("call.member") if call.known_member else labels("call.new_caller")
        more = len(self.waiting_calls) - 1
        text = labels(
            "call.banner",
            caller=call.caller,
            who=who,
            queue=labels.value("queue", call.queue),
            waited=time_left(now, call.started_at) if now > call.started_at else "0:00",
        )
        if more:
            text += " " + labels("call.more", n=more)
        banner.update(Text(text))
        banner.display = True

    def action_take_call(self) -> None:
        if self.waiting_calls:
            self.take_call(self.waiting_calls[0].call_id)

    @desk_work(exclusive=True, group="search")
    def take_call(self, call_id: int) -> None:
        app = self.app
        try:
            taken = app.calls.take_and_open(app.touch_session(), call_id)
        except Exception:
            app.call_from_thread(self.load_calls)  # someone else took it, or it ended
            raise
        app.call_from_thread(self._taken, taken)

    @desk_work(exclusive=True, group="take")
    def open_handed_call(self, call_id: int) -> None:
        """Routing rang this agent with their assigned member's call: the caller's screen
        opens as on a take."""
        app = self.app
        taken = app.calls.open_handed(app.touch_session(), call_id)
        app.call_from_thread(self._taken, taken)

    def _taken(self, taken: TakenCallView) -> None:
        from workbench.tui.screens.profile import ProfileScreen
        from workbench.tui.screens.register import RegisterCallerScreen

        self.load_calls()
        call_id = taken.taken.call_id
        if taken.view is not None:
            self.app.push_screen(ProfileScreen(taken.view, call_id=call_id))
        elif taken.taken.member_id is None:
            self.app.push_screen(RegisterCallerScreen(call_id))
        else:  # a member of another branch: served without their record
            self.notify(self.app.labels("call.other_branch"), severity="warning", markup=False)

    def action_simulate_call(self) -> None:
        if self.app.demo:
            self.simulate_call()

    @desk_work(exclusive=True, group="demo")
    def simulate_call(self) -> None:
        """Demo only: play Twilio's part and ring the hotline from a random member's number (or,
        one time in four, a stranger's), through the real webhook handler."""
        self.app.calls.ring_demo_call()

    def action_agent_state(self) -> None:
        self.query_one(AgentStateLine).press()

    # Other actions ------------------------------------------------------------------------------
    def action_statistics(self) -> None:
        from workbench.tui.screens.statistics import StatisticsScreen

        self.app.push_screen(StatisticsScreen())

    def action_next_callback(self) -> None:
        self.claim_callback()

    @desk_work(exclusive=True, group="search")
    def claim_callback(self) -> None:
        app = self.app
        staff = app.touch_session()
        claimed = app.usecases.callbacks.claim_next_with_view(staff)
        nxt = None if claimed is not None else app.usecases.callbacks.next_callable(staff)
        app.call_from_thread(self._claimed, claimed, nxt)

    def _claimed(self, claimed: ClaimedCallback | None, nxt: NextCallback | None = None) -> None:
        from workbench.tui.screens.callback import CallbackScreen

        if claimed is None:  # says why, and when the next one can be made
            self.notify(self.why_not(nxt), markup=False)
            return
        self.app.push_screen(CallbackScreen(claimed.view, claimed.claim))
        self.load_grants()

    def action_member_desk(self) -> None:
        from workbench.tui.screens.member_desk import CounterMenuScreen

        self.app.push_screen(CounterMenuScreen())

    def action_complaint_list(self) -> None:
        from workbench.tui.screens.complaint_list import ComplaintListScreen

        self.app.push_screen(ComplaintListScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The dashboard and activities keys are offered only to the roles they are for."""
        if action == "dashboard" and self.app.signed_in is not None:
            return self.app.usecases.dashboard.offered(self.app.staff)
        if action == "wallboard" and self.app.signed_in is not None:
            return self.app.usecases.wallboard.offered(self.app.staff)
        if action == "odoo_issues" and self.app.signed_in is not None:
            return self.app.usecases.odoo.offers_issues(self.app.staff)
        if action == "odoo_reviews" and self.app.signed_in is not None:
            return self.app.usecases.odoo.offers_reviews(self.app.staff)
        if action == "activities" and self.app.signed_in is not None:
            from workbench.tui.screens.activities import ACTIVITY_HOME_ROLES

            return self.app.staff.role in ACTIVITY_HOME_ROLES
        return True

    def action_activities(self) -> None:
        """Member activities' annual plan, for the roles that plan and approve them."""
        from workbench.tui.screens.activities import ACTIVITY_HOME_ROLES, ActivitiesScreen

        if self.app.staff.role in ACTIVITY_HOME_ROLES:
            self.app.push_screen(ActivitiesScreen())

    def action_dashboard(self) -> None:
        from workbench.tui.screens.dashboard import DashboardScreen

        self.app.push_screen(DashboardScreen())

    def action_wallboard(self) -> None:
        from workbench.tui.screens.wallboard import WallboardScreen

        if self.app.usecases.wallboard.offered(self.app.staff):
            self.app.push_screen(WallboardScreen())

    def action_odoo_issues(self) -> None:
        from workbench.tui.screens.odoo_issues import OdooIssuesScreen

        if self.app.usecases.odoo.offers_issues(self.app.staff):
            self.app.push_screen(OdooIssuesScreen())

    def action_odoo_reviews(self) -> None:
        from workbench.tui.screens.odoo_reviews import OdooReviewsScreen

        if self.app.usecases.odoo.offers_reviews(self.app.staff):
            self.app.push_screen(OdooReviewsScreen())

    def action_sign_out(self) -> None:
        self.app.end_session()
