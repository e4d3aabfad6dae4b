"""`workbench doctor`: a deployment checked end to end, each check a finding that says what is
wrong and what to do about it: the database reachable, its migrations current, the key file
present, private (0600) and the database's own, the SMTP login, the Twilio credentials (a GET
of the account resource), the Odoo login, a scheduler holding the leader lock, the database's
clock against this machine's, and the years of the holiday calendar.

Like `DatabaseSetup`, it needs only the settings: it runs where no workbench can be built (no
key file, an unreachable database) and signs nobody in; it reads no member data and writes
nothing (the leader lock is only tried, and let go of at once). The adapters (aiosmtplib,
twilio, odoorpc) are loaded only by the check that uses them."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from workbench.clock import Clock, SystemClock
from workbench.complaints.calendar import years_needed
from workbench.complaints.policy import load_complaint_policy
from workbench.crypto import load_keyring
from workbench.crypto.check import KEY_CHECK, KeyCheck, mismatch
from workbench.db import create_db_engine
from workbench.db.leader import LeaderLock
from workbench.db.migrate import current_revision, head_revision
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.settings import Settings

MAX_SKEW = timedelta(seconds=5)
DATABASE_CHECKS = ("migrations", "key file", "scheduler", "clock")  # need the database
TIMEOUT = 10.0  # seconds for each network check


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    skipped: bool = False  # not configured here, or it needs a check that failed


class Problem(Exception):
    """A check's failure: what is wrong and what to do."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


class Skip(Exception):
    """A check that does not apply (not configured)."""


