"""A local HTTP server that answers Odoo 17's JSON-RPC the way odoorpc 0.10.1 uses it, over an
in-memory model store.

What odoorpc sends (checked against its source, odoorpc/odoo.py, env.py, models.py):
- `ODOO(host, port=…)` POSTs `/web/webclient/version_info` and reads `result.server_version`;
- `login(db, user, password)` calls service `common` method `login` → the uid, or `false` when the
  password is wrong (odoorpc then raises "Wrong login ID or password"); then service `object`
  `execute(db, uid, password, "res.users", "context_get")`;
- `env[model]` calls `execute(…, model, "fields_get")` once and builds its proxy from the answer;
  `model in env` calls `execute(…, "ir.model", "search", [("model", "=", model)])`;
- every model method goes through `execute_kw(db, uid, password, model, method, args, kwargs)`
  with the user context in kwargs.

What Odoo does that a client must live with, and this peer does too:
- errors come back with HTTP 200 as `{"error": {"code": 200, "message": "Odoo Server Error",
  "data": {"name": "odoo.exceptions.AccessError", "message": …, "arguments": […], "debug": …}}}`;
- `write_date` is stamped by the database with microseconds (one stamp per transaction, i.e. per
  call), read back cut to whole seconds, and compared at full precision: `write_date > "…:05"`
  matches a row written at …:05.250000;
- `search_read`/`read` give a many2one as `[id, display_name]`, `read(load="_classic_write")`
  as a bare id; `create` with one dict answers an id, with a list the ids;
- every call is one transaction: a constraint that fails rolls the whole call back.

Faults for tests: `deny(model, operation)`, `constraints[model]` (a record validator), `fail_after`
(drop the connection without an answer after N more object calls), `on_call` (a hook that runs
before each object call, e.g. to stop there while a test kills the client).
"""

from __future__ import annotations

import bisect
import json
import re
import ssl
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ODOO_FORMAT = "%Y-%m-%d %H:%M:%S"
VERSION_INFO = {
    "server_version": "17.0",
    "server_version_info": [17, 0, 0, "final", 0, ""],
    "server_serie": "17.0",
    "protocol_version": 1,
}


