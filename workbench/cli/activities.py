"""`workbench activities`: member activities — plan (create, edit), submit, approve (or return),
list and show, invite by tier, sign members up, cancel a sign-up or the activity, the waitlist,
check in by card or member number, close with the no-shows, record the actual cost and a
satisfaction score, evaluate, the annual plan; and `workbench report activities`. Every
command signs in; the rules are the activity desk's (workbench/usecases/activities.py). Times
are local ("2026-04-18 14:00")."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import typer
from rich.text import Text

from workbench.activities.evaluation import Evaluation
from workbench.cli.output import SafeConsole
from workbench.cli.reports import legend, report_app, shown
from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.usecases.activities import ActivityDetail, ActivityLine, PlanForm, SignupLine

app = typer.Typer(
    help="Member activities: plan, approve, invite, sign up, check in, evaluate; the year's plan.",
    no_args_is_help=True,
)
console = SafeConsole(highlight=False, soft_wrap=True)

CODE = typer.Argument(..., metavar="ACTIVITY", help="The activity's code, e.g. A12.")
MEMBER = typer.Argument(..., metavar="MEMBER", help="Member number or card number.")


def _when(at: datetime | None) -> str:
    if at is None:
        return "—"
    return at.astimezone(state.settings().timezone).strftime("%Y-%m-%d %H:%M")


KIND = typer.Option(
    None,
    "--kind",
    help="new_product_launch, members_promotion, themed_experience, birthday_party, trip, "
    "presidents_meeting or other.",
)
THEME = typer.Option(None, "--theme", help="The theme, e.g. 春季新品品鉴会.")
STARTS = typer.Option(None, "--starts", help="Local start, e.g. 2026-04-18 14:00.")
ENDS = typer.Option(None, "--ends", help="Local end.")
CAPACITY = typer.Option(None, "--capacity", help="Places.")
STORE = typer.Option(
    None, "--store", help="The store holding it (head office; a store manager: theirs)."
)
PLACE = typer.Option(None, "--place", help="Where, when not at the store itself.")
BUDGET = typer.Option(None, "--budget", help="Budget in yuan, e.g. 8000.")
TIERS = typer.Option(None, "--tiers", help="Eligible tiers, e.g. silver,gold (default: all).")
STORES = typer.Option(None, "--stores", help="Eligible stores' codes (default: all).")
PRIORITY = typer.Option(None, "--priority-opens", help="When the priority tiers may sign up.")
OPENS = typer.Option(None, "--signup-opens", help="When everyone may sign up (default: now).")
CLOSES = typer.Option(None, "--signup-closes", help="When sign-up closes (default: the start).")
CANCEL = typer.Option(None, "--cancel-until", help="Last moment to cancel a sign-up.")
POINTS = typer.Option(None, "--points", help="Points for taking part (credited at check-in).")
CHANNELS = typer.Option(None, "--channels", help="Invitations by sms, email or sms,email.")
CONTENT = typer.Option(None, "--content", help="What happens: the programme.")


PLAN_OPTIONS = {
    "kind": KIND,
    "theme": THEME,
    "starts": STARTS,
    "ends": ENDS,
    "capacity": CAPACITY,
    "store": STORE,
    "place": PLACE,
    "budget": BUDGET,
    "tiers": TIERS,
    "stores": STORES,
    "priority_opens": PRIORITY,
    "signup_opens": OPENS,
    "signup_closes": CLOSES,
    "cancel_until": CANCEL,
    "points": POINTS,
    "channels": CHANNELS,
    "content": CONTENT,
}


def plan_options(
    *, without: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Gives a command the plan's options (but `without`), after its own parameters, and
    passes them on as one `form: PlanForm` (its last parameter): the options are written once
    for `create` and `edit`."""
    options = {name: option for name, option in PLAN_OPTIONS.items() if name not in without}

    def give(command: Callable[..., None]) -> Callable[..., None]:
        own = [p for p in inspect.signature(command).parameters.values() if p.name != "form"]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=str)
            for name, option in options.items()
        ]

        @functools.wraps(command)
        def run(*args: object, **kwargs: object) -> None:
            form = PlanForm(**{name: kwargs.pop(name) for name in options})  # type: ignore[arg-type]
            command(*args, form=form, **kwargs)

        run.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: str for p in [*own, *added]}
        return run

    return give


