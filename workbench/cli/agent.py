"""`workbench agent`: the signed-in agent's state (available, break, offline) and, for
supervisors, every agent's; `workbench calls`: the call bar's operations on the signed-in
agent's call (current, hold, resume, transfer, end) and the disposition and note that end a
call's wrap-up. The same rules as the home screen's state key, the call bar's keys and the
wrap-up dialog: each command calls the hotline desk's use case, nothing else."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import InvalidState, ValidationError
from workbench.masking.text import safe_for_terminal
from workbench.telephony.desk import ActiveCall, clock_text
from workbench.telephony.models import DISPOSITIONS
from workbench.telephony.presence_models import AgentState
from workbench.usecases.calls import AgentStateView, HotlineDesk

app = typer.Typer(help="Agent states: available, break, offline.", no_args_is_help=True)
calls_app = typer.Typer(
    help="Your hotline call: see it, hold, resume, transfer, end, wrap up.", no_args_is_help=True
)
console = SafeConsole(highlight=False)


def _desk() -> HotlineDesk:
    calls = state.workbench(telephony=True).usecases.calls
    assert calls is not None  # built with telephony=True
    return calls


def _line(view: AgentStateView) -> Text:
    minutes, seconds = divmod(view.seconds_in_state, 60)
    line = Text(f"{view.username}: {view.state} for {minutes}:{seconds:02d}")
    if view.call_id is not None:
        line.append(f" (call {view.call_id})")
    if view.wrap_up_overdue:
        line.append(" - wrap-up overdue")
    return line


@app.command("state")
def state_command(
    new_state: str = typer.Argument(
        None, metavar="[available|break|offline]", help="Leave out to see your state."
    ),
) -> None:
    """Your state, or set it: available, break or offline (not during a call or wrap-up)."""
    desk, staff = _desk(), state.staff()
    view = desk.my_state(staff) if new_state is None else desk.set_my_state(staff, new_state)
    console.print(_line(view))


@app.command("states")
def states_command() -> None:
    """Every agent's state and how long they have been in it (supervisors)."""
    views = _desk().agent_states(state.staff())
    table = Table("agent", "state", "for", "call", "wrap-up")
    for view in views:
        minutes, seconds = divmod(view.seconds_in_state, 60)
        table.add_row(
            Text(view.username),
            view.state,
            f"{minutes}:{seconds:02d}",
            str(view.call_id or "-"),
            "overdue" if view.wrap_up_overdue else "",
        )
    console.print(table)


@app.command("report")
def report_command(
    day: str = typer.Option(None, "--day", help="YYYY-MM-DD (default: today)."),
) -> None:
    """Each agent's time in each state on a day, and wrap-ups past the limit (supervisors)."""
    wb = state.workbench(telephony=True)
    when = wb.clock.now().astimezone(wb.settings.timezone).date() if day is None else _day(day)
    table = Table("agent", *(s.value for s in AgentState), "wrap-ups", "overran")
    for line in _desk().state_report(state.staff(), when):
        minutes = [f"{line.seconds[s.value] // 60}m" for s in AgentState]
        table.add_row(Text(line.username), *minutes, str(line.wrap_ups), str(line.wrap_ups_overran))
    console.print(table)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("day", "a date as YYYY-MM-DD") from None


# The call bar's operations -------------------------------------------------------------------
CALL_OPTION_HELP = "The call (default: the one you are on)."
CALL_STATES = {"ringing": "ringing", "in_progress": "in progress", "on_hold": "on hold"}


def _my_call(desk: HotlineDesk, call_id: int | None) -> tuple[int, ActiveCall | None]:
    """The call a command acts on: --call, or the one the agent is on (refused when none).
    With --call, the use case itself refuses a call that is not the agent's."""
    staff = state.staff()
    call = desk.my_call(staff)
    if call_id is None:
        if call is None or call.state == "ended":
            raise InvalidState(f"{staff.username} is not on a call")
        return call.call_id, call
    return call_id, call if call is not None and call.call_id == call_id else None