class OdooException(Exception):
    """Raised inside the peer; answered in Odoo's error format under `name`."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def access_error(message: str) -> OdooException:
    return OdooException("odoo.exceptions.AccessError", message)


def value_error(message: str) -> OdooException:
    return OdooException("builtins.ValueError", message)


@dataclass
class FieldDef:
    type: str
    string: str
    relation: str | None = None
    selection: list[list[str]] | None = None
    required: bool = False
    readonly: bool = False

    def describe(self) -> dict:
        data = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": True,
            "searchable": True,
            "sortable": True,
        }
        if self.relation:
            data["relation"] = self.relation
        if self.selection is not None:
            data["selection"] = self.selection
        return data


def _f(type_: str, string: str, **kw) -> FieldDef:
    return FieldDef(type_, string, **kw)


AUDIT_FIELDS = {
    "id": _f("integer", "ID", readonly=True),
    "display_name": _f("char", "Display Name", readonly=True),
    "create_date": _f("datetime", "Created on", readonly=True),
    "write_date": _f("datetime", "Last Updated on", readonly=True),
}


def partner_fields() -> dict[str, FieldDef]:
    membership = [
        ["none", "Non Member"],
        ["canceled", "Cancelled Member"],
        ["old", "Old Member"],
        ["waiting", "Waiting Member"],
        ["invoiced", "Invoiced Member"],
        ["free", "Free Member"],
        ["paid", "Paid Member"],
    ]
    return {
        **AUDIT_FIELDS,
        "name": _f("char", "Name"),
        "is_company": _f("boolean", "Is a Company"),
        "active": _f("boolean", "Active"),
        "phone": _f("char", "Phone"),
        "mobile": _f("char", "Mobile"),
        "email": _f("char", "Email"),
        "street": _f("char", "Street"),
        "street2": _f("char", "Street2"),
        "city": _f("char", "City"),
        "zip": _f("char", "Zip"),
        "membership_state": _f(
            "selection", "Current Membership Status", selection=membership, readonly=True
        ),
        # Custom fields (Studio) the workbench writes and reads.
        "x_id_number": _f("char", "ID Card Number"),
        "x_workbench_tier": _f("char", "Member Tier"),
        "x_workbench_points": _f("integer", "Points Balance"),
        "x_workbench_sms_opt_out": _f("boolean", "No Marketing SMS"),
        "x_workbench_email_opt_out": _f("boolean", "No Marketing E-mail"),
        "x_workbench_do_not_call": _f("boolean", "Do Not Call"),
        # multi-company: empty, the contact is shared by every company
        "company_id": _f("many2one", "Company", relation="res.company"),
    }


def order_fields(states: list[list[str]], *, refunds: bool = False) -> dict[str, FieldDef]:
    fields = {
        **AUDIT_FIELDS,
        "name": _f("char", "Order Reference", required=True),
        "partner_id": _f("many2one", "Customer", relation="res.partner"),
        "amount_total": _f("monetary", "Total"),
        "date_order": _f("datetime", "Order Date"),
        "state": _f("selection", "Status", selection=states),
        "company_id": _f("many2one", "Company", relation="res.company"),
    }
    if refunds:  # Odoo 16+ pos.order: a refund (negative amount) names the orders it refunds
        fields["refunded_order_ids"] = _f("many2many", "Refunded Orders", relation="pos.order")
    return fields


SALE_STATES = [
    ["draft", "Quotation"],
    ["sent", "Quotation Sent"],
    ["sale", "Sales Order"],
    ["cancel", "Cancelled"],
]
POS_STATES = [
    ["draft", "New"],
    ["cancel", "Cancelled"],
    ["paid", "Paid"],
    ["done", "Posted"],
    ["invoiced", "Invoiced"],
]
PRIORITIES = [
    ["0", "Low priority"],
    ["1", "Medium priority"],
    ["2", "High priority"],
    ["3", "Urgent"],
]


def default_models() -> dict[str, tuple[str, dict[str, FieldDef]]]:
    """model → (description, fields) of an Odoo with Contacts, Membership, Sales, Point of Sale
    and Helpdesk installed."""
    return {
        "ir.model": (
            "Models",
            {**AUDIT_FIELDS, "model": _f("char", "Model"), "name": _f("char", "Model Description")},
        ),
        "res.company": ("Companies", {**AUDIT_FIELDS, "name": _f("char", "Company Name")}),
        "res.users": (
            "User",
            {
                **AUDIT_FIELDS,
                "login": _f("char", "Login"),
                "name": _f("char", "Name"),
                "company_id": _f("many2one", "Company", relation="res.company"),
                "company_ids": _f("many2many", "Companies", relation="res.company"),
            },
        ),
        "res.partner": ("Contact", partner_fields()),
        "sale.order": ("Sales Order", order_fields(SALE_STATES)),
        "pos.order": ("Point of Sale Orders", order_fields(POS_STATES, refunds=True)),
        "helpdesk.stage": (
            "Helpdesk Stage",
            {
                **AUDIT_FIELDS,
                "name": _f("char", "Stage Name", required=True),
                "sequence": _f("integer", "Sequence"),
                "fold": _f("boolean", "Folded in Kanban"),
            },
        ),
        "helpdesk.ticket": (
            "Helpdesk Ticket",
            {
                **AUDIT_FIELDS,
                "name": _f("char", "Subject", required=True),
                "partner_id": _f("many2one", "Customer", relation="res.partner"),
                "description": _f("html", "Description"),
                "priority": _f("selection", "Priority", selection=PRIORITIES),
                # a new ticket without one is put in the first stage (Odoo's _default_stage_id)
                "stage_id": _f("many2one", "Stage", relation="helpdesk.stage"),
            },
        ),
    }


# A Helpdesk team's stages as a Chinese-language Odoo names them: (name, sequence, folded).
HELPDESK_STAGES = [
    ("新建", 0, False),
    ("处理中", 1, False),
    ("已解决", 2, True),
    ("已关闭", 3, True),
]


class Table:
    """One model's records, with an index on (write_date, id) for incremental readers."""

    def __init__(self, name: str, description: str, fields: dict[str, FieldDef]) -> None:
        self.name = name
        self.description = description
        self.fields = fields
        self.rows: dict[int, dict] = {}
        self.next_id = 1
        self.by_write: list[tuple[datetime, int]] = []
        self.ids: list[int] = []  # ascending; ids only grow

    def insert(self, values: dict, stamp: datetime) -> int:
        record_id = values.get("id") or self.next_id
        self.next_id = max(self.next_id, record_id + 1)
        row = {name: False for name in self.fields if name != "id"}
        row.update(values)
        row.update(
            id=record_id,
            create_date=values.get("create_date", stamp),
            write_date=values.get("write_date", stamp),
        )
        if "active" in self.fields and "active" not in values:
            row["active"] = True
        self.rows[record_id] = row
        self.ids.append(record_id)
        bisect.insort(self.by_write, (row["write_date"], record_id))
        return record_id

    def bulk_load(self, rows: list[dict]) -> None:
        """Many records at once (a data set for a benchmark): one sort instead of many inserts."""
        for values in rows:
            row = {name: False for name in self.fields if name != "id"}
            row.update(values)
            if "active" in self.fields and "active" not in values:
                row["active"] = True
            self.rows[row["id"]] = row
            self.next_id = max(self.next_id, row["id"] + 1)
        self.ids = sorted(self.rows)
        self.by_write = sorted((row["write_date"], i) for i, row in self.rows.items())

    def touch(self, record_id: int, stamp: datetime) -> None:
        row = self.rows[record_id]
        key = (row["write_date"], record_id)
        position = bisect.bisect_left(self.by_write, key)
        if position < len(self.by_write) and self.by_write[position] == key:
            del self.by_write[position]
        row["write_date"] = stamp
        bisect.insort(self.by_write, (stamp, record_id))