@app.command("create")
@plan_options()
def create_command(form: PlanForm) -> None:
    """Plan an activity (a draft): --kind, --theme, --starts, --ends and --capacity are needed."""
    detail = state.workbench().usecases.activities.create(state.staff(), form)
    console.print(Text(f"activity {detail.line.code} planned (draft): {detail.line.theme}"))


@app.command("edit")
@plan_options(without=("store",))
def edit_command(code: str = CODE, *, form: PlanForm) -> None:
    """Change a plan; after approval every change is recorded (who, when, old → new)."""
    detail = state.workbench().usecases.activities.edit(state.staff(), code, form)
    console.print(Text(f"activity {detail.line.code} changed ({detail.line.state})"))


@app.command("submit")
def submit_command(code: str = CODE) -> None:
    """Submit a draft for approval."""
    detail = state.workbench().usecases.activities.submit(state.staff(), code)
    console.print(Text(f"activity {detail.line.code} submitted for approval"))


@app.command("approve")
def approve_command(code: str = CODE) -> None:
    """Approve a submitted plan (a manager who did not plan it)."""
    detail = state.workbench().usecases.activities.approve(state.staff(), code)
    console.print(Text(f"activity {detail.line.code} approved: invitations may go out"))


@app.command("return")
def return_command(
    code: str = CODE, reason: str = typer.Option(..., "--reason", help="What to change.")
) -> None:
    """Send a submitted plan back to its planner, with the reason."""
    detail = state.workbench().usecases.activities.return_plan(state.staff(), code, reason)
    console.print(Text(f"activity {detail.line.code} returned to draft"))


@app.command("list")
def list_command(
    activity_state: str = typer.Option(None, "--state", help="Only activities in this state."),
    year: int = typer.Option(None, "--year", help="Only activities starting in this year."),
) -> None:
    """The activities you may see, by start time."""
    lines = state.workbench().usecases.activities.list(
        state.staff(), state=activity_state, year=year
    )
    if not lines:
        console.print("no activities", markup=False)
    for line in lines:
        console.print(Text("  ".join(_cells(line))))


def _cells(line: ActivityLine) -> list[str]:
    return [
        line.code,
        line.state,
        _when(line.starts_at),
        line.kind,
        line.theme,
        line.store_code or "head office",
        f"{_count(line.taken)}/{line.capacity} places",
    ]


def _count(n: int | None) -> str:
    """A count; one the reader may not see (a small group, ShownCounts) reads "<minimum"."""
    return f"<{state.settings().protection_min_group_size}" if n is None else str(n)


@app.command("show")
def show_command(
    code: str = CODE,
    participants: bool = typer.Option(False, "--participants", help="List who signed up."),
) -> None:
    """An activity's plan, its counts and its changes; --participants lists the sign-ups."""
    desk, staff = state.workbench().usecases.activities, state.staff()
    _print_detail(desk.show(staff, code))
    if participants:
        _print_signups(desk.participants(staff, code))