def _call_line(call: ActiveCall) -> Text:
    """What the call bar shows, as one line: never markup (the number is masked already)."""
    now = state.workbench(telephony=True).clock.now()
    caller = "number withheld" if call.caller == "withheld" else call.caller
    who = f"member {call.member_no}" if call.member_no else "new caller"
    talk, held = call.talk_seconds(now), call.held_seconds(now)
    line = Text(f"call {call.call_id}: {CALL_STATES.get(call.state, call.state)}")
    line.append(f" · {caller} · {who} · talk {clock_text(talk)}")
    if held:
        line.append(f" · on hold {clock_text(held)}")
    if call.queue:
        line.append(f" · queue {call.queue}")
    return line


@calls_app.command("current")
def current_command() -> None:
    """The call you are on: caller (masked), member or new caller, state, talk and hold time;
    after a call, the wrap-up that is due."""
    desk, staff = _desk(), state.staff()
    call = desk.my_call(staff)
    if call is not None and call.state != "ended":
        console.print(_call_line(call))
        return
    now_in = desk.my_state(staff)
    if now_in.state == AgentState.WRAP_UP.value and now_in.call_id is not None:
        minutes, seconds = divmod(now_in.seconds_in_state, 60)
        line = Text(f"no call; wrap-up of call {now_in.call_id} due for {minutes}:{seconds:02d}")
        if now_in.wrap_up_overdue:
            line.append(" - overdue")
        line.append(f" (workbench calls wrap-up {now_in.call_id} --disposition X --note TEXT)")
        console.print(line)
        return
    console.print(Text(f"no call; {_line(now_in)}"))


@calls_app.command("hold")
def hold_command(
    call_id: int = typer.Option(None, "--call", help=CALL_OPTION_HELP),
) -> None:
    """Put the caller on hold (a call in, once connected); `calls resume` takes them back."""
    desk = _desk()
    target, _ = _my_call(desk, call_id)
    desk.hold(state.staff(), target)
    console.print(Text(f"call {target}: the caller is on hold (workbench calls resume)"))


@calls_app.command("resume")
def resume_command(
    call_id: int = typer.Option(None, "--call", help=CALL_OPTION_HELP),
) -> None:
    """Take the caller off hold: your phone rings again."""
    desk = _desk()
    target, _ = _my_call(desk, call_id)
    desk.resume(state.staff(), target)
    console.print(Text(f"call {target}: resuming, your phone rings"))


@calls_app.command("transfer")
def transfer_command(
    queue: str = typer.Option(..., "--queue", help="One of [telephony] transfer_queues."),
    call_id: int = typer.Option(None, "--call", help=CALL_OPTION_HELP),
) -> None:
    """Hand the caller to a queue (the supervisor, a department); the caller's record leaves
    you, and you wrap the call up."""
    desk = _desk()
    target, _ = _my_call(desk, call_id)
    desk.transfer(state.staff(), target, queue)
    console.print(
        Text(
            f"call {target}: transferred to {queue}; wrap it up with"
            f" workbench calls wrap-up {target} --disposition transferred --note TEXT"
        )
    )


@calls_app.command("end")
def end_command(
    call_id: int = typer.Option(None, "--call", help=CALL_OPTION_HELP),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Hang up (asks first, default no). The call is over when Twilio says so; then wrap it
    up."""
    desk = _desk()
    target, call = _my_call(desk, call_id)
    if call is not None:
        caller = "number withheld" if call.caller == "withheld" else call.caller
        question = f"End call {target} with {caller}?"
    else:
        question = f"End call {target}?"
    if not yes and not typer.confirm(safe_for_terminal(question), default=False):
        console.print("nothing done", markup=False)
        raise typer.Exit(1)
    desk.end_call(state.staff(), target)
    console.print(
        Text(
            f"call {target}: hanging up; once it has ended, wrap it up with"
            f" workbench calls wrap-up {target} --disposition X --note TEXT"
        )
    )


@calls_app.command("wrap-up")
def wrap_up_command(
    call_id: int = typer.Argument(..., help="The call you are wrapping up."),
    disposition: str = typer.Option(..., "--disposition", help=" | ".join(DISPOSITIONS)),
    note: str = typer.Option(..., "--note", help="What was done (required)."),
) -> None:
    """Finish a call's wrap-up with its disposition and a note; you are available again."""
    view = _desk().wrap_up(state.staff(), call_id, disposition, note)
    console.print(Text(f"call {call_id} wrapped up ({disposition}); "), _line(view))
