"""Member activities in the TUI: the annual plan (a year's activities by month, with their
states; Enter opens one; F9 the year's report), an activity (its plan, states, counts, changes
and the masked sign-ups the role may see) with the keys its role may use — edit (Ctrl+E),
submit (F2), approve (F4), return the plan with a reason (Ctrl+R), invite (F6), sign up (F7),
cancel a sign-up (Ctrl+U), the check-in desk (F8), satisfaction scores (F3), close with the
no-shows and the survey (F10), record what it cost (Ctrl+T), cancel the activity with a
reason (Ctrl+X), the evaluation (F9) — and the evaluation (活动总结: aggregates, small groups hidden). Submitting, approving,
inviting and closing ask first, starting on Cancel. Every key that changes data is a function
or Ctrl key: nothing a text field would take as typing. The forms and desks are in
activities_forms.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Input, Label, Static

from workbench.activities.evaluation import Evaluation, Spend
from workbench.activities.rules import ActivityState
from workbench.errors import ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.activities import (
    APPROVERS,
    CHECKIN_ROLES,
    EVALUATORS,
    PLANNERS,
    SCORE_ROLES,
    SIGNUP_ROLES,
    ActivityDetail,
    AnnualPlan,
    SignupLine,
)

CANCELLABLE = (
    ActivityState.DRAFT,
    ActivityState.SUBMITTED,
    ActivityState.APPROVED,
    ActivityState.RUNNING,
)
PLAN_COLUMNS = ("month", "code", "state", "starts", "kind", "theme", "store", "places")
SIGNUP_COLUMNS = ("member", "status", "checked_in")


# The detail's counts line: its catalogue names -> the ShownCounts figures.
COUNT_FIGURES = {
    "invited": "invited",
    "priority": "invited_priority",
    "queued": "invitations_queued",
    "skipped": "invitations_skipped",
    "pending": "invitations_pending",
    "confirmed": "confirmed",
    "waitlisted": "waitlisted",
    "cancelled": "cancelled",
    "checked_in": "checked_in",
    "no_shows": "no_shows",
    "points": "points_credited",
}


def shown_count(screen: WorkbenchScreen[None], n: int | None) -> str:
    """A count; one the reader may not see (a small group) reads "<minimum"."""
    return f"<{screen.app.wb.settings.protection_min_group_size}" if n is None else str(n)


def local(app_zone: object, at: datetime | None) -> str:
    if at is None:
        return "-"
    return at.astimezone(app_zone).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


class ActivitiesScreen(WorkbenchScreen[None]):
    """The annual plan: the activities of a year the signed-in staff member may see."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "new_plan", "New plan"),
        Binding("f9", "report", "Year report"),
        Binding("f5", "reload", "Reload"),
    ]

    def __init__(self, year: int | None = None) -> None:
        super().__init__()
        self.year = year
        self.codes: list[str] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_plan":
            return self.app.staff.role in PLANNERS
        if action == "report":
            return self.app.staff.role in EVALUATORS
        return True

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        year = self.year or self.app.wb.clock.now().astimezone(zone).year
        yield Header()
        with Vertical(id="activities-plan"):
            yield Static("", id="activities-title", markup=False)
            with Horizontal(id="activities-filters"):
                yield Input(str(year), placeholder=labels("activities.year"), id="activities-year")
                yield Input(placeholder=labels("activities.store"), id="activities-store")
            yield Static("", id="activities-states", markup=False)
            yield Static("", id="activities-error", markup=False)
            yield DataTable(id="activities-table", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#activities-table", DataTable)
        for column in PLAN_COLUMNS:
            table.add_column(self.app.labels(f"activities.col.{column}"), key=column)
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @on(Input.Submitted, "#activities-year")
    @on(Input.Submitted, "#activities-store")
    def _filter(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="activities-load")
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        year_text, store = app.call_from_thread(self._filters)
        try:
            if not year_text.isdigit():
                raise ValidationError("year", "a year such as 2027")
            plan = app.usecases.activities.plan(staff, year=int(year_text), store=store or None)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._show, plan)

    def _filters(self) -> tuple[str, str]:
        return (
            self.query_one("#activities-year", Input).value.strip(),
            self.query_one("#activities-store", Input).value.strip(),
        )

    def _refused(self, error: Exception) -> None:
        self.query_one("#activities-error", Static).update(Text(self.app.labels.error(error)))

    def _show(self, plan: AnnualPlan) -> None:
        labels, zone = self.app.labels, self.app.wb.settings.timezone
        self.query_one("#activities-error", Static).update("")
        self.query_one("#activities-title", Static).update(
            Text(labels("activities.plan_title", year=plan.year))
        )
        self.query_one("#activities-states", Static).update(
            Text(labels("activities.states", budget=f"{plan.budget:.2f}", **plan.states))
        )
        self.codes = []
        rows: list[tuple[str | None, list[Text]]] = []
        for month in plan.months:
            for line in month.activities:
                self.codes.append(line.code)
                cells = [
                    Text(labels("activities.month", month=month.month)),
                    Text(line.code),
                    Text(labels(f"activities.state.{line.state}")),
                    Text(local(zone, line.starts_at)),
                    Text(labels(f"activities.kind.{line.kind}")),
                    member_text(line.theme),
                    Text(line.store_code or labels("activities.head_office")),
                    Text(f"{shown_count(self, line.taken)}/{line.capacity}"),
                ]
                rows.append((line.code, cells))
        # Columns as wide as their cells up front: auto widths were drawn header-wide at times
        # (workbench.tui.widgets.tables).
        headers = [labels(f"activities.col.{column}") for column in PLAN_COLUMNS]
        fill_table(self.query_one("#activities-table", DataTable), headers, rows)
        if not self.codes:
            self.query_one("#activities-error", Static).update(Text(labels("activities.none")))

    @on(DataTable.RowSelected, "#activities-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ActivityScreen(str(event.row_key.value)))

    def action_new_plan(self) -> None:
        from workbench.tui.screens.activities_forms import PlanFormScreen

        if self.app.staff.role in PLANNERS:
            self.app.push_screen(PlanFormScreen())

    def action_report(self) -> None:
        if self.app.staff.role in EVALUATORS:
            year, store = self._filters()
            self.app.push_screen(ReportScreen(year, store))

    def action_back(self) -> None:
        self.app.pop_screen()


class ReportScreen(WorkbenchScreen[None]):
    """The year's report (`workbench report activities`): the evaluation of each activity that
    has started, aggregates only, small groups hidden; a store manager's store's only."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]

    def __init__(self, year: str, store: str) -> None:
        super().__init__()
        self.year = year
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="report-box"):
            yield Static("", id="report-title", markup=False)
            yield Static("", id="report", markup=False)
            yield Static("", id="report-legend", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="report-load")
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        try:
            if not self.year.isdigit():
                raise ValidationError("year", "a year such as 2027")
            found = app.usecases.activities.report(
                staff, year=int(self.year), store=self.store or None
            )
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._show, found)

    def _refused(self, error: Exception) -> None:
        self.query_one("#report", Static).update(Text(self.app.labels.error(error)))

    def _show(self, found: tuple[Evaluation, ...]) -> None:
        labels = self.app.labels
        self.query_one("#report-title", Static).update(
            Text(labels("activities.report_title", year=self.year))
        )
        blocks = [
            "\n".join(
                [labels("activities.evaluation_title", code=e.code, theme=e.theme)]
                + [f"  {line}" for line in evaluation_lines(self, e)]
            )
            for e in found
        ]
        text = "\n\n".join(blocks) or labels("activities.report_none")
        self.query_one("#report", Static).update(member_text(text, multiline=True))
        if found:
            self.query_one("#report-legend", Static).update(
                Text(labels("activities.eval.legend", minimum=found[0].minimum))
            )

    def action_back(self) -> None:
        self.app.pop_screen()


class ActivityScreen(WorkbenchScreen[None]):
    """One activity: its plan, state, counts and changes; the sign-ups (masked) for the roles
    that serve members; the keys of what the role may do in the activity's state."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+e", "edit", "Edit plan"),
        Binding("f2", "submit", "Submit plan"),
        Binding("f4", "approve", "Approve plan"),
        Binding("f6", "invite", "Invite"),
        Binding("f7", "sign_up", "Sign up"),
        Binding("f8", "check_in", "Check-in desk"),
        Binding("f3", "score", "Score"),
        Binding("f9", "evaluation", "Evaluation"),
        Binding("f10", "close", "Close activity"),
        Binding("ctrl+r", "return_plan", "Return plan"),
        Binding("ctrl+x", "cancel_activity", "Cancel activity"),
        Binding("ctrl+u", "cancel_signup", "Cancel sign-up"),
        Binding("ctrl+k", "cost", "Record cost"),  # not Ctrl+T: the call bar's transfer
        Binding("f5", "reload", "Reload"),
    ]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.detail: ActivityDetail | None = None
        self.manages = False  # may change the plan (a store manager: their store's only)

    @property
    def role(self) -> str:
        return str(self.app.staff.role)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys the role may use in the activity's state are offered."""
        state = self.detail.line.state if self.detail else None
        role, manages = self.role, self.manages
        offered = {
            "edit": manages
            and state in (ActivityState.DRAFT, ActivityState.SUBMITTED, ActivityState.APPROVED),
            "submit": manages and state == ActivityState.DRAFT,
            "approve": role in APPROVERS and state == ActivityState.SUBMITTED,
            "invite": manages and state in (ActivityState.APPROVED, ActivityState.RUNNING),
            "sign_up": role in SIGNUP_ROLES
            and state in (ActivityState.APPROVED, ActivityState.RUNNING),
            "check_in": role in CHECKIN_ROLES
            and state in (ActivityState.APPROVED, ActivityState.RUNNING),
            "score": role in SCORE_ROLES
            and state in (ActivityState.APPROVED, ActivityState.RUNNING, ActivityState.DONE),
            "evaluation": role in EVALUATORS
            and state in (ActivityState.RUNNING, ActivityState.DONE),
            "close": manages and state in (ActivityState.APPROVED, ActivityState.RUNNING),
            "return_plan": role in APPROVERS and state == ActivityState.SUBMITTED,
            "cancel_activity": (manages or role in APPROVERS) and state in CANCELLABLE,
            "cancel_signup": role in SIGNUP_ROLES
            and state in (ActivityState.APPROVED, ActivityState.RUNNING),
            "cost": manages and state in (ActivityState.RUNNING, ActivityState.DONE),
        }
        return offered.get(action, True)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="activity-detail-box"):
            yield Static("", id="activity-title", markup=False)
            yield Static("", id="activity-detail", markup=False)
            yield Static("", id="activity-error", markup=False)
            if self.role in SIGNUP_ROLES:
                yield Label(self.app.labels("activities.participants"))
                yield DataTable(id="activity-signups", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        for table in self.query("#activity-signups").results(DataTable):
            for column in SIGNUP_COLUMNS:
                table.add_column(self.app.labels(f"activities.col.{column}"), key=column)
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="activity-load")
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        desk = app.usecases.activities
        detail = desk.show(staff, self.code)
        manages = desk.may_change(staff, self.code)
        signups: tuple[SignupLine, ...] = ()
        if staff.role in SIGNUP_ROLES:
            signups = desk.participants(staff, self.code)
        app.call_from_thread(self._show, detail, signups, manages)

    def _show(self, detail: ActivityDetail, signups: tuple[SignupLine, ...], manages: bool) -> None:
        self.detail, self.manages = detail, manages
        labels, zone = self.app.labels, self.app.wb.settings.timezone
        line, c = detail.line, detail.counts
        every = labels("activities.all")

        def tier(code: str) -> str:
            return self.app.wb.scheme.get(code).label(labels.language)

        self.query_one("#activity-title", Static).update(
            member_text(labels("activities.title", code=line.code, theme=line.theme))
        )
        rows = [
            labels(
                "activities.detail.state",
                state=labels(f"activities.state.{line.state}"),
                kind=labels(f"activities.kind.{line.kind}"),
            ),
            labels(
                "activities.detail.time",
                starts=local(zone, line.starts_at),
                ends=local(zone, line.ends_at),
            ),
            labels(
                "activities.detail.place",
                place=line.place or line.store_code or labels("activities.head_office"),
            ),
            labels(
                "activities.detail.places",
                capacity=line.capacity,
                taken=shown_count(self, line.taken),
                budget=f"{line.budget:.2f}",
                points=line.points,
            ),
            labels(
                "activities.detail.eligible",
                tiers=", ".join(map(tier, detail.eligible_tiers)) or every,
                stores=", ".join(detail.eligible_stores) or every,
                priority=", ".join(map(tier, detail.priority_tiers)) or "-",
            ),
            labels(
                "activities.detail.windows",
                priority=local(zone, detail.priority_opens_at),
                opens=local(zone, detail.signup_opens_at),
                closes=local(zone, detail.signup_closes_at),
                cancel=local(zone, detail.cancel_until),
            ),
            labels(
                "activities.detail.people",
                planner=detail.planner,
                approver=detail.approved_by or "-",
                approved=local(zone, detail.approved_at) if detail.approved_at else "",
            ),
            labels(
                "activities.detail.counts",
                **{
                    name: shown_count(self, getattr(c, figure))
                    for name, figure in COUNT_FIGURES.items()
                },
            ),
        ]
        if c.hidden:
            rows.append(labels("activities.detail.counts_legend", minimum=c.minimum))
        if detail.cancel_reason:
            rows.append(
                labels(
                    "activities.detail.cancelled",
                    at=local(zone, detail.cancelled_at),
                    reason=detail.cancel_reason,
                )
            )
        if detail.actual_cost is not None:
            rows.append(labels("activities.detail.actual_cost", cost=f"{detail.actual_cost:.2f}"))
        if detail.content:
            rows.append(labels("activities.detail.content", content=detail.content))
        for change in detail.changes:
            after = labels("activities.detail.after_approval") if change.after_approval else ""
            rows.append(
                labels(
                    "activities.detail.change",
                    at=local(zone, change.at),
                    staff=change.staff,
                    field=change.field,
                    old=change.old,
                    new=change.new,
                    after=after,
                )
            )
        self.query_one("#activity-detail", Static).update(
            member_text("\n".join(rows), multiline=True)
        )
        for table in self.query("#activity-signups").results(DataTable):
            table.clear()
            for n, signup in enumerate(signups):
                status = labels(f"activities.signup.{signup.status}")
                table.add_row(
                    member_text(f"{signup.member.member_no} {signup.member.masked_name}"),
                    Text(status),
                    Text(local(zone, signup.checked_in_at) if signup.checked_in_at else "-"),
                    key=str(n),
                )
        self.refresh_bindings()

    # Actions -----------------------------------------------------------------------------------
    def action_edit(self) -> None:
        from workbench.tui.screens.activities_forms import PlanFormScreen

        if self.detail is not None and self.check_action("edit", ()):
            self.app.push_screen(PlanFormScreen(self.detail))

    def _confirm(self, key: str, button: str, then: str) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        assert self.detail is not None
        question = self.app.labels(key, code=self.code, theme=self.detail.line.theme)

        def answered(yes: bool | None) -> None:
            if yes:
                getattr(self, then)()

        self.app.push_screen(ConfirmScreen(question, button), answered)

    def action_submit(self) -> None:
        if self.check_action("submit", ()):
            self._confirm("activities.confirm_submit", "activities.submit_button", "do_submit")

    def action_approve(self) -> None:
        if self.check_action("approve", ()):
            self._confirm("activities.confirm_approve", "activities.approve_button", "do_approve")

    def action_invite(self) -> None:
        if self.check_action("invite", ()):
            self._confirm("activities.confirm_invite", "activities.invite_button", "do_invite")

    @desk_work(exclusive=True)
    def do_submit(self) -> None:
        app = self.app
        detail = app.usecases.activities.submit(app.touch_session(), self.code)
        app.call_from_thread(self._changed, "activities.submitted", detail.line.code)

    @desk_work(exclusive=True)
    def do_approve(self) -> None:
        app = self.app
        detail = app.usecases.activities.approve(app.touch_session(), self.code)
        app.call_from_thread(self._changed, "activities.approved", detail.line.code)

    @desk_work(exclusive=True)
    def do_invite(self) -> None:
        app = self.app
        done = app.usecases.activities.invite(app.touch_session(), self.code)
        message = app.labels(
            "activities.invited",
            code=done.code,
            written=done.written,
            messages=done.messages,
            skipped=done.skipped,
        )
        app.call_from_thread(self._told, message)

    def _changed(self, key: str, code: str) -> None:
        self._told(self.app.labels(key, code=code))

    def _told(self, message: str) -> None:
        self.notify(message, markup=False)
        self.load()

    def action_sign_up(self) -> None:
        from workbench.tui.screens.activities_forms import MemberDeskScreen

        if self.check_action("sign_up", ()):
            self.app.push_screen(MemberDeskScreen(self.code, "signup"))

    def action_check_in(self) -> None:
        from workbench.tui.screens.activities_forms import MemberDeskScreen

        if self.check_action("check_in", ()):
            self.app.push_screen(MemberDeskScreen(self.code, "checkin"))

    def action_score(self) -> None:
        from workbench.tui.screens.activities_forms import ScoreFormScreen

        if self.check_action("score", ()):
            self.app.push_screen(ScoreFormScreen(self.code))

    def action_evaluation(self) -> None:
        if self.check_action("evaluation", ()):
            self.app.push_screen(EvaluationScreen(self.code))

    def action_close(self) -> None:
        if self.check_action("close", ()):
            self._confirm("activities.confirm_close", "activities.close_button", "do_close")

    @desk_work(exclusive=True)
    def do_close(self) -> None:
        app = self.app
        done = app.usecases.activities.close(app.touch_session(), self.code)
        message = app.labels(
            "activities.closed",
            code=done.code,
            checked_in=done.checked_in,
            no_shows=done.no_shows,
        )
        app.call_from_thread(self._told, message)

    def action_return_plan(self) -> None:
        from workbench.tui.screens.activities_forms import ReasonFormScreen

        if self.check_action("return_plan", ()):
            self.app.push_screen(ReasonFormScreen(self.code, "return"))

    def action_cancel_activity(self) -> None:
        from workbench.tui.screens.activities_forms import ReasonFormScreen

        if self.check_action("cancel_activity", ()):
            self.app.push_screen(ReasonFormScreen(self.code, "cancel"))

    def action_cost(self) -> None:
        from workbench.tui.screens.activities_forms import CostFormScreen

        if self.detail is not None and self.check_action("cost", ()):
            self.app.push_screen(CostFormScreen(self.code, self.detail.actual_cost))

    def action_cancel_signup(self) -> None:
        from workbench.tui.screens.activities_forms import MemberDeskScreen

        if self.check_action("cancel_signup", ()):
            self.app.push_screen(MemberDeskScreen(self.code, "cancel"))

    def action_back(self) -> None:
        self.app.pop_screen()