def _print_detail(d: ActivityDetail) -> None:
    line, c, n = d.line, d.counts, _count
    rows = [
        f"{line.code}  {line.state}  {line.kind}",
        f"theme: {line.theme}",
        f"time: {_when(line.starts_at)} – {_when(line.ends_at)}",
        f"place: {line.place or line.store_code or 'head office'}",
        f"capacity: {line.capacity} ({_count(line.taken)} taken)  budget: {line.budget:.2f}  "
        f"points: {line.points}",
        f"tiers: {', '.join(d.eligible_tiers) or 'all'}  stores: "
        f"{', '.join(d.eligible_stores) or 'all'}  priority: {', '.join(d.priority_tiers)}",
        f"sign-up: priority from {_when(d.priority_opens_at)}, everyone from "
        f"{_when(d.signup_opens_at)}, until {_when(d.signup_closes_at)}; cancel until "
        f"{_when(d.cancel_until)}",
        f"planned by {d.planner}; approved by {d.approved_by} {_when(d.approved_at)}",
        f"invited {n(c.invited)} ({n(c.invited_priority)} priority; "
        f"{n(c.invitations_queued)} queued, {n(c.invitations_skipped)} not sendable, "
        f"{n(c.invitations_pending)} pending)",
        f"signed up {n(c.confirmed)}, waitlisted {n(c.waitlisted)}, cancelled "
        f"{n(c.cancelled)}, checked in {n(c.checked_in)}, no-shows {n(c.no_shows)}, points "
        f"{n(c.points_credited)}",
    ]
    if not c.exact and c.hidden:
        rows.append(f"(<{c.minimum}: fewer than {c.minimum} members, or what would show them)")
    if d.content:
        rows.append(f"content: {d.content}")
    if d.cancel_reason:
        rows.append(f"cancelled {_when(d.cancelled_at)}: {d.cancel_reason}")
    if d.actual_cost is not None:
        rows.append(f"actual cost: {d.actual_cost:.2f} (budget {line.budget:.2f})")
    for row in rows:
        console.print(Text(row))
    for change in d.changes:
        mark = " (after approval)" if change.after_approval else ""
        console.print(
            Text(
                f"  {_when(change.at)} {change.staff}: {change.field} "
                f"{change.old} → {change.new}{mark}"
            )
        )


def _print_signups(lines: tuple[SignupLine, ...]) -> None:
    if not lines:
        console.print("no sign-ups", markup=False)
    for n, line in enumerate(lines, 1):
        status = "no-show" if line.no_show else line.status
        if line.checked_in_at:
            status = f"checked in {_when(line.checked_in_at)}"
        console.print(
            Text(
                f"{n}. {line.member.member_no} {line.member.masked_name}  {status}  "
                f"by {line.channel} {_when(line.queued_at)}"
            )
        )


@app.command("invite")
def invite_command(code: str = CODE) -> None:
    """Invite the eligible members (priority tiers first) through the outbox."""
    done = state.workbench().usecases.activities.invite(state.staff(), code)
    console.print(
        Text(
            f"{done.code}: {done.written} members invited now; {done.messages} messages queued, "
            f"{done.skipped} invitations could not be sent"
        )
    )
    for reason, n in sorted(done.reasons.items()):
        console.print(Text(f"  {n}: {reason}"))


@app.command("signup")
def signup_command(code: str = CODE, member: str = MEMBER) -> None:
    """Sign a member up: a place while there is one, else the waitlist."""
    done = state.workbench().usecases.activities.sign_up(state.staff(), code, member)
    who = f"{done.member.member_no} {done.member.masked_name}"
    if done.status == "waitlisted":
        said = f"on the waitlist of {done.code}, number {done.waitlist_position}"
    else:
        said = f"has a place at {done.code}"
    console.print(Text(f"{who} {said}{' (already)' if done.already else ''}"))


@app.command("cancel")
def cancel_command(
    code: str = CODE,
    member: str = typer.Argument(
        None, metavar="[MEMBER]", help="Cancel this member's sign-up (else: the activity)."
    ),
    reason: str = typer.Option(None, "--reason", help="Why the activity is cancelled."),
) -> None:
    """Cancel a member's sign-up (before the cut-off), or with --reason the whole activity."""
    desk, staff = state.workbench().usecases.activities, state.staff()
    if member:
        line = desk.cancel_signup(staff, code, member)
        console.print(Text(f"{line.member.member_no} {line.member.masked_name}: sign-up cancelled"))
        return
    if not reason:
        raise ValidationError("cancel", "name a MEMBER, or give --reason to cancel the activity")
    detail, told = desk.cancel_activity(staff, code, reason)
    console.print(Text(f"activity {detail.line.code} cancelled; {told} messages to members"))


@app.command("waitlist")
def waitlist_command(code: str = CODE) -> None:
    """The waitlist in order: the first gets the next place that frees up."""
    _print_signups(state.workbench().usecases.activities.waitlist(state.staff(), code))