class OdooPeer:
    def __init__(
        self,
        *,
        database: str = "odoo",
        login: str = "sync",
        password: str = "secret",
        user_name: str = "Workbench Sync",
        models: dict[str, tuple[str, dict[str, FieldDef]]] | None = None,
        version_info: dict | None = None,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.database = database
        self.login = login
        self.password = password
        self.uid = 2
        self.version_info = version_info or VERSION_INFO
        self.tables: dict[str, Table] = {}
        for name, (description, fields) in (models or default_models()).items():
            self.tables[name] = Table(name, description, fields)
        self._refresh_ir_model()
        if "res.company" in self.tables:
            self.tables["res.company"].insert({"id": 1, "name": "My Company"}, self.now())
        if "helpdesk.stage" in self.tables:
            for name, sequence, fold in HELPDESK_STAGES:
                self.tables["helpdesk.stage"].insert(
                    {"name": name, "sequence": sequence, "fold": fold}, self.now()
                )
        self.tables["res.users"].insert(
            {
                "id": self.uid,
                "login": login,
                "name": user_name,
                "company_id": 1,
                "company_ids": [1],
            },
            self.now(),
        )
        # The companies of the call being answered (its context's allowed_company_ids, or the
        # user's current company): multi-company record rules show their records and shared
        # ones (company_id empty) only.
        self.allowed_companies: list[int] = [1]
        self.lock = threading.RLock()
        self.round_trips = 0  # every HTTP request answered
        self.calls: list[tuple[str, str]] = []  # (model, method) of every object call
        self.denied: set[tuple[str, str]] = set()  # (model, "read" | "write" | "create")
        self.constraints: dict[str, Callable[[dict], str | None]] = {}
        self.fail_after: int | None = None  # drop the connection after this many object calls
        self.on_call: Callable[[str, str], None] | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None)
        self.record_calls = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        if tls is not None:  # jsonrpc+ssl: the same protocol over HTTPS
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # Set-up ------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self) -> OdooPeer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def now(self) -> datetime:
        clock = getattr(self, "clock", None)
        return clock() if clock else datetime.now(UTC).replace(tzinfo=None)

    def uninstall(self, model: str) -> None:
        with self.lock:
            del self.tables[model]
            self._refresh_ir_model()

    def _refresh_ir_model(self) -> None:
        ir_model = self.tables["ir.model"]
        ir_model.rows.clear()
        ir_model.ids.clear()
        ir_model.by_write.clear()
        for index, table in enumerate(self.tables.values(), start=1):
            ir_model.insert(
                {"id": index, "model": table.name, "name": table.description}, datetime(2020, 1, 1)
            )

    def deny(self, model: str, operation: str) -> None:
        self.denied.add((model, operation))

    def add(self, model: str, **values) -> int:
        """A record written as Odoo would: stamped now (or at `write_date` if given)."""
        with self.lock:
            table = self.tables[model]
            values = {
                k: _to_datetime(v) if v and table.fields[k].type == "datetime" else v
                for k, v in values.items()
            }
            return table.insert(values, self.now())

    def update(self, model: str, record_id: int, **values) -> None:
        """An edit made in Odoo by someone else: the record gets a new write_date."""
        with self.lock:
            table = self.tables[model]
            table.rows[record_id].update(
                {
                    k: _to_datetime(v) if v and table.fields[k].type == "datetime" else v
                    for k, v in values.items()
                }
            )
            table.touch(record_id, self.now())

    def delete(self, model: str, record_id: int) -> None:
        """A record someone deleted in Odoo."""
        with self.lock:
            table = self.tables[model]
            row = table.rows.pop(record_id)
            table.ids.remove(record_id)
            table.by_write.remove((row["write_date"], record_id))

    def record(self, model: str, record_id: int) -> dict:
        return self.tables[model].rows[record_id]

    def count(self, model: str, method: str) -> int:
        return sum(1 for call in self.calls if call == (model, method))

    # The protocol ------------------------------------------------------------------------------
    def _handler(self):
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with peer.lock:
                    peer.round_trips += 1
                try:
                    request = json.loads(body)
                except ValueError:
                    return self._send(400, b"<html>Bad Request</html>", "text/html")
                if self.path == "/web/webclient/version_info":
                    return self._answer(request, peer.version_info)
                if self.path != "/jsonrpc":
                    return self._send(404, b"<html><h1>Not Found</h1></html>", "text/html")
                params = request.get("params") or {}
                try:
                    result = peer.dispatch(
                        params.get("service"), params.get("method"), params.get("args") or []
                    )
                except _DropConnection:
                    self.close_connection = True
                    self.connection.close()
                    return
                except OdooException as exc:
                    return self._error(request, exc.name, exc.message)
                except Exception as exc:  # a peer bug shows as what Odoo would send
                    return self._error(request, f"builtins.{type(exc).__name__}", str(exc))
                return self._answer(request, result)

            def _answer(self, request: dict, result: Any) -> None:
                body = {"jsonrpc": "2.0", "id": request.get("id"), "result": result}
                self._send(200, json.dumps(body, default=_json_default).encode())

            def _error(self, request: dict, name: str, message: str) -> None:
                data = {
                    "name": name,
                    "debug": "Traceback (most recent call last):\n"
                    + "".join(traceback.format_stack(limit=3)),
                    "message": message,
                    "arguments": [message],
                    "context": {},
                }
                body = {
                    "jsonrpc": "2.0",
                    "id": request.get("id"),
                    "error": {"code": 200, "message": "Odoo Server Error", "data": data},
                }
                self._send(200, json.dumps(body).encode())

            def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def dispatch(self, service: str, method: str, args: list) -> Any:
        if service == "common":
            if method == "version":
                return self.version_info
            if method in ("login", "authenticate"):
                db, login, password = args[:3]
                self._require_database(db)
                return self.uid if (login, password) == (self.login, self.password) else False
            raise OdooException("builtins.NameError", f"Method not available {method}")
        if service == "object":
            db, uid, password, model, name = args[:5]
            self._require_database(db)
            if uid != self.uid or password != self.password:
                raise OdooException("odoo.exceptions.AccessDenied", "Access Denied")
            if method == "execute":
                call_args, call_kwargs = list(args[5:]), {}
            elif method == "execute_kw":
                call_args = list(args[5]) if len(args) > 5 else []
                call_kwargs = dict(args[6]) if len(args) > 6 and args[6] else {}
            else:
                raise OdooException("builtins.NameError", f"Method not available {method}")
            return self.call(model, name, call_args, call_kwargs)
        raise OdooException("builtins.KeyError", f"'{service}'")

    def _require_database(self, db: str) -> None:
        if db != self.database:
            raise OdooException(
                "psycopg2.OperationalError",
                f'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
                f'FATAL:  database "{db}" does not exist\n',
            )

    def call(self, model: str, method: str, args: list, kwargs: dict) -> Any:
        if self.on_call is not None:
            self.on_call(model, method)
        with self.lock:
            if self.record_calls:
                self.calls.append((model, method))
            if self.fail_after is not None:
                if self.fail_after <= 0:
                    raise _DropConnection()
                self.fail_after -= 1
            table = self.tables.get(model)
            if table is None:
                raise OdooException("odoo.exceptions.UserError", f"Object {model} doesn't exist")
            self.allowed_companies = self._companies(kwargs.pop("context", None) or {})
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise OdooException(
                    "builtins.AttributeError",
                    f"The method '{method}' does not exist on the model '{model}'",
                )
            try:
                return handler(table, *args, **kwargs)
            except TypeError as exc:
                raise OdooException("builtins.TypeError", str(exc)) from None

    def add_company(self, name: str, *, allowed: bool = True) -> int:
        """Another company; `allowed`: the sync user may work in it (res.users.company_ids)."""
        with self.lock:
            company = self.tables["res.company"].insert({"name": name}, self.now())
            if allowed:
                self.tables["res.users"].rows[self.uid]["company_ids"].append(company)
            return company

    def _companies(self, context: dict) -> list[int]:
        user = self.tables["res.users"].rows[self.uid]
        asked = context.get("allowed_company_ids")
        if not asked:
            return [user["company_id"]] if user.get("company_id") else []
        if not set(asked) <= set(user.get("company_ids") or []):
            raise access_error("Access to unauthorized or invalid companies.")
        return list(asked)

    # Model methods -----------------------------------------------------------------------------
    def _check(self, table: Table, operation: str) -> None:
        if (table.name, operation) in self.denied:
            verb = {"read": "access", "write": "modify", "create": "create"}[operation]
            raise access_error(
                f"You are not allowed to {verb} '{table.description}' ({table.name}) records.\n\n"
                "This operation is allowed for the following groups:\n\t- Administration/Settings"
                "\n\nContact your administrator to request access if necessary."
            )

    def _m_fields_get(self, table: Table, allfields=None, attributes=None):
        names = allfields or list(table.fields)
        described = {}
        for name in names:
            if name not in table.fields:
                continue
            data = table.fields[name].describe()
            if attributes:
                data = {k: v for k, v in data.items() if k in attributes}
            described[name] = data
        return described

    def _m_context_get(self, table: Table):
        return {"lang": "en_US", "tz": "Asia/Shanghai", "uid": self.uid}

    def _m_default_get(self, table: Table, fields_list):
        return {name: True for name in fields_list if name == "active"}

    def _m_search(self, table: Table, domain=None, offset=0, limit=None, order=None):
        self._check(table, "read")
        return [row["id"] for row in self._search(table, domain or [], offset, limit, order)]

    def _m_search_count(self, table: Table, domain=None, limit=None):
        self._check(table, "read")
        return len(self._search(table, domain or [], 0, limit, None))

    def _m_search_read(
        self,
        table: Table,
        domain=None,
        fields=None,
        offset=0,
        limit=None,
        order=None,
        **read_kwargs,
    ):
        self._check(table, "read")
        self._check_fields(table, fields or [])  # as Odoo's read does, even for no records
        rows = self._search(table, domain or [], offset or 0, limit, order)
        return [
            self._read_row(table, row, fields, read_kwargs.get("load", "_classic_read"))
            for row in rows
        ]

    def _m_read(self, table: Table, ids, fields=None, load="_classic_read"):
        self._check(table, "read")
        self._check_fields(table, fields or [])
        ids = [ids] if isinstance(ids, int) else list(ids)
        missing = [i for i in ids if i not in table.rows]
        if missing:
            raise _missing(table, missing)
        return [self._read_row(table, table.rows[i], fields, load) for i in ids]

    def _m_write(self, table: Table, ids, vals):
        self._check(table, "write")
        ids = [ids] if isinstance(ids, int) else list(ids)
        missing = [i for i in ids if i not in table.rows]
        if missing:
            raise _missing(table, missing)
        self._check_fields(table, vals)
        before = {i: dict(table.rows[i]) for i in ids}
        stamp = self.now()
        for record_id in ids:
            table.rows[record_id].update(self._stored(table, vals))
            table.touch(record_id, stamp)
        try:
            self._validate(table, ids)
        except OdooException:
            for record_id, row in before.items():  # the transaction is rolled back
                table.touch(record_id, row["write_date"])
                table.rows[record_id].clear()
                table.rows[record_id].update(row)
            raise
        return True

    def _m_create(self, table: Table, vals_list):
        self._check(table, "create")
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else list(vals_list)
        stamp = self.now()
        created = []
        try:
            for vals in items:
                self._check_fields(table, vals)
                for name, definition in table.fields.items():
                    if definition.required and not vals.get(name):
                        raise OdooException(
                            "odoo.exceptions.ValidationError",
                            "The operation cannot be completed:\n- Create/update: a mandatory "
                            f"field is not set.\n- Model: {table.description} ({table.name})\n"
                            f"- Field: {definition.string} ({name})",
                        )
                created.append(
                    table.insert(self._stored(table, self._defaults(table, vals)), stamp)
                )
            self._validate(table, created)
        except OdooException:
            for record_id in created:  # rolled back
                row = table.rows.pop(record_id)
                table.ids.remove(record_id)
                table.by_write.remove((row["write_date"], record_id))
            raise
        return created[0] if single else created

    # Helpers -----------------------------------------------------------------------------------
    def _defaults(self, table: Table, vals: dict) -> dict:
        """A new helpdesk.ticket without a stage goes in the first stage by sequence."""
        stages = self.tables.get("helpdesk.stage")
        if table.name != "helpdesk.ticket" or vals.get("stage_id") or not stages or not stages.rows:
            return vals
        first = min(stages.rows.values(), key=lambda row: (row["sequence"] or 0, row["id"]))
        return {**vals, "stage_id": first["id"]}

    def stage(self, ticket_id: int) -> str | None:
        """The name of the stage a ticket is in."""
        stage_id = self.tables["helpdesk.ticket"].rows[ticket_id]["stage_id"]
        return self.tables["helpdesk.stage"].rows[stage_id]["name"] if stage_id else None

    def _check_fields(self, table: Table, vals: dict) -> None:
        for name in vals:
            if name not in table.fields:
                raise value_error(f"Invalid field '{name}' on model '{table.name}'")

    def _stored(self, table: Table, vals: dict) -> dict:
        stored = {}
        for name, value in vals.items():
            kind = table.fields[name].type
            if kind == "datetime" and value:
                value = _to_datetime(value)
            relation = table.fields[name].relation
            selection = table.fields[name].selection
            offered = [key for key, _label in selection or []]
            if kind == "selection" and value and selection is not None and value not in offered:
                # Odoo 17's fields.Selection.convert_to_cache
                raise value_error(f"Wrong value for {table.name}.{name}: {value!r}")
            if kind == "many2one" and value and value not in self.tables[relation].rows:
                raise OdooException(
                    "psycopg2.errors.ForeignKeyViolation",
                    f'insert or update on table "{table.name.replace(".", "_")}" violates '
                    f'foreign key constraint on "{name}"',
                )
            stored[name] = value
        return stored

    def _validate(self, table: Table, ids: list[int]) -> None:
        check = self.constraints.get(table.name)
        if check is None:
            return
        for record_id in ids:
            message = check(table.rows[record_id])
            if message:
                raise OdooException("odoo.exceptions.ValidationError", message)

    def _read_row(self, table: Table, row: dict, fields, load: str) -> dict:
        names = fields or [n for n in table.fields if n != "id"]
        result = {"id": row["id"]}
        for name in names:
            if name == "id":
                continue
            definition = table.fields.get(name)
            if definition is None:
                raise value_error(f"Invalid field '{name}' on model '{table.name}'")
            value = row.get(name, False)
            if name == "display_name":
                value = row.get("name") or False
            if definition.type == "datetime" and value:
                value = value.strftime(ODOO_FORMAT)  # whole seconds, like Odoo
            elif definition.type == "many2one":
                value = self._many2one(definition, value, load)
            elif definition.type in ("many2many", "one2many"):
                value = list(value or [])  # ids; Odoo answers an empty one as []
            elif value is None:
                value = False
            result[name] = value
        return result

    def _many2one(self, definition: FieldDef, value, load: str):
        if not value:
            return False
        if load != "_classic_read":
            return value
        related = self.tables[definition.relation].rows.get(value, {})
        return [value, related.get("name") or f"{definition.relation},{value}"]

    def _search(self, table: Table, domain: list, offset: int, limit, order) -> list[dict]:
        tree = _parse_domain(domain)
        if "company_id" in table.fields and table.name not in ("res.users", "res.company"):
            # the multi-company record rule: ['|', ('company_id', '=', False),
            # ('company_id', 'in', company_ids)]
            rule = (
                "or",
                [
                    ("leaf", "company_id", "=", False),
                    ("leaf", "company_id", "in", self.allowed_companies),
                ],
            )
            tree = ("and", [rule, *(tree[1] if tree[0] == "and" else [tree])])
        if "active" in table.fields and not _mentions_active(tree):
            # active_test: archived records are left out unless the domain asks about them
            rest = tree[1] if tree[0] == "and" else [tree]
            tree = ("and", [("leaf", "active", "=", True), *rest])
        keys = _parse_order(table, order)
        matched: list[dict] = []
        wanted = None if limit is None or limit is False else offset + int(limit)
        if keys in ([("write_date", False), ("id", False)], [("id", False)]):
            # The orders incremental readers use: walk the index from the domain's lower bound,
            # stop when the page is full.
            for row in self._walk(table, tree, by_write=keys[0][0] == "write_date"):
                if self._match(table, row, tree):
                    matched.append(row)
                    if wanted is not None and len(matched) >= wanted:
                        break
            return matched[offset:]
        matched = [row for row in table.rows.values() if self._match(table, row, tree)]
        for name, descending in reversed(keys):
            matched.sort(key=lambda r, n=name: _sort_key(r.get(n)), reverse=descending)
        return matched[offset:wanted]

    def _walk(self, table: Table, tree, *, by_write: bool):
        conjunction = tree[1] if tree[0] == "and" else [tree]
        if by_write:
            start = 0
            for node in conjunction:
                if node[0] == "leaf" and node[1] == "write_date" and node[2] in (">", ">="):
                    bound = _to_datetime(node[3])
                    start = max(start, bisect.bisect_left(table.by_write, (bound, -1)))
            for _stamp, record_id in table.by_write[start:]:
                yield table.rows[record_id]
            return
        start, low, high = 0, None, None
        for node in conjunction:
            if node[0] == "leaf" and node[1] == "id" and node[2] in (">", ">="):
                start = max(start, bisect.bisect_left(table.ids, int(node[3])))
            if node[0] == "leaf" and node[1] == "write_date" and node[2] == ">=":
                low = _to_datetime(node[3])
            if node[0] == "leaf" and node[1] == "write_date" and node[2] == "<":
                high = _to_datetime(node[3])
        if low is not None and high is not None:
            # One second read by id: take that slice of the write_date index, in id order.
            window = table.by_write[
                bisect.bisect_left(table.by_write, (low, -1)) : bisect.bisect_left(
                    table.by_write, (high, -1)
                )
            ]
            for record_id in sorted(record_id for _stamp, record_id in window):
                yield table.rows[record_id]
            return
        for record_id in table.ids[start:]:
            row = table.rows.get(record_id)
            if row is not None:
                yield row

    def _match(self, table: Table, row: dict, tree) -> bool:
        kind = tree[0]
        if kind == "and":
            return all(self._match(table, row, node) for node in tree[1])
        if kind == "or":
            return any(self._match(table, row, node) for node in tree[1])
        if kind == "not":
            return not self._match(table, row, tree[1])
        if kind == "true":
            return True
        _, path, operator, value = tree
        name, _, rest = path.partition(".")
        definition = table.fields.get(name)
        if definition is None:
            raise value_error(
                f"Invalid field {table.name}.{name} in leaf {(path, operator, value)!r}"
            )
        stored = row.get(name, False)
        if rest:
            if definition.type != "many2one" or not stored:
                return False
            related_table = self.tables[definition.relation]
            related = related_table.rows.get(stored)
            return related is not None and self._match(
                related_table, related, ("leaf", rest, operator, value)
            )
        return _compare(definition, stored, operator, value)


