"""Running use cases from screens: blocking calls go to a thread worker, and every failure reaches
the person — a typed error as its message, anything else as "something went wrong, logged as
<id>" with the traceback in the log file, never on screen.

    @desk_work(exclusive=True, group="complaint")
    def load(self) -> None:
        card = self.app.usecases.complaints.card(self.app.touch_session(), self.complaint_no)
        self.app.call_from_thread(self._show, card)

When the body has run (or failed), the widget posts `WorkDone`, which tests await instead of
polling or sleeping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work
from textual.message import Message

Method = TypeVar("Method", bound=Callable[..., Any])


class WorkDone(Message):
    """A worker started with `desk_work` has finished: `name` is the method, `failed` says
    whether it ended in an error (already shown to the person)."""

    def __init__(self, name: str, failed: bool) -> None:
        super().__init__()
        self.name = name
        self.failed = failed


def desk_work(
    method: Method | None = None, *, exclusive: bool = False, group: str = "default"
) -> Any:
    """Decorate a screen or widget method whose body calls use cases: it runs in a thread
    worker and its failures become notifications (`WorkbenchApp.report_failure`)."""

    def decorate(body: Method) -> Method:
        @functools.wraps(body)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> None:
            failed = True
            try:
                body(self, *args, **kwargs)
                failed = False
            except Exception as error:
                app = self.app
                app.call_from_thread(
                    app.report_failure, error, f"{type(self).__name__}.{body.__name__}"
                )
            finally:
                self.post_message(WorkDone(body.__name__, failed))

        decorated = work(thread=True, exclusive=exclusive, group=group, exit_on_error=False)
        return decorated(guarded)  # type: ignore[return-value]

    return decorate(method) if method is not None else decorate