@app.command("checkin")
def checkin_command(code: str = CODE, member: str = MEMBER) -> None:
    """Check a member in by card or member number (points once)."""
    done = state.workbench().usecases.activities.check_in(state.staff(), code, member)
    who = f"{done.member.member_no} {done.member.masked_name}"
    if done.already:
        console.print(Text(f"{who} already checked in at {_when(done.at)}: no more points"))
    else:
        console.print(Text(f"{who} checked in at {done.code}: {done.points} points"))


@app.command("close")
def close_command(code: str = CODE) -> None:
    """After the activity: mark it done and the confirmed members who did not come no-shows."""
    done = state.workbench().usecases.activities.close(state.staff(), code)
    console.print(Text(f"{done.code} done: {done.checked_in} checked in, {done.no_shows} no-shows"))


@app.command("cost")
def cost_command(
    code: str = CODE,
    amount: str = typer.Argument(..., metavar="AMOUNT", help="What it cost, in yuan: 7450.50."),
) -> None:
    """Record what the activity actually cost, once it has taken place (again to correct it)."""
    detail = state.workbench().usecases.activities.record_cost(state.staff(), code, amount)
    cost = detail.actual_cost
    console.print(
        Text(f"{detail.line.code}: cost {cost:.2f} recorded (budget {detail.line.budget:.2f})")
    )


@app.command("score")
def score_command(
    code: str = CODE,
    member: str = MEMBER,
    score: str = typer.Argument(..., metavar="SCORE", help="1 (poor) to 5 (excellent)."),
) -> None:
    """Record a participant's satisfaction score told to staff (the latest one counts)."""
    line = state.workbench().usecases.activities.record_score(state.staff(), code, member, score)
    console.print(Text(f"{line.member.member_no} {line.member.masked_name}: score recorded"))


@app.command("evaluate")
def evaluate_command(code: str = CODE) -> None:
    """The activity's evaluation (活动总结): aggregates only, small groups hidden."""
    evaluation = state.workbench().usecases.activities.evaluate(state.staff(), code)
    for row in evaluation_rows(evaluation):
        console.print(Text(row))
    console.print(Text(legend(evaluation.minimum)))


def _cell(e: Evaluation, name: str, value: object) -> str:
    if isinstance(value, Decimal):
        value = f"{value:.2f}" if value.as_tuple().exponent == -2 else f"{value:.1%}"
    return shown(value, e.minimum, e.hidden.get(name))


def evaluation_rows(e: Evaluation) -> list[str]:
    """The evaluation as lines of text: the same figures the TUI shows."""
    so_far = "" if e.after_complete else " (so far: the 30 days after have not all passed)"
    scores = ", ".join(f"{s}: {_cell(e, f'score_{s}', n)}" for s, n in e.scores.items())
    p, c = e.took_part, e.compared
    spend = "-"
    if p.members is not None:
        spend = (
            f"{p.members} participants: {p.mean_before:.2f} before, {p.mean_after:.2f} after, "
            f"change {p.change:+.2f} per member"
        )
    elif "took_part_spend" in e.hidden:
        spend = _cell(e, "took_part_spend", None)
    compared = "-"
    if c.members is not None:
        compared = (
            f"{c.members} invited members who did not come (same tiers and stores): "
            f"{c.mean_before:.2f} before, {c.mean_after:.2f} after, change {c.change:+.2f}"
        )
    elif "compared_spend" in e.hidden:
        compared = _cell(e, "compared_spend", None)
    rows = [
        f"{e.code}  {e.state}  {e.theme}",
        f"time: {_when(e.starts_at)} – {_when(e.ends_at)}",
        f"invited {_cell(e, 'invited', e.invited)}, signed up {_cell(e, 'signed_up', e.signed_up)}"
        f" (take-up {_cell(e, 'take_up', e.take_up)}), waitlisted "
        f"{_cell(e, 'waitlisted', e.waitlisted)}",
        f"participants {_cell(e, 'participants', e.participants)}, no-shows "
        f"{_cell(e, 'no_shows', e.no_shows)} (attendance {_cell(e, 'attendance', e.attendance)})",
        f"satisfaction: {_cell(e, 'satisfaction', e.satisfaction)} from "
        f"{_cell(e, 'responses', e.responses)} responses ({scores})",
        f"spend {_when(e.before_from)} – {_when(e.starts_at)} vs {_when(e.ends_at)} – "
        f"{_when(e.after_until)}{so_far}:",
        f"  {spend}",
        f"  {compared}",
        f"  lift per participant: {_cell(e, 'lift', e.lift)}"
        + (f" ({e.cells_left_out} tier/store groups without enough to compare left out)"
           if e.cells_left_out else ""),
        f"budget {e.budget:.2f}: {e.cost_per_place:.2f} per place ({e.capacity}), "
        f"{_cell(e, 'cost_per_participant', e.cost_per_participant)} per participant; points "
        f"{_cell(e, 'points_credited', e.points_credited)}",
    ]  # fmt: skip
    if e.actual_cost is not None:
        rows.append(_actual(e))
    return rows


