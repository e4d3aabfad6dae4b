"""Typed errors whose message a person can act on; the CLI and TUI show the message, not a trace."""


class WorkbenchError(Exception):
    """Base of every error the workbench reports to a person."""


class ConfigError(WorkbenchError):
    pass


class KeyringError(WorkbenchError):
    pass


class ValidationError(WorkbenchError):
    """Bad input: names the field and what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidPhoneNumber(ValidationError):
    def __init__(self, message: str = "not a mainland China mobile number (11 digits, 13x–19x)"):
        super().__init__("phone", message)


class InvalidIdNumber(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__("id_number", message)


class NotFound(WorkbenchError):
    pass


class DuplicateMember(WorkbenchError):
    """The phone or ID number is another member's. The message never names that member (it
    would let anyone map numbers to members); the audit entry of the refusal does."""

    def __init__(self, field: str) -> None:
        super().__init__(
            f"this {field} is already in use by another member — customer service can merge"
        )
        self.field = field


class InvalidState(WorkbenchError):
    """An action that the current state of a record does not allow."""


class MemberNotActive(InvalidState):
    """Points cannot move for a member who is not active: not yet approved, or terminated (their
    rights were settled at termination)."""


class CardNotUsable(InvalidState):
    """A card that is frozen (reported lost), replaced or closed may not earn or spend points."""


class InsufficientPoints(WorkbenchError):
    pass


class LimitExceeded(WorkbenchError):
    pass


class PermissionDenied(WorkbenchError):
    pass
