"""Running use cases from screens: blocking calls go to a thread worker, and every failure reaches
the person — a typed error as its message, anything else as "something went wrong, logged as
<id>" with the traceback in the log file, never on screen.

    @desk_work(exclusive=True, group="complaint")
    def load(self) -> None:
        card = self.app.usecases.complaints.card(self.app.touch_session(), self.complaint_no)
        self.app.call_from_thread(self._show, card)

When the body has run (or failed), the app is sent `WorkDone`, which tests await instead of
polling or sleeping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar, overload

from textual import work
from textual.message import Message
from textual.worker import Worker

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


class DeskNode(Protocol):
    """What `desk_work` runs the methods of: a screen or widget of the workbench app."""

    @property
    def app(self) -> WorkbenchApp: ...

    def post_message(self, message: Message) -> bool: ...


Node = TypeVar("Node", bound=DeskNode)
Params = ParamSpec("Params")
# A method whose body calls use cases, and the same method started as a thread worker.
Body = Callable[Concatenate[Node, Params], None]
Started = Callable[Concatenate[Node, Params], Worker[None]]


class WorkDone(Message):
    """A worker started with `desk_work` has finished: `name` is the method, `failed` says
    whether it ended in an error (already shown to the person)."""

    def __init__(self, name: str, failed: bool) -> None:
        super().__init__()
        self.name = name
        self.failed = failed


@overload
def desk_work(method: Body[Node, Params], /) -> Started[Node, Params]: ...


@overload
def desk_work(
    *, exclusive: bool = False, group: str = "default"
) -> Callable[[Body[Node, Params]], Started[Node, Params]]: ...


def desk_work(
    method: Body[Node, Params] | None = None, *, exclusive: bool = False, group: str = "default"
) -> Started[Node, Params] | Callable[[Body[Node, Params]], Started[Node, Params]]:
    """Decorate a screen or widget method whose body calls use cases: it runs in a thread
    worker and its failures become notifications (`WorkbenchApp.report_failure`)."""

    def decorate(body: Body[Node, Params]) -> Started[Node, Params]:
        @functools.wraps(body)
        def guarded(self: Node, /, *args: Params.args, **kwargs: Params.kwargs) -> None:
            # Taken first: once a worker's result has closed its screen (a modal dismissed
            # with what was done), the screen no longer reaches the app.
            app = self.app
            failed = True
            try:
                body(self, *args, **kwargs)
                failed = False
            except Exception as error:
                app.call_from_thread(
                    app.report_failure, error, f"{type(self).__name__}.{body.__name__}"
                )
            finally:
                # To the app, not the widget, for the same reason.
                app.post_message(WorkDone(body.__name__, failed))

        decorated = work(thread=True, exclusive=exclusive, group=group, exit_on_error=False)
        return decorated(guarded)

    return decorate(method) if method is not None else decorate