class _DropConnection(Exception):
    pass


def _missing(table: Table, ids: list[int]) -> OdooException:
    shown = ", ".join(str(i) for i in ids)
    return OdooException(
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: {table.name}({shown},), User: 2)",
    )


def _mentions_active(tree) -> bool:
    if tree[0] in ("and", "or"):
        return any(_mentions_active(node) for node in tree[1])
    if tree[0] == "not":
        return _mentions_active(tree[1])
    return tree[0] == "leaf" and tree[1] == "active"


def _json_default(value):
    if isinstance(value, datetime):
        return value.strftime(ODOO_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _to_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(UTC).replace(tzinfo=None)
        )
    text = str(value).strip()
    if len(text) == 10:
        return datetime.fromisoformat(text + " 00:00:00")
    return datetime.fromisoformat(text)


def _sort_key(value):
    return (value is None or value is False, value if value not in (None, False) else 0)


def _parse_order(table: Table, order) -> list[tuple[str, bool]]:
    keys = []
    for part in (order or "id").split(","):
        words = part.strip().split()
        if not words:
            continue
        name = words[0]
        if name not in table.fields:
            raise value_error(f"Invalid field {name!r} on model {table.name!r}")
        direction = words[1].lower() if len(words) > 1 else "asc"
        if direction not in ("asc", "desc"):
            raise value_error(f"Invalid order {order!r} for model {table.name!r}")
        keys.append((name, direction == "desc"))
    return keys


