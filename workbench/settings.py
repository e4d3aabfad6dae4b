"""Typed settings: defaults < config/workbench.toml (or --config FILE) < WORKBENCH_* environment.

The TOML file is organised in sections (`[database] url = …`); each key becomes the flat setting
`<section>_<key>` (`database_url`), which is also the name of its environment variable
(`WORKBENCH_DATABASE_URL`). Secrets are read from the environment or a key file only: a secret
found in a TOML file is refused, because that file is committed.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from workbench.errors import ConfigError
from workbench.tomlfiles import read_toml

PACKAGE_CONFIG_DIR = Path(__file__).parent / "_config"  # present in an installed wheel
CHECKOUT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"  # a source checkout

StaffRole = Literal[
    "agent", "supervisor", "sales", "store_manager", "department_head", "analyst", "admin"
]

TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # HH:MM, 00:00 to 23:59
ODOO_FIELD_OR_EMPTY = r"^([a-z_][a-z0-9_]{0,62})?$"  # a technical field name such as x_tier
ODOO_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
ODOO_OPERATORS = frozenset(
    {
        "=",
        "!=",
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
)

SECRET_SETTINGS = frozenset({"twilio_auth_token", "smtp_password", "odoo_password", "keys_keyring"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", extra="forbid")

    # [database]
    database_url: str = Field("", description="empty: a SQLite file in the user's data directory")
    database_echo: bool = False
    database_busy_timeout_seconds: float = Field(
        15, ge=0, le=600, description="SQLite: how long a writer waits for another's lock"
    )
    # [logging]
    logging_file: str = Field("", description="empty: workbench.log in the user's log directory")
    logging_format: Literal["text", "json"] = "text"  # json: one JSON object per line
    logging_max_bytes: int = Field(5_000_000, ge=10_000, description="rotate the file past this")
    logging_backup_count: int = Field(3, ge=0, le=100, description="rotated files kept")

    # [keys]
    keys_file: str = Field("", description="empty: keys.json in the user's data directory")
    keys_keyring: SecretStr | None = None  # the key file's JSON itself, for containers (env only)

    # [audit]
    audit_anchor_file: str = Field("", description="empty: audit-anchors.jsonl beside the key file")
    audit_anchor_every: int = Field(100, ge=0, le=1_000_000)  # 0: by the command and the job only
    audit_anchor_syslog: str = ""  # "": off; "local": /dev/log; "HOST:PORT": UDP

    # [locale]
    locale_timezone: str = "Asia/Shanghai"
    locale_language: Literal["zh-CN", "en"] = "zh-CN"
    locale_phone_region: str = "CN"

    # [members]
    members_tier_scheme: str = "classic"
    members_points_expiry_years: int = Field(2, ge=1, le=10)
    members_expiry_reminder_days: int = Field(30, ge=1, le=366)
    members_redeem_daily_limit: int = Field(10_000, ge=0)
    members_redeem_step: int = Field(100, ge=1)
    members_termination_notice_days: int = Field(30, ge=0, le=365)
    members_goods_reminder_days: int = Field(7, ge=0, le=90)
    members_card_prefix: str = Field("9", pattern=r"^[0-9]{1,4}$")
    members_review_sla_hours: int = Field(48, ge=1, le=24 * 30)

    # [activities]
    activities_priority_min_rank: int = Field(1, ge=0, le=20)
    activities_cancel_hours: int = Field(24, ge=0, le=24 * 30)
    activities_invite_batch: int = Field(1000, ge=10, le=50_000)

    # [protection]
    protection_reveal_minutes: int = Field(5, ge=1, le=120)
    protection_idle_timeout_minutes: int = Field(15, ge=1, le=720)
    protection_max_failed_logins: int = Field(5, ge=1, le=100)
    protection_lockout_minutes: int = Field(15, ge=1, le=1440)
    # argon2id cost of new password hashes (argon2-cffi's defaults: RFC 9106's low-memory choice)
    protection_password_time_cost: int = Field(3, ge=1, le=50)
    protection_password_memory_kib: int = Field(65536, ge=32, le=4 * 1024 * 1024)
    protection_lookup_minutes: int = Field(30, ge=1, le=480)
    protection_reveal_roles: list[StaffRole] = ["agent", "supervisor", "sales", "store_manager"]
    protection_id_number_reveal_roles: list[StaffRole] = []
    protection_export_roles: list[StaffRole] = ["supervisor", "admin"]
    protection_share_roles: list[StaffRole] = ["admin"]
    protection_min_group_size: int = Field(5, ge=1, le=1000)
    protection_terminal_file: str = ""

    # [access]
    access_lookups_per_hour: int = Field(60, ge=0, le=10_000, description="0: no limit")
    access_reveals_per_hour: int = Field(40, ge=0, le=10_000, description="0: no limit")
    access_reveal_purposes: list[str] = Field(
        ["callback", "complaint follow-up", "identity check", "回访"], min_length=1
    )

    # [callbacks]
    callbacks_calling_start: str = Field("09:00", pattern=TIME_OF_DAY)
    callbacks_calling_end: str = Field("20:00", pattern=TIME_OF_DAY)
    callbacks_call_minutes: int = Field(30, ge=5, le=480)
    callbacks_grant_grace_minutes: int = Field(10, ge=0, le=120)
    callbacks_lease_minutes: int = Field(30, ge=1, le=480)
    callbacks_max_attempts: int = Field(3, ge=1, le=20)
    callbacks_retry_base_minutes: int = Field(60, ge=1, le=1440)
    callbacks_retry_max_minutes: int = Field(1440, ge=1, le=10080)
    callbacks_materialise_batch: int = Field(1000, ge=10, le=100_000)

    # [scheduler]
    scheduler_sweep_seconds: int = Field(60, ge=5, le=3600)
    scheduler_materialise_minutes: int = Field(15, ge=1, le=1440)
    scheduler_standby_poll_seconds: float = Field(5, gt=0, le=300)
    scheduler_lock_check_seconds: float = Field(5, gt=0, le=300)
    scheduler_tier_review_cron: str = "0 3 1 1,4,7,10 *"
    scheduler_points_expiry_cron: str = "30 2 * * *"
    scheduler_backup_cron: str = "0 4 * * *"
    scheduler_reminders_cron: str = "0 10 * * *"
    scheduler_birthday_cron: str = "30 9 * * *"
    scheduler_care_cron: str = "0 10 1 * *"
    scheduler_goods_reminders_cron: str = "15 10 * * *"
    scheduler_activity_reminders_cron: str = "30 9-20 * * *"  # hourly by day: late sign-ups too
    scheduler_terminations_cron: str = "45 * * * *"
    scheduler_odoo_sync_minutes: int = Field(30, ge=1, le=1440)
    scheduler_audit_anchor_minutes: int = Field(15, ge=1, le=1440)
    scheduler_report_rollups_minutes: int = Field(15, ge=0, le=1440, description="0: no rollups")
    scheduler_metrics_port: int = Field(0, ge=0, le=65535, description="0: no metrics server")
    scheduler_metrics_host: str = Field("127.0.0.1", min_length=1)

    # [messaging]
    messaging_quiet_start: str = Field("21:00", pattern=TIME_OF_DAY)
    messaging_quiet_end: str = Field("09:00", pattern=TIME_OF_DAY)
    messaging_marketing_per_week: int = Field(3, ge=0, le=100)
    messaging_sms_per_second: float = Field(1.0, ge=0)
    messaging_max_attempts: int = Field(8, ge=1, le=50)
    messaging_send_seconds: int = Field(10, ge=1, le=3600)
    messaging_lease_seconds: int = Field(120, ge=1, le=3600)

    # [telephony]
    telephony_public_url: str = Field("", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$")
    telephony_hotline_number: str = Field("", pattern=r"^(\+[1-9][0-9]{6,14})?$")
    telephony_language: Literal["zh-CN", "en"] = "zh-CN"
    telephony_voice: str = "Polly.Zhiyu"
    telephony_greeting: str = "您好，欢迎致电会员服务热线。"
    telephony_recording_notice: str = "为了提高服务质量，您的通话将被录音。"
    telephony_record_calls: bool = True
    telephony_agents_open: str = Field("09:00", pattern=TIME_OF_DAY)
    telephony_agents_close: str = Field("21:00", pattern=TIME_OF_DAY)
    telephony_agent_queue: str = Field("hotline", min_length=1, max_length=40)
    telephony_complaint_queue: str = Field("complaints", min_length=1, max_length=40)
    telephony_transfer_queues: list[str] = ["supervisor", "complaints", "membership"]
    telephony_agent_endpoint: str = Field("client:{username}", pattern=r"\{username\}")
    telephony_grant_minutes: int = Field(60, ge=5, le=480)
    telephony_wrap_up_seconds: int = Field(120, ge=10, le=3600)
    # Routing by tier (telephony/routing.py): members wait in the priority queue; members of
    # this rank and above (silver in the classic scheme) ring their assigned agent first.
    telephony_priority_queue: str = Field("priority", min_length=1, max_length=40)
    telephony_assigned_agent_min_rank: int = Field(1, ge=0, le=20)
    telephony_assigned_ring_seconds: int = Field(20, ge=5, le=120)
    # Queue callback: offered when the expected wait (callers ahead x seconds each) passes it.
    telephony_queue_callback_seconds: int = Field(120, ge=0, le=3600)  # 0: never offered
    telephony_seconds_per_caller: int = Field(60, ge=1, le=1800)

    # [wallboard]
    wallboard_service_level_seconds: int = Field(20, ge=1, le=600)
    wallboard_warn_minutes: int = Field(60, ge=1, le=24 * 60)

    # [webhooks] the webhook server's limits (workbench telephony serve)
    webhooks_max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    webhooks_header_timeout_seconds: float = Field(10.0, gt=0, le=300)
    webhooks_body_timeout_seconds: float = Field(10.0, gt=0, le=300)
    webhooks_max_connections: int = Field(100, ge=1, le=10_000)

    # [twilio] (auth token: WORKBENCH_TWILIO_AUTH_TOKEN only)
    twilio_api_base: str = ""
    twilio_status_callback_url: str = ""
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_auth_token: SecretStr | None = None

    # [smtp] (password: WORKBENCH_SMTP_PASSWORD only)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_sender: str = "会员服务 <service@example.com>"
    smtp_ca_file: str = ""
    smtp_password: SecretStr | None = None

    # [odoo] (password or API key: WORKBENCH_ODOO_PASSWORD only)
    odoo_host: str = ""
    odoo_port: int = Field(8069, ge=1, le=65535)
    odoo_protocol: Literal["jsonrpc", "jsonrpc+ssl"] = "jsonrpc"
    odoo_database: str = ""
    odoo_login: str = ""
    odoo_password: SecretStr | None = None
    odoo_timeout_seconds: int = Field(60, ge=1, le=600)
    odoo_store: str = Field("HQ", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    odoo_member_domain: list[Any] = [
        ["is_company", "=", False],
        ["membership_state", "in", ["free", "paid", "invoiced"]],
    ]
    odoo_id_number_field: str = Field("", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_order_models: list[Literal["sale.order", "pos.order"]] = ["sale.order", "pos.order"]
    odoo_batch_size: int = Field(1000, ge=1, le=10_000)
    odoo_overlap_seconds: int = Field(300, ge=0, le=86_400)
    odoo_tier_field: str = Field("x_workbench_tier", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_points_field: str = Field("x_workbench_points", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_sms_opt_out_field: str = Field("x_workbench_sms_opt_out", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_email_opt_out_field: str = Field("x_workbench_email_opt_out", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_do_not_call_field: str = Field("x_workbench_do_not_call", pattern=ODOO_FIELD_OR_EMPTY)
    odoo_push_complaints: bool = True
    odoo_complaint_text: bool = False
    # workbench tier code → the value written to the tier field (a code not named: itself)
    odoo_tier_codes: dict[str, str] = {}
    # the companies whose members are synced (empty: the sync user's current company only)
    odoo_allowed_company_ids: list[int] = []
    # numbers people type when they have none: a partner with one is taken without a mobile
    odoo_placeholder_phones: list[str] = ["13800000000", "13888888888", "13900000000"]
    # complaint state → the Helpdesk stage (by name) its ticket is in (a state not named: none)
    odoo_ticket_stages: dict[str, str] = {
        "received": "新建",
        "assigned": "新建",
        "investigating": "处理中",
        "resolution_proposed": "处理中",
        "resolution_approved": "已解决",
        "member_informed": "已解决",
        "closed": "已关闭",
    }

    # [backup] (encrypted with the key file's backup key)
    backup_directory: str = ""
    backup_erasure_ledger_file: str = ""  # empty: erasures.jsonl beside the key file

    # Where this configuration was read from; tier schemes and templates are looked up beside it.
    config_file: str = ""

    @field_validator("locale_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone name such as Asia/Shanghai") from None
        return value

    @field_validator("*")
    @classmethod
    def _cron_expression(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None or not info.field_name.endswith("_cron"):
            return value
        from apscheduler.triggers.cron import CronTrigger  # only when a cron setting is read

        try:
            CronTrigger.from_crontab(value)
        except ValueError:
            raise ValueError(
                "a cron expression: minute hour day month weekday, e.g. 0 3 * * *"
            ) from None
        return value

    @field_validator("access_reveal_purposes")
    @classmethod
    def _plain_purposes(cls, value: list[str]) -> list[str]:
        from workbench.masking.text import is_safe

        cleaned = [" ".join(p.split()) for p in value]
        if not all(cleaned) or not all(is_safe(p) and len(p) <= 60 for p in cleaned):
            raise ValueError("a list of purposes in plain text, each 1 to 60 characters")
        if len({p.casefold() for p in cleaned}) != len(cleaned):
            raise ValueError("each purpose once")
        return cleaned

    @field_validator("callbacks_calling_end")
    @classmethod
    def _calling_hours_within_a_day(cls, value: str, info: ValidationInfo) -> str:
        # Unlike quiet hours, calling hours never run past midnight: nobody is called at night.
        start = info.data.get("callbacks_calling_start")  # absent when it was itself wrong
        if start is not None and value <= start:
            raise ValueError(
                f"a time later than [callbacks] calling_start ({start}): calling hours run "
                "within one day, never past midnight"
            )
        return value

    @field_validator("odoo_host")
    @classmethod
    def _bare_host(cls, value: str) -> str:
        if "://" in value or "/" in value or " " in value:
            raise ValueError(
                "a host name or address only, such as odoo.example.com (the scheme is [odoo] "
                "protocol, the port [odoo] port)"
            )
        return value

    @field_validator("odoo_member_domain")
    @classmethod
    def _odoo_domain(cls, value: list[Any]) -> list[Any]:
        for term in value:
            if term in ("&", "|", "!"):
                continue
            if not (isinstance(term, list | tuple) and len(term) == 3):
                raise ValueError(
                    'an Odoo domain: a list of ["field", "operator", value] terms '
                    '(and "&", "|", "!")'
                )
            path, operator, operand = term
            if not (isinstance(path, str) and ODOO_PATH.match(path)):
                raise ValueError(f"{path!r} is not an Odoo field name")
            if operator not in ODOO_OPERATORS:
                raise ValueError(f"{operator!r} is not one of {', '.join(sorted(ODOO_OPERATORS))}")
            if isinstance(operand, dict):
                raise ValueError(f"the value compared with {path} cannot be a table")
        return [list(term) if isinstance(term, list | tuple) else term for term in value]

    @field_validator("audit_anchor_syslog")
    @classmethod
    def _syslog_sink(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if value in ("", "local") or (host and port.isdigit() and 0 < int(port) < 65536):
            return value
        raise ValueError('empty, "local" (/dev/log) or HOST:PORT of a syslog server (UDP)')

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("a sqlite:///PATH or postgresql+psycopg://… URL (or empty)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)

    # Derived values -----------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return Path(platformdirs.user_data_dir("workbench", appauthor=False))

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'workbench.db'}"

    @property
    def effective_log_file(self) -> Path:
        if self.logging_file:
            return Path(self.logging_file)
        return Path(platformdirs.user_log_dir("workbench", appauthor=False)) / "workbench.log"

    @property
    def effective_keys_file(self) -> Path:
        return Path(self.keys_file) if self.keys_file else self.data_dir / "keys.json"

    @property
    def effective_audit_anchor_file(self) -> Path:
        if self.audit_anchor_file:
            return Path(self.audit_anchor_file)
        return self.effective_keys_file.parent / "audit-anchors.jsonl"

    @property
    def effective_backup_directory(self) -> Path:
        return Path(self.backup_directory) if self.backup_directory else self.data_dir / "backups"

    @property
    def effective_erasure_ledger_file(self) -> Path:
        if self.backup_erasure_ledger_file:
            return Path(self.backup_erasure_ledger_file)
        return self.effective_keys_file.parent / "erasures.jsonl"

    @property
    def effective_terminal_file(self) -> Path:
        if self.protection_terminal_file:
            return Path(self.protection_terminal_file)
        return self.data_dir / "terminal.json"

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.locale_timezone)

    def config_path(self, relative: str) -> Path:
        """A file of the configuration folder: beside the settings file first, then the defaults."""
        folders = [Path(self.config_file).parent] if self.config_file else []
        folders += [CHECKOUT_CONFIG_DIR, PACKAGE_CONFIG_DIR]
        for folder in folders:
            candidate = folder / relative
            if candidate.exists():
                return candidate
        raise ConfigError(f"configuration file {relative!r} not found in {folders[0]}")


def default_config_file() -> Path | None:
    for folder in (CHECKOUT_CONFIG_DIR, PACKAGE_CONFIG_DIR):
        if (folder / "workbench.toml").exists():
            return folder / "workbench.toml"
    return None


def read_toml_settings(path: Path) -> dict[str, Any]:
    """Flatten `[section] key = v` into `section_key`; refuse secrets."""
    try:
        document = read_toml(path)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    flat: dict[str, Any] = {}
    for section, body in document.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: top-level key {section!r} must be a [section]")
        for key, value in body.items():
            flat[f"{section}_{key}"] = value
    secrets = sorted(SECRET_SETTINGS & flat.keys())
    if secrets:
        raise ConfigError(
            f"{path} contains the secret setting(s) {', '.join(secrets)}: secrets come from the "
            f"environment (WORKBENCH_{secrets[0].upper()}) or the key file, never a config file"
        )
    return flat


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the settings; a wrong value raises ConfigError naming the setting and what it allows."""
    chosen = config_file or os.environ.get("WORKBENCH_CONFIG") or default_config_file()
    from_file: dict[str, Any] = {}
    if chosen:
        path = Path(chosen)
        from_file = read_toml_settings(path)
        from_file["config_file"] = str(path)
    env_names = {
        name for name in Settings.model_fields if f"WORKBENCH_{name.upper()}" in os.environ
    }
    # The environment beats the file: drop file values the environment overrides.
    file_values = {k: v for k, v in from_file.items() if k not in env_names}
    unknown = sorted(set(file_values) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {chosen}: {', '.join(unknown)}")
    try:
        return Settings(**{**file_values, **overrides})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except SettingsError as exc:  # a list or table given in the environment that is not JSON
        found = re.search(r'field "([a-z0-9_]+)"', str(exc))
        name = found.group(1) if found else ""
        section, _, key = name.partition("_")
        where = f"[{section}] {key} (WORKBENCH_{name.upper()})" if key else "a setting"
        raise ConfigError(
            f"setting {where}: not valid JSON; in the environment a list or table is written as "
            'JSON, e.g. [["is_company", "=", false]] or {"platinum": "diamond"}'
        ) from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        section, _, key = name.partition("_")
        where = f"[{section}] {key} (WORKBENCH_{name.upper()})" if key else name
        lines.append(f"setting {where}: {error['msg']}")
    return "invalid settings:\n  " + "\n  ".join(lines)
