"""What agents do with hotline calls: see the waiting calls (masked), take one, transfer it,
register a new caller, place the outbound call of a claimed callback, and read a member's or the
hotline's recent calls. The call desk (telephony) owns each of these transactions today; this
desk is the one door the screens and commands go through."""

from __future__ import annotations

from workbench.members.models import Staff
from workbench.telephony.desk import CallDesk, CallView, TakenCall
from workbench.telephony.models import Call


class HotlineDesk:
    def __init__(self, *, desk: CallDesk) -> None:
        self.desk = desk

    def waiting(self, actor: Staff) -> list[CallView]:
        return self.desk.waiting(actor)

    def take(self, actor: Staff, call_id: int) -> TakenCall:
        return self.desk.take(actor, call_id)

    def transfer(self, actor: Staff, call_id: int, queue: str) -> None:
        self.desk.transfer(actor, call_id, queue)

    def register_caller(self, actor: Staff, call_id: int, application: dict) -> str:
        """Registers the caller of a taken call as a new member (pending review); the number."""
        return self.desk.register_caller(actor, call_id, application)

    def place_callback(self, actor: Staff, task_id: int) -> int:
        return self.desk.place_callback(actor, task_id)

    def calls_of_member(self, actor: Staff, member_id: int, limit: int = 20) -> list[Call]:
        return self.desk.calls_of_member(actor, member_id, limit)

    def recent(self, actor: Staff, limit: int = 20) -> list[tuple[CallView, Call]]:
        return self.desk.recent(actor, limit)
