"""The use cases: each thing a person does, as a method that takes the acting staff member and
plain arguments, checks the role, runs in one transaction of its own (`UnitOfWork`) and returns
a read model. The TUI, the CLI, the webhook server and the scheduler call these and nothing
below them (tests/unit/test_edges_call_use_cases.py keeps it so).

One desk per area; `build_usecases` gives each its collaborators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.usecases.base import UnitOfWork
from workbench.usecases.calls import HotlineDesk
from workbench.usecases.complaints import ComplaintDesk
from workbench.usecases.messages import MessageDesk

if TYPE_CHECKING:
    from workbench.bootstrap import Services, Telephony


@dataclass(frozen=True)
class UseCases:
    complaints: ComplaintDesk
    calls: HotlineDesk | None  # None: built without the hotline
    messages: MessageDesk


def build_usecases(s: Services, telephony: Telephony | None) -> UseCases:
    uow = UnitOfWork(s.sessions)
    return UseCases(
        complaints=ComplaintDesk(uow=uow, complaints=s.complaints, reports=s.complaint_reports),
        calls=HotlineDesk(desk=telephony.desk) if telephony else None,
        messages=MessageDesk(messages=s.messages),
    )
