"""`workbench agent`: the signed-in agent's state (available, break, offline) and, for
supervisors, every agent's; `workbench calls wrap-up`: the disposition and note that end a
call's wrap-up. The same rules as the home screen's state key and wrap-up dialog."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.telephony.models import DISPOSITIONS
from workbench.telephony.presence_models import AgentState
from workbench.usecases.calls import AgentStateView, HotlineDesk

app = typer.Typer(help="Agent states: available, break, offline.", no_args_is_help=True)
calls_app = typer.Typer(help="Hotline calls: wrap-up.", no_args_is_help=True)
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


@calls_app.command("wrap-up")
def wrap_up_command(
    call_id: int = typer.Argument(..., help="The call you are wrapping up."),
    disposition: str = typer.Option(..., "--disposition", help=" | ".join(DISPOSITIONS)),
    note: str = typer.Option(..., "--note", help="What was done (required)."),
) -> None:
    """Finish a call's wrap-up with its disposition and a note; you are available again."""
    view = _desk().wrap_up(state.staff(), call_id, disposition, note)
    console.print(Text(f"call {call_id} wrapped up ({disposition}); "), _line(view))