def _actual(e: Evaluation) -> str:
    """The recorded cost, per participant and against the budget."""
    assert e.over_budget is not None
    side = "over" if e.over_budget > 0 else "under"
    per = _cell(e, "actual_per_participant", e.actual_per_participant)
    return (
        f"actual cost {e.actual_cost:.2f}: {per} per participant; "
        f"{abs(e.over_budget):.2f} {side} the budget"
    )


@app.command("plan")
def plan_command(
    year: int = typer.Option(..., "--year", help="The year, e.g. 2027."),
    store: str = typer.Option(None, "--store", help="Only the activities this store holds."),
) -> None:
    """The annual plan: the year's activities by month, with their states."""
    plan = state.workbench().usecases.activities.plan(state.staff(), year=year, store=store)
    console.print(Text(f"{plan.year} {plan.store_code or 'whole company'}"))
    console.print(
        Text(", ".join(f"{STATE_WORDS.get(s, s)} {n}" for s, n in plan.states.items()))
        + Text(f"; budget {plan.budget:.2f}")
    )
    for month in plan.months:
        if not month.activities:
            continue
        console.print(Text(f"{plan.year}-{month.month:02d}"))
        for line in month.activities:
            cells = _cells(line)
            cells[1] = STATE_WORDS.get(line.state, line.state)
            console.print(Text("  " + "  ".join(cells)))


STATE_WORDS = {"draft": "planned"}  # the annual plan's word for a draft


@report_app.command("activities")
def report_activities(
    year: int = typer.Option(..., "--year", help="The year, e.g. 2026."),
    store: str = typer.Option(None, "--store", help="Only the activities this store holds."),
) -> None:
    """Activities' evaluations (running and done) of a year: aggregates, small groups hidden."""
    staff = state.staff()
    evaluations = state.workbench().usecases.activities.report(staff, year=year, store=store)
    if not evaluations:
        console.print("no activities have started in that year", markup=False)
        return
    console.print(Text(f"activities {year}{' ' + store if store else ''}"))
    for e in evaluations:
        lift = _cell(e, "lift", e.lift)
        cells = (
            e.code,
            e.state,
            f"invited {_cell(e, 'invited', e.invited)}",
            f"signed up {_cell(e, 'signed_up', e.signed_up)}",
            f"participants {_cell(e, 'participants', e.participants)}",
            f"no-shows {_cell(e, 'no_shows', e.no_shows)}",
            f"satisfaction {_cell(e, 'satisfaction', e.satisfaction)}",
            f"per participant {_cell(e, 'cost_per_participant', e.cost_per_participant)}",
            f"budget {e.budget:.2f}",
            "cost not recorded" if e.actual_cost is None else f"cost {e.actual_cost:.2f}",
            f"spend lift {lift}{'' if e.after_complete or lift == '-' else ' (so far)'}",
            e.theme,
        )
        console.print(Text("  ".join(cells)))
    console.print(Text(legend(evaluations[0].minimum)))