OPERATORS = {
    "=",
    "!=",
    "<>",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not in",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
}


def _parse_domain(domain: list):
    """Odoo's prefix notation to a tree: ("and"|"or", [nodes]), ("not", node), ("leaf", …)."""
    items = list(domain)
    for item in items:
        if isinstance(item, list | tuple):
            if len(item) != 3 or item[1] not in OPERATORS:
                raise value_error(f"Invalid leaf {list(item)!r}")
        elif item not in ("&", "|", "!"):
            raise value_error(f"Invalid domain term {item!r}")
    position = 0

    def node():
        nonlocal position
        item = items[position]
        position += 1
        if item == "!":
            return ("not", node())
        if item in ("&", "|"):
            left, right = node(), node()
            return ("and" if item == "&" else "or", [left, right])
        return ("leaf", item[0], item[1], item[2])

    nodes = []
    while position < len(items):
        nodes.append(node())
    if not nodes:
        return ("true",)
    return ("and", nodes) if len(nodes) > 1 else nodes[0]


def _compare(definition: FieldDef, stored, operator: str, value) -> bool:
    if definition.type == "datetime" and value not in (False, None):
        value = _to_datetime(value)
    if definition.type == "date" and isinstance(value, str):
        value = date.fromisoformat(value)
    if operator in ("in", "not in"):
        values = list(value) if isinstance(value, list | tuple) else [value]
        if definition.type == "datetime":
            values = [_to_datetime(v) if v else v for v in values]
        present = stored in values or (stored is False and False in values)
        return present if operator == "in" else not present
    if value is False or value is None:
        empty = stored is False or stored is None or stored == ""
        if operator == "=":
            return empty
        if operator in ("!=", "<>"):
            return not empty
    if operator in ("=", "!="):
        equal = stored == value if stored is not False else value is False
        return equal if operator == "=" else not equal
    if operator == "<>":
        return stored != value
    if "like" in operator:
        if stored is False or stored is None:
            return operator.startswith("not")
        pattern = str(value)
        if not operator.startswith("="):
            pattern = f"%{pattern}%"
        regex = re.escape(pattern).replace("%", ".*").replace("_", ".")
        flags = re.IGNORECASE if "ilike" in operator else 0
        found = re.fullmatch(regex, str(stored), flags) is not None
        return not found if operator.startswith("not") else found
    if stored is False or stored is None:
        return False  # NULL compares false
    if operator == ">":
        return stored > value
    if operator == ">=":
        return stored >= value
    if operator == "<":
        return stored < value
    if operator == "<=":
        return stored <= value
    raise value_error(f"Invalid operator {operator!r}")


__all__ = ["FieldDef", "OdooException", "OdooPeer", "default_models", "partner_fields"]
