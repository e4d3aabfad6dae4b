"""`workbench doctor` against the test peers: an SMTP server with a login (aiosmtpd), the Twilio
REST peer and the Odoo JSON-RPC peer. Everything in order passes; a wrong password for each is
named clearly, with what to fix; so are a loose, missing or foreign key file, a schema behind,
an unreachable database, no scheduler, a skewed clock and a holiday year nobody knows yet."""

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr

from tests.conftest import START
from tests.peers.fixtures import Inbox, free_port
from workbench.clock import FixedClock, SystemClock
from workbench.complaints.public_holidays import china_public_days
from workbench.crypto import Keyring
from workbench.db.leader import LeaderLock
from workbench.settings import load_settings
from workbench.usecases.doctor import Doctor

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _login(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login, auth_data.password) == (b"mailer", b"secret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_login():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=_login,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def key_file(tmp_path, keyring):
    path = tmp_path / "keys.json"
    keyring.save(path)
    path.chmod(0o600)
    return path


@pytest.fixture
def deployment(wb, key_file, smtp_login, twilio_peer, odoo):
    """Settings of a deployment where everything is in order (a scheduler runs: see `leader`)."""

    def settings(**overrides):
        values = dict(
            database_url=wb.settings.database_url,
            keys_file=str(key_file),
            smtp_host="127.0.0.1",
            smtp_port=smtp_login.port,
            smtp_security="none",
            smtp_username="mailer",
            smtp_password=SecretStr("secret"),
            twilio_account_sid=twilio_peer.account_sid,
            twilio_auth_token=SecretStr(twilio_peer.auth_token),
            twilio_api_base=twilio_peer.url,
            odoo_host="127.0.0.1",
            odoo_port=odoo.port,
            odoo_database="odoo",
            odoo_login="sync",
            odoo_password=SecretStr("secret"),
        )
        return load_settings(**{**values, **overrides})

    return settings


@pytest.fixture
def leader(wb):
    lock = LeaderLock(wb.engine)
    assert lock.try_acquire()
    yield lock
    lock.release()


def _by_check(findings):
    return {f.check: f for f in findings}


def test_a_deployment_in_order(deployment, leader):
    findings = Doctor(deployment(), clock=FixedClock(START)).run()
    assert [f.check for f in findings] == [
        "database", "migrations", "key file", "scheduler", "clock",
        "smtp", "twilio", "odoo", "calendar",
    ]  # fmt: skip
    bad = [f for f in findings if not f.ok]
    assert bad == []
    checks = _by_check(findings)
    assert "accepts the login 'mailer'" in checks["smtp"].detail
    assert "accepts the credentials" in checks["twilio"].detail
    assert "accepts the login 'sync'" in checks["odoo"].detail
    assert "this database's" in checks["key file"].detail
    assert "a scheduler holds the leader lock" in checks["scheduler"].detail
    assert "knows 2026" in checks["calendar"].detail


def test_a_wrong_password_is_named_for_each_service(deployment, leader):
    settings = deployment(
        smtp_password=SecretStr("wrong"),
        twilio_auth_token=SecretStr("wrong"),
        odoo_password=SecretStr("wrong"),
    )
    checks = _by_check(Doctor(settings, clock=FixedClock(START)).run())
    smtp, twilio, odoo = checks["smtp"], checks["twilio"], checks["odoo"]
    assert not smtp.ok and "refused the login 'mailer'" in smtp.detail and "535" in smtp.detail
    assert "WORKBENCH_SMTP_PASSWORD" in smtp.fix
    assert not twilio.ok and "refused the credentials" in twilio.detail
    assert "HTTP 401" in twilio.detail and "WORKBENCH_TWILIO_AUTH_TOKEN" in twilio.fix
    assert not odoo.ok and "refused the login 'sync'" in odoo.detail
    assert "WORKBENCH_ODOO_PASSWORD" in odoo.detail
    for finding in (smtp, twilio, odoo):
        assert "wrong" not in finding.detail + finding.fix  # no password in the output
    assert all(checks[c].ok for c in ("database", "migrations", "key file", "calendar"))


def test_the_command_prints_one_line_a_check_and_fails(deployment, run_cli, monkeypatch, leader):
    settings = deployment(smtp_password=SecretStr("wrong"))
    monkeypatch.delenv("WORKBENCH_KEYS_KEYRING", raising=False)
    for name in ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "keys_file",
                 "twilio_account_sid", "twilio_api_base", "odoo_host", "odoo_port",
                 "odoo_database", "odoo_login"):  # fmt: skip
        monkeypatch.setenv(f"WORKBENCH_{name.upper()}", str(getattr(settings, name)))
    for name in ("smtp_password", "twilio_auth_token", "odoo_password"):
        monkeypatch.setenv(f"WORKBENCH_{name.upper()}", getattr(settings, name).get_secret_value())
    code, out, err = run_cli("doctor")
    assert code == 1, err
    lines = out.splitlines()
    assert any(line.startswith("ok       database:") for line in lines)
    assert any(line.startswith("ok       twilio:") for line in lines)
    smtp = [line for line in lines if line.startswith("PROBLEM  smtp:")]
    assert smtp and "refused the login 'mailer'" in smtp[0] and "fix: check [smtp]" in smtp[0]
    assert "1 problem(s) to fix" in out and "Traceback" not in out + err


