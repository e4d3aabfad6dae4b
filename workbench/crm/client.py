"""The Odoo connection over odoorpc: log in with the settings, call model methods, count round
trips, and turn every failure into an error a person can act on.

odoorpc logs whole requests and answers at DEBUG, the password included (it hides a `password`
parameter, but the JSON-RPC `object` service carries it in `args`), and partners' names and
phones with them: its loggers are held at WARNING whatever the workbench's log level.
"""

from __future__ import annotations

import http.client
import logging
import socket
import urllib.error
from collections.abc import Callable
from http.cookiejar import CookieJar
from typing import Any, TypeVar
from urllib.request import HTTPCookieProcessor, Request, build_opener

import odoorpc

from workbench.crm.errors import (
    OdooAccessDenied,
    OdooError,
    OdooFieldMissing,
    OdooLoginFailed,
    OdooModelMissing,
    OdooNotConfigured,
    OdooRecordRejected,
    OdooUnreachable,
)
from workbench.crm.mapping import OdooRecord
from workbench.crm.options import Domain, OdooConfig
from workbench.logs import redact

T = TypeVar("T")
RECORD_ERRORS = (
    "ValidationError",
    "UserError",
    "MissingError",
    "IntegrityError",
    "NotNullViolation",
    "UniqueViolation",
    "ForeignKeyViolation",
    "CheckViolation",
)
VERBS = {"read": "read", "write": "change", "create": "create"}


class _CountingOpener:
    """urllib's opener with odoorpc's cookie handling, counting each request made."""

    def __init__(self) -> None:
        self._opener = build_opener(HTTPCookieProcessor(CookieJar()))
        self.requests = 0

    def open(self, request: Request, *, timeout: float) -> http.client.HTTPResponse:
        """As odoorpc's JSON-RPC proxy calls it; an http(s) request answers an HTTPResponse."""
        self.requests += 1
        response: http.client.HTTPResponse = self._opener.open(request, timeout=timeout)
        return response