class Doctor:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        machine_clock: Clock | None = None,
        max_skew: timedelta = MAX_SKEW,
    ) -> None:
        """`clock`: today, for the calendar years; `machine_clock`: this machine's own clock,
        compared with the database's (the system clock unless a test pins one)."""
        self.settings = settings
        self.clock = clock or SystemClock()
        self.machine_clock = machine_clock or SystemClock()
        self.max_skew = max_skew

    def run(self) -> list[Finding]:
        """Every check, in order; one that needs the database is skipped when it is down."""
        findings: list[Finding] = []
        database = self._check("database", self._database_file)  # before an engine makes one
        if database.ok:
            engine = create_db_engine(
                self.settings.effective_database_url,
                busy_timeout=self.settings.database_busy_timeout_seconds,
            )
            try:
                findings += self._database_checks(engine)
            finally:
                engine.dispose()
        else:
            findings += self._without_database(database)
        findings += [
            self._check("smtp", self._smtp),
            self._check("twilio", self._twilio),
            self._check("odoo", self._odoo),
            self._check("calendar", self._calendar),
        ]
        return findings

    def _database_checks(self, engine: Engine) -> list[Finding]:
        database = self._check("database", lambda: self._database(engine))
        checks: dict[str, Callable[[], str]] = {
            "migrations": lambda: self._migrations(engine),
            "key file": lambda: self._key_file(engine),
            "scheduler": lambda: self._scheduler(engine),
            "clock": lambda: self._clock(engine),
        }
        if not database.ok:
            return self._without_database(database)
        return [database, *[self._check(name, check) for name, check in checks.items()]]

    def _without_database(self, database: Finding) -> list[Finding]:
        """The database is down: the key file is still checked (present, private), the rest
        that needs the database is named as not checked."""
        findings = [database]
        for name in DATABASE_CHECKS:
            if name == "key file":
                findings.append(self._check(name, lambda: self._key_file(None)))
            else:
                reason = "not checked: the database is unreachable"
                findings.append(Finding(name, False, reason, skipped=True))
        return findings

    @staticmethod
    def _check(name: str, check: Callable[[], str]) -> Finding:
        try:
            return Finding(name, True, check())
        except Problem as problem:
            return Finding(name, False, problem.detail, problem.fix)
        except Skip as skip:
            return Finding(name, True, str(skip), skipped=True)
        except WorkbenchError as error:  # a typed error already says what to do
            return Finding(name, False, str(error))
        except Exception as error:  # a check never takes the others (or a traceback) with it
            return Finding(name, False, f"the check failed: {_short(error)}")

    # The database --------------------------------------------------------------------------------
    def _where(self) -> str:
        return make_url(self.settings.effective_database_url).render_as_string(hide_password=True)

    def _database_file(self) -> str:
        url = make_url(self.settings.effective_database_url)
        file = url.database if url.get_backend_name() == "sqlite" else None
        if file and file != ":memory:" and not Path(file).expanduser().exists():
            raise Problem(  # connecting would create an empty one
                f"no database file at {file}",
                "check [database] url, or `workbench db upgrade` to create it",
            )
        return "present"

    def _database(self, engine: Engine) -> str:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            raise Problem(
                f"{self._where()} cannot be reached: {_short(error)}",
                "check [database] url (WORKBENCH_DATABASE_URL) and that the server is running "
                "and lets this machine in",
            ) from None
        return f"{self._where()} answers"

    def _migrations(self, engine: Engine) -> str:
        current, newest = current_revision(engine), head_revision()
        if current != newest:
            state = "empty (no schema)" if current is None else f"at revision {current}"
            raise Problem(
                f"the database is {state}; this version needs {newest}",
                "run `workbench db upgrade` (after `workbench backup create`)",
            )
        return f"at revision {current} (current)"

    def _key_file(self, engine: Engine | None) -> str:
        """Present, private and this user's; then (with a database to ask) the database's."""
        s = self.settings
        inline = s.keys_keyring.get_secret_value() if s.keys_keyring else None
        path = s.effective_keys_file
        if inline is None:
            if not path.exists():
                raise Problem(
                    f"no key file at {path}",
                    "restore the key file from your key backup and point [keys] file at it, or "
                    "`workbench keys init` for a new installation",
                )
            mode = path.stat().st_mode & 0o777
            if os.name == "posix" and mode & 0o077:
                raise Problem(
                    f"the key file {path} can be read by others (mode {mode:o})",
                    f"chmod 600 {path}, and check who may have copied it",
                )
            if os.name == "posix" and path.stat().st_uid != os.geteuid():
                raise Problem(
                    f"the key file {path} belongs to another user (uid {path.stat().st_uid})",
                    f"chown it to the user the workbench runs as (uid {os.geteuid()})",
                )
        keyring = load_keyring(inline_json=inline, path=path)
        where = "WORKBENCH_KEYS_KEYRING" if inline else str(path)
        if engine is None:
            return f"{where} present and private (not compared: the database is unreachable)"
        with engine.connect() as connection:
            if not inspect(connection).has_table(KeyCheck.__tablename__):
                return f"{where} present (the database has no key record yet: db upgrade)"
            stored = connection.scalar(select(KEY_CHECK.c.checks))
        if stored is None:
            return f"{where} present; the database adopts it at the first start"
        reason = mismatch(json.loads(stored), keyring)
        if reason is not None:
            raise Problem(
                f"{where} does not belong to this database: {reason}",
                "point [keys] file (WORKBENCH_KEYS_FILE) at the key file this database was set "
                "up with (from your key backup), or [database] url at this key file's database",
            )
        return f"{where} present, mode 0600, and this database's"

    def _scheduler(self, engine: Engine) -> str:
        lock = LeaderLock(engine)
        if lock.try_acquire():  # nobody holds it: no scheduler runs
            lock.release()
            raise Problem(
                "no scheduler is running (nobody holds the leader lock): no sweeps, no "
                "outbox sending, no Odoo sync",
                "start `workbench scheduler` (and a standby on another machine; "
                "docs/deployment.md has the systemd unit)",
            )
        return "a scheduler holds the leader lock"

    def _clock(self, engine: Engine) -> str:
        if engine.dialect.name != "postgresql":
            return "SQLite: the database keeps this machine's time"
        before = self.machine_clock.now()
        with engine.connect() as connection:
            server = connection.scalar(text("SELECT now()"))
        after = self.machine_clock.now()
        local = before + (after - before) / 2
        skew = abs(server - local)
        if skew > self.max_skew:
            raise Problem(
                f"the database's clock differs from this machine's by {skew.total_seconds():.0f} s"
                f" (more than {self.max_skew.total_seconds():.0f} s): SLA and grant times drift",
                "synchronise both machines with NTP (chrony or systemd-timesyncd)",
            )
        return f"within {self.max_skew.total_seconds():.0f} s of the database's"

    # The services outside -----------------------------------------------------------------------
    def _smtp(self) -> str:
        s = self.settings
        if not s.smtp_host:
            raise Skip("not configured ([smtp] host empty)")
        password = s.smtp_password.get_secret_value() if s.smtp_password else ""
        return asyncio.run(self._smtp_login(password))

    async def _smtp_login(self, password: str) -> str:
        import aiosmtplib

        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port} ({s.smtp_security})"
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=TIMEOUT,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            cert_bundle=s.smtp_ca_file or None,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            raise Problem(
                f"the SMTP server {where} cannot be reached: {_short(error)}",
                "check [smtp] host, port, security and ca_file, and that the relay lets this "
                "machine in",
            ) from None
        try:
            if not s.smtp_username:
                return f"{where} answers (no login configured)"
            try:
                await client.login(s.smtp_username, password)
            except aiosmtplib.SMTPAuthenticationError as error:
                raise Problem(
                    f"the SMTP server {where} refused the login {s.smtp_username!r}: "
                    f"{error.code} {error.message[:80]}",
                    "check [smtp] username and the password in WORKBENCH_SMTP_PASSWORD",
                ) from None
            except aiosmtplib.SMTPException as error:
                raise Problem(
                    f"the SMTP server {where} would not log in {s.smtp_username!r}: "
                    f"{_short(error)}",
                    "check [smtp] security: most relays allow a login only over TLS",
                ) from None
            return f"{where} accepts the login {s.smtp_username!r}"
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    def _twilio(self) -> str:
        s = self.settings
        if not s.twilio_account_sid:
            raise Skip("not configured ([twilio] account_sid empty)")
        token = s.twilio_auth_token.get_secret_value() if s.twilio_auth_token else ""
        if not token:
            raise Problem("no auth token for the Twilio account", "set WORKBENCH_TWILIO_AUTH_TOKEN")
        from twilio.base.exceptions import TwilioException, TwilioRestException

        from workbench.messaging.twilio_http import TWILIO_API, twilio_client

        base = s.twilio_api_base or TWILIO_API
        client = twilio_client(
            s.twilio_account_sid, token, api_base=s.twilio_api_base or None, timeout=TIMEOUT
        )
        try:
            account = client.api.v2010.accounts(s.twilio_account_sid).fetch()
        except TwilioRestException as error:
            if error.status in (401, 403, 404):
                raise Problem(
                    f"Twilio ({base}) refused the credentials of account "
                    f"{s.twilio_account_sid}: HTTP {error.status}",
                    "check [twilio] account_sid and the auth token in WORKBENCH_TWILIO_AUTH_TOKEN",
                ) from None
            raise Problem(
                f"Twilio ({base}) answered HTTP {error.status}: {str(error.msg)[:80]}",
                "try again later; check Twilio's status page",
            ) from None
        except (TwilioException, OSError) as error:
            raise Problem(
                f"the Twilio API at {base} cannot be reached: {_short(error)}",
                "check [twilio] api_base and this machine's outbound HTTPS",
            ) from None
        status = str(account.status or "")
        if status and status != "active":
            raise Problem(
                f"the Twilio account {s.twilio_account_sid} is {status}",
                "reactivate it in the Twilio console",
            )
        return f"account {s.twilio_account_sid} accepts the credentials ({status or 'active'})"

    def _odoo(self) -> str:
        s = self.settings
        if not s.odoo_host:
            raise Skip("not configured ([odoo] host empty)")
        from workbench.crm.client import OdooClient
        from workbench.crm.options import OdooConfig

        config = OdooConfig(
            host=s.odoo_host,
            port=s.odoo_port,
            protocol=s.odoo_protocol,
            database=s.odoo_database,
            login=s.odoo_login,
            password=s.odoo_password.get_secret_value() if s.odoo_password else "",
            timeout=min(float(s.odoo_timeout_seconds), TIMEOUT),
        )
        client = OdooClient.connect(config)  # its errors say what to fix
        return (
            f"{config.where} (Odoo {client.version}) accepts the login {s.odoo_login!r} "
            f"on {s.odoo_database!r}"
        )

    def _calendar(self) -> str:
        path = self.settings.config_path("complaints.toml").resolve()
        policy = load_complaint_policy(path)
        today = self.clock.now().astimezone(policy.calendar.zone).date()
        needed = years_needed(today)
        unknown = policy.public.unknown(needed)
        if unknown:
            listed = ", ".join(str(y) for y in unknown)
            raise Problem(
                f"{policy.public.source} does not know {listed} yet: SLA clocks there would "
                "count only the weekly working days and the overrides",
                "pip install -U chinese-calendar once the State Council's notice is in it, or "
                f"list the year's days as [calendar] closed / open overrides in {path} and the "
                "year in listed_years (`workbench calendar show --year "
                f"{unknown[0]}` shows what the clocks use)",
            )
        years = ", ".join(str(y) for y in needed)
        return f"{policy.public.source} knows {years}"


def _short(error: BaseException) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:160]}" if first else type(error).__name__