class EvaluationScreen(WorkbenchScreen[None]):
    """The evaluation (活动总结): aggregates only; a small group shows as <minimum."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="evaluation-box"):
            yield Static("", id="evaluation-title", markup=False)
            yield Static("", id="evaluation", markup=False)
            yield Static("", id="evaluation-legend", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="evaluation-load")
    def load(self) -> None:
        app = self.app
        evaluation = app.usecases.activities.evaluate(app.touch_session(), self.code)
        app.call_from_thread(self._show, evaluation)

    def _show(self, e: Evaluation) -> None:
        labels = self.app.labels
        self.query_one("#evaluation-title", Static).update(
            member_text(labels("activities.evaluation_title", code=e.code, theme=e.theme))
        )
        self.query_one("#evaluation", Static).update(Text("\n".join(evaluation_lines(self, e))))
        self.query_one("#evaluation-legend", Static).update(
            Text(labels("activities.eval.legend", minimum=e.minimum))
        )

    def action_back(self) -> None:
        self.app.pop_screen()


def evaluation_lines(screen: WorkbenchScreen[None], e: Evaluation) -> list[str]:
    """The evaluation's figures in the catalogue's words, small groups marked."""
    labels, zone = screen.app.labels, screen.app.wb.settings.timezone
    hidden_word = labels("activities.eval.hidden")

    def cell(name: str, value: object) -> str:
        if value is None:
            why = e.hidden.get(name)
            if why is None:
                return "-"
            return f"<{e.minimum}" if why == "small" else hidden_word
        if isinstance(value, Decimal):
            return f"{value:.2f}" if value.as_tuple().exponent == -2 else f"{value:.1%}"
        return str(value)

    def figures(key: str, *names: str, **more: str) -> str:
        """The catalogue's line `key`, each of `names` the evaluation's figure of that name."""
        return labels(key, **{name: cell(name, getattr(e, name)) for name in names}, **more)

    def spend(key: str, name: str, group: Spend) -> str:
        """The spend of the participants or of the comparison: hidden together or shown."""
        parts = {
            "members": group.members,
            "before": group.mean_before,
            "after": group.mean_after,
            "change": group.change,
        }
        return labels(key, **{part: cell(name, value) for part, value in parts.items()})

    scores = ", ".join(f"{s}: {cell(f'score_{s}', n)}" for s, n in e.scores.items())
    left_out = labels("activities.eval.left_out", n=e.cells_left_out) if e.cells_left_out else ""
    actual = []
    if e.actual_cost is not None and e.over_budget is not None:
        side = "over" if e.over_budget > 0 else "under"
        actual.append(
            labels(
                f"activities.eval.actual_{side}",
                cost=f"{e.actual_cost:.2f}",
                per_participant=cell("actual_per_participant", e.actual_per_participant),
                difference=f"{abs(e.over_budget):.2f}",
            )
        )
    return [
        figures("activities.eval.people", "invited", "signed_up", "take_up", "waitlisted"),
        figures("activities.eval.attendance", "participants", "no_shows", "attendance"),
        figures(
            "activities.eval.satisfaction",
            "responses",
            mean=cell("satisfaction", e.satisfaction),
            scores=scores,
        ),
        labels(
            "activities.eval.windows",
            before_from=local(zone, e.before_from),
            starts=local(zone, e.starts_at),
            ends=local(zone, e.ends_at),
            after_until=local(zone, e.after_until),
            so_far="" if e.after_complete else labels("activities.eval.so_far"),
        ),
        spend("activities.eval.took_part", "took_part_spend", e.took_part),
        spend("activities.eval.compared", "compared_spend", e.compared),
        figures("activities.eval.lift", "lift", left_out=left_out),
        labels(
            "activities.eval.cost",
            budget=f"{e.budget:.2f}",
            per_place=f"{e.cost_per_place:.2f}",
            capacity=e.capacity,
            per_participant=cell("cost_per_participant", e.cost_per_participant),
            points=cell("points_credited", e.points_credited),
        ),
        *actual,
    ]


ACTIVITY_HOME_ROLES = PLANNERS | APPROVERS  # F4 on the home screen (and the analysts' F4)
