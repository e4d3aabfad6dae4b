"""What can go wrong talking to Odoo, as errors a person can act on. Messages name settings,
models and record ids, never personal data (Odoo's own text about a record may quote it, so it
is not passed on)."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class OdooError(WorkbenchError):
    """The Odoo sync could not do something; the message says what to do about it."""


class OdooNotConfigured(OdooError):
    pass


class OdooUnreachable(OdooError):
    """No answer, or an answer that is not Odoo's JSON-RPC."""


class OdooLoginFailed(OdooError):
    """Wrong login, password or API key, or no such database."""


class OdooAccessDenied(OdooError):
    """The sync's Odoo user lacks a right on a model."""

    def __init__(self, message: str, *, model: str) -> None:
        super().__init__(message)
        self.model = model


class OdooModelMissing(OdooError):
    def __init__(self, message: str, *, model: str) -> None:
        super().__init__(message)
        self.model = model


class OdooFieldMissing(OdooError):
    """A setting names a field the Odoo model does not have."""


class OdooRecordRejected(OdooError):
    """Odoo refused one write or create (a constraint, a deleted record): the record is skipped
    and reported, the others go on. `kind` is Odoo's exception name, e.g. ValidationError."""

    def __init__(self, message: str, *, model: str, kind: str) -> None:
        super().__init__(message)
        self.model = model
        self.kind = kind


class OdooSyncBusy(OdooError):
    pass


class OdooSyncIncomplete(OdooError):
    """The run went on past model-level problems; they are listed here."""