class OdooClient:
    def __init__(self, odoo: odoorpc.ODOO, config: OdooConfig, opener: _CountingOpener) -> None:
        self._odoo = odoo
        self.config = config
        self._opener = opener
        self._fields: dict[str, dict[str, str]] = {}
        # The companies whose records calls see ([odoo] allowed_company_ids, sent as the
        # context's allowed_company_ids); empty: the user's current company, as Odoo does.
        self.companies: tuple[int, ...] = ()

    @classmethod
    def connect(cls, config: OdooConfig) -> OdooClient:
        missing = config.missing()
        if missing:
            raise OdooNotConfigured(f"Odoo sync needs {', '.join(missing)} to be set")
        for name in ("odoorpc", "odoorpc.rpc.jsonrpclib"):
            logging.getLogger(name).setLevel(logging.WARNING)
        opener = _CountingOpener()
        try:
            odoo = odoorpc.ODOO(
                config.host,
                protocol=config.protocol,
                port=config.port,
                timeout=config.timeout,
                opener=opener,
            )
        except Exception as exc:
            raise _unreachable(config, exc) from None
        client = cls(odoo, config, opener)
        try:
            odoo.login(config.database, config.login, config.password)
        except odoorpc.error.RPCError as exc:
            if str(exc) == "Wrong login ID or password":
                raise OdooLoginFailed(
                    f"Odoo at {config.where} refused the login {config.login!r} on database "
                    f"{config.database!r}: check [odoo] login and the password or API key in "
                    "WORKBENCH_ODOO_PASSWORD"
                ) from None
            raise client._translate(exc, "res.users", "read") from None
        except Exception as exc:
            raise _unreachable(config, exc) from None
        return client

    # Facts about the server ----------------------------------------------------------------------
    @property
    def version(self) -> str:
        return str(self._odoo.version)

    @property
    def uid(self) -> int:
        uid: int = self._odoo.env.uid
        return uid

    @property
    def round_trips(self) -> int:
        return self._opener.requests

    def user_name(self) -> str:
        [user] = self.read("res.users", [self.uid], ["name", "login"])
        return f"{user['name']} ({user['login']})"

    def has_model(self, model: str) -> bool:
        """Whether the model is installed (odoorpc searches ir.model)."""
        return self._call("ir.model", "read", lambda: model in self._odoo.env)

    def fields(self, model: str) -> dict[str, str]:
        """The model's fields and their types (one fields_get, kept for the connection)."""
        if model not in self._fields:
            proxy = self._call(model, "read", lambda: self._odoo.env[model])
            self._fields[model] = {name: f.type for name, f in proxy._columns.items()}
            self._fields[model].setdefault("id", "integer")
        return self._fields[model]

    def choices(self, model: str, name: str) -> list[str] | None:
        """The values a selection field offers (None: not a selection field, or no such field)."""
        proxy = self._call(model, "read", lambda: self._odoo.env[model])
        column = proxy._columns.get(name)
        selection = getattr(column, "selection", None) if column is not None else None
        if not isinstance(selection, list | tuple):
            return None
        return [str(item[0]) for item in selection if isinstance(item, list | tuple) and item]

    def require_fields(self, model: str, names: list[str], setting: str) -> None:
        missing = [name for name in names if name.split(".")[0] not in self.fields(model)]
        if missing:
            raise OdooFieldMissing(
                f"Odoo's {model} has no field {', '.join(missing)}, which {setting} names: "
                "install the app that adds it, or change the setting"
            )

    # Model methods -------------------------------------------------------------------------------
    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: list[str],
        *,
        limit: int,
        order: str,
        offset: int = 0,
    ) -> list[OdooRecord]:
        return self._call(
            model,
            "read",
            lambda: self._odoo.execute_kw(
                model,
                "search_read",
                [domain],
                self._kw(fields=fields, limit=limit, offset=offset, order=order),
            ),
        )

    def search_count(self, model: str, domain: Domain) -> int:
        count: int = self._call(
            model,
            "read",
            lambda: self._odoo.execute_kw(model, "search_count", [domain], self._kw()),
        )
        return count

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[OdooRecord]:
        return self._call(
            model, "read", lambda: self._odoo.execute_kw(model, "read", [ids, fields], self._kw())
        )

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self._call(
            model,
            "write",
            lambda: self._odoo.execute_kw(model, "write", [ids, values], self._kw()),
        )

    def create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        return self._call(
            model, "create", lambda: self._odoo.execute_kw(model, "create", [values], self._kw())
        )

    def _kw(self, **kwargs: Any) -> dict[str, Any]:
        if self.companies:
            kwargs["context"] = {"allowed_company_ids": list(self.companies)}
        return kwargs

    def companies_visible(self) -> tuple[int | None, list[tuple[int, str]]]:
        """The user's current company and every company it may work in: (id, name)."""
        [user] = self._call(
            "res.users",
            "read",
            lambda: self._odoo.execute_kw(
                "res.users", "read", [[self.uid], ["company_id", "company_ids"]]
            ),
        )
        current = user.get("company_id")
        current_id = int(current[0]) if isinstance(current, list | tuple) and current else None
        ids = [int(i) for i in user.get("company_ids") or []]
        if not ids:
            return current_id, []
        rows = self._call(
            "res.company",
            "read",
            lambda: self._odoo.execute_kw("res.company", "read", [ids, ["name"]]),
        )
        return current_id, sorted((int(r["id"]), str(r.get("name") or "")) for r in rows)

    # Errors --------------------------------------------------------------------------------------
    def _call(self, model: str, operation: str, function: Callable[[], T]) -> T:
        try:
            return function()
        except odoorpc.error.RPCError as exc:
            raise self._translate(exc, model, operation) from None
        except OdooError:
            raise
        except Exception as exc:
            raise _unreachable(self.config, exc) from None

    def _translate(self, exc: odoorpc.error.RPCError, model: str, operation: str) -> OdooError:
        info = exc.info if isinstance(exc.info, dict) else {}
        data = info.get("data") or {}
        name = str(data.get("name") or "")
        kind = name.rsplit(".", 1)[-1] or "error"
        first_line = redact(str(data.get("message") or exc).strip().splitlines()[0])[:200]
        login = self.config.login
        if kind == "AccessDenied":
            return OdooLoginFailed(
                f"Odoo refused the credentials of {login!r}: the password or API key in "
                "WORKBENCH_ODOO_PASSWORD may have changed or expired"
            )
        if kind == "AccessError":
            return OdooAccessDenied(
                f"the Odoo user {login!r} may not {VERBS[operation]} {model} records ({first_line}): "
                f"grant it that right in Odoo, or leave {model} out of the settings",
                model=model,
            )
        if (
            kind == "UserError"
            and first_line.startswith("Object ")
            and "doesn't exist" in first_line
        ):
            return OdooModelMissing(
                f"Odoo has no model {model} (is its app installed?)", model=model
            )
        if kind == "OperationalError" and "does not exist" in first_line:
            return OdooLoginFailed(
                f"Odoo at {self.config.where} has no database {self.config.database!r}: "
                "check [odoo] database"
            )
        if kind == "ValueError" and "Invalid field" in first_line:
            return OdooFieldMissing(
                f"Odoo's {model} refused a field the workbench asked for: {first_line}"
            )
        if kind == "ValueError" and first_line.startswith("Wrong value for "):
            # a value a selection field does not offer: that record is refused, not the field
            field_name = first_line[len("Wrong value for ") :].split(":", 1)[0].strip()
            return OdooRecordRejected(
                f"Odoo refused to {VERBS[operation]} {model}: {field_name} does not offer that "
                "value (compare its choices with `workbench odoo check`)",
                model=model,
                kind=kind,
            )
        if kind in RECORD_ERRORS:
            # Odoo's text about a record may quote its data: name the kind only.
            return OdooRecordRejected(
                f"Odoo refused to {VERBS[operation]} {model} ({kind})", model=model, kind=kind
            )
        return OdooError(f"Odoo failed to {VERBS[operation]} {model} ({name}): {first_line}")


def _unreachable(config: OdooConfig, exc: Exception) -> OdooUnreachable:
    if isinstance(exc, urllib.error.HTTPError):
        why = f"it answered HTTP {exc.code} (is this an Odoo server, and the port right?)"
    elif isinstance(exc, urllib.error.URLError):
        why = f"{exc.reason}"
    elif isinstance(exc, socket.timeout | TimeoutError):
        why = f"no answer within {config.timeout:g} s ([odoo] timeout_seconds)"
    elif isinstance(exc, http.client.HTTPException | ConnectionError):
        why = f"the connection broke ({type(exc).__name__})"
    elif isinstance(exc, ValueError | KeyError | TypeError):
        why = "the answer is not Odoo's JSON-RPC (is this an Odoo server, and the port right?)"
    else:
        why = type(exc).__name__
    return OdooUnreachable(f"Odoo at {config.where} is unreachable: {why}")