def test_key_file_problems(deployment, key_file, leader):
    key_file.chmod(0o644)
    finding = _by_check(Doctor(deployment(), clock=FixedClock(START)).run())["key file"]
    assert (
        not finding.ok and "mode 644" in finding.detail and f"chmod 600 {key_file}" in finding.fix
    )

    key_file.chmod(0o600)
    other = key_file.parent / "other.json"
    Keyring.generate().save(other)
    other.chmod(0o600)
    finding = _by_check(Doctor(deployment(keys_file=str(other))).run())["key file"]
    assert not finding.ok and "does not belong to this database" in finding.detail
    assert "key backup" in finding.fix

    missing = key_file.parent / "none.json"
    finding = _by_check(Doctor(deployment(keys_file=str(missing))).run())["key file"]
    assert not finding.ok and f"no key file at {missing}" in finding.detail


def test_no_scheduler_and_a_skewed_clock(deployment, wb):
    ahead = FixedClock(datetime.now(UTC) + timedelta(minutes=10))
    checks = _by_check(Doctor(deployment(), clock=FixedClock(START), machine_clock=ahead).run())
    assert not checks["scheduler"].ok and "start `workbench scheduler`" in checks["scheduler"].fix
    if wb.engine.dialect.name == "postgresql":
        clock = checks["clock"]
        assert not clock.ok and "differs from this machine's by 600 s" in clock.detail
        assert "NTP" in clock.fix
        fine = Doctor(deployment(), machine_clock=SystemClock()).run()
        assert _by_check(fine)["clock"].ok
    else:
        assert checks["clock"].ok and "SQLite" in checks["clock"].detail


def test_a_holiday_year_nobody_knows_yet(deployment, leader):
    last = max(china_public_days().known_years)  # 2026 with chinese-calendar 1.11
    december = FixedClock(datetime(last, 12, 2, 1, 0, tzinfo=UTC))
    calendar = _by_check(Doctor(deployment(), clock=december).run())["calendar"]
    assert not calendar.ok and f"does not know {last + 1}" in calendar.detail
    assert "chinese-calendar" in calendar.fix
    # the file to edit is the one read, wherever the settings put it
    assert str(deployment().config_path("complaints.toml").resolve()) in calendar.fix
    assert f"calendar show --year {last + 1}" in calendar.fix


def test_a_schema_behind_and_a_database_away(tmp_path, key_file):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    settings = load_settings(
        database_url=f"sqlite:///{empty}", keys_file=str(key_file), smtp_host=""
    )
    checks = _by_check(Doctor(settings, clock=FixedClock(START)).run())
    assert checks["database"].ok
    assert not checks["migrations"].ok and "empty (no schema)" in checks["migrations"].detail
    assert "workbench db upgrade" in checks["migrations"].fix
    assert checks["smtp"].skipped and checks["twilio"].skipped and checks["odoo"].skipped

    away = load_settings(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        keys_file=str(key_file),
        smtp_host="",
    )
    checks = _by_check(Doctor(away, clock=FixedClock(START)).run())
    assert not checks["database"].ok and "cannot be reached" in checks["database"].detail
    assert "[database] url" in checks["database"].fix
    assert checks["migrations"].skipped and checks["scheduler"].skipped
    key = checks["key file"]  # still checked: it needs no database
    assert key.ok and not key.skipped and "not compared: the database is unreachable" in key.detail
    assert "postgres@127.0.0.1" in checks["database"].detail

    gone = load_settings(database_url=f"sqlite:///{tmp_path / 'gone.db'}", smtp_host="")
    checks = _by_check(Doctor(gone, clock=FixedClock(START)).run())
    assert not checks["database"].ok and "no database file" in checks["database"].detail
    assert not (tmp_path / "gone.db").exists()
    assert os.path.exists(empty)
