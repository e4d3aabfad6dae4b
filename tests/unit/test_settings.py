"""Settings: defaults from config/workbench.toml, the environment over the file, --config FILE,
errors that name the setting and what it allows, secrets kept out of committed files, and every
setting documented in the shipped file."""

import os
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from workbench.errors import ConfigError
from workbench.settings import SECRET_SETTINGS, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "workbench.toml"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """The developer's own WORKBENCH_* variables must not change what these tests see."""
    for name in list(os.environ):
        if name.startswith("WORKBENCH_"):
            monkeypatch.delenv(name)


def _write(tmp_path: Path, text: str, name: str = "other.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_shipped_file():
    settings = load_settings()
    assert Path(settings.config_file).resolve() == SHIPPED.resolve()
    assert settings.locale_timezone == "Asia/Shanghai"
    assert settings.members_tier_scheme == "classic"
    assert settings.members_points_expiry_years == 2
    assert settings.smtp_security == "starttls"
    assert settings.database_url == ""


def test_config_path_finds_the_tier_schemes():
    settings = load_settings()
    assert settings.config_path("tiers/classic.toml").exists()
    assert settings.config_path("tiers/cumulative.toml").exists()
    with pytest.raises(ConfigError, match="nope.toml"):
        settings.config_path("tiers/nope.toml")


def test_another_file_is_read_in_place_of_the_shipped_one(tmp_path):
    path = _write(tmp_path, '[database]\nurl = "sqlite:///other.db"\n\n[smtp]\nport = 465\n')
    settings = load_settings(path)
    assert settings.config_file == str(path)
    assert settings.database_url == "sqlite:///other.db"
    assert settings.smtp_port == 465
    assert settings.locale_timezone == "Asia/Shanghai"  # not in that file: the built-in default


def test_workbench_config_names_the_file(monkeypatch, tmp_path):
    path = _write(tmp_path, '[members]\ntier_scheme = "cumulative"\n')
    monkeypatch.setenv("WORKBENCH_CONFIG", str(path))
    assert load_settings().members_tier_scheme == "cumulative"


def test_the_environment_beats_the_file(monkeypatch, tmp_path):
    path = _write(tmp_path, '[database]\nurl = "sqlite:///from-file.db"\n')
    assert load_settings(path).database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings(path).database_url == "postgresql+psycopg://u@h/db"
    assert load_settings().database_url == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("WORKBENCH_PROTECTION_EXPORT_ROLES", '["admin"]')
    assert load_settings(path).protection_export_roles == ["admin"]


@pytest.mark.parametrize(
    "text, wanted",
    [
        (
            '[locale]\ntimezone = "Mars/Base"',
            ["[locale] timezone", "WORKBENCH_LOCALE_TIMEZONE", "Asia/Shanghai"],
        ),
        (
            '[smtp]\nsecurity = "ssl3"',
            ["[smtp] security", "WORKBENCH_SMTP_SECURITY", "'none'", "'starttls'", "'tls'"],
        ),
        (
            "[members]\npoints_expiry_years = 0",
            [
                "[members] points_expiry_years",
                "WORKBENCH_MEMBERS_POINTS_EXPIRY_YEARS",
                "greater than or equal to 1",
            ],
        ),
        ('[database]\nurl = "mysql://x"', ["[database] url", "sqlite", "postgresql"]),
        ('[protection]\nreveal_roles = ["janitor"]', ["reveal_roles", "'agent'", "'admin'"]),
        ('[callbacks]\ncalling_start = "9am"', ["[callbacks] calling_start", "pattern"]),
    ],
)
def test_a_wrong_value_names_the_setting_and_what_is_allowed(tmp_path, text, wanted):
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text))
    for part in wanted:
        assert part in str(error.value)


@pytest.mark.parametrize(
    "section, key",
    [
        ("callbacks", "calling_start"),
        ("callbacks", "calling_end"),
        ("messaging", "quiet_start"),
        ("messaging", "quiet_end"),
    ],
)
def test_a_time_of_day_must_be_a_real_time(tmp_path, section, key):
    """bootstrap reads these with time.fromisoformat: an hour past 23 must be refused here, with
    the setting named, not later as a bare ValueError."""
    with pytest.raises(ConfigError, match=re.escape(f"[{section}] {key}")):
        load_settings(_write(tmp_path, f'[{section}]\n{key} = "25:00"\n'))


@pytest.mark.parametrize("start, end", [("20:00", "09:00"), ("09:00", "09:00"), ("23:59", "00:00")])
def test_calling_hours_may_not_wrap_past_midnight(tmp_path, start, end):
    text = f'[callbacks]\ncalling_start = "{start}"\ncalling_end = "{end}"\n'
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text))
    message = str(error.value)
    assert "[callbacks] calling_end" in message and "calling_start" in message
    assert "WORKBENCH_CALLBACKS_CALLING_END" in message


def test_calling_hours_are_checked_whichever_source_sets_them(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CALLBACKS_CALLING_START", "21:00")
    with pytest.raises(ConfigError, match=re.escape("[callbacks] calling_end")):
        load_settings()  # the shipped calling_end, 20:00, is now earlier
    monkeypatch.setenv("WORKBENCH_CALLBACKS_CALLING_END", "21:30")
    assert load_settings().callbacks_calling_end == "21:30"


def test_quiet_hours_may_wrap_past_midnight(tmp_path):
    text = '[messaging]\nquiet_start = "22:00"\nquiet_end = "08:00"\n'
    settings = load_settings(_write(tmp_path, text))
    assert (settings.messaging_quiet_start, settings.messaging_quiet_end) == ("22:00", "08:00")


def test_a_wrong_value_from_the_environment_is_a_config_error_too(monkeypatch):
    monkeypatch.setenv("WORKBENCH_LOCALE_TIMEZONE", "Mars/Base")
    with pytest.raises(ConfigError, match="WORKBENCH_LOCALE_TIMEZONE"):
        load_settings()


@pytest.mark.parametrize(
    "section, key, setting",
    [
        ("twilio", "auth_token", "twilio_auth_token"),
        ("smtp", "password", "smtp_password"),
        ("odoo", "password", "odoo_password"),
        ("keys", "keyring", "keys_keyring"),
    ],
)
def test_a_secret_in_a_file_is_refused(tmp_path, section, key, setting):
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, f'[{section}]\n{key} = "x"\n'))
    message = str(error.value)
    assert setting in message
    assert "secrets come from the environment" in message
    assert f"WORKBENCH_{setting.upper()}" in message


def test_a_secret_from_the_environment_is_accepted_and_hidden(monkeypatch):
    monkeypatch.setenv("WORKBENCH_TWILIO_AUTH_TOKEN", "s3cret-token")
    settings = load_settings()
    assert isinstance(settings.twilio_auth_token, SecretStr)
    assert settings.twilio_auth_token.get_secret_value() == "s3cret-token"
    assert "s3cret-token" not in repr(settings)
    assert "s3cret-token" not in str(settings)


def test_secrets_are_unset_by_default():
    settings = load_settings()
    for name in SECRET_SETTINGS:
        assert getattr(settings, name) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("[database]\ncolour = 1", "unknown setting"),
        ("[colours]\nbackground = 1", "unknown setting"),
        ("[database\n", "not valid TOML"),
        ('url = "sqlite:///x.db"', "must be a [section]"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(_write(tmp_path, text))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def _documented_settings(text: str) -> set[str]:
    """Settings `<section>_<key>` whose key has its own comment: a comment line directly above
    the key itself. A comment shared by a run of keys, or one above the [section] header,
    documents none of them."""
    documented: set[str] = set()
    section: str | None = None
    previous_was_comment = False
    for raw in text.splitlines():
        line = raw.strip()
        if match := re.fullmatch(r"\[(\w+)\]", line):
            section = match.group(1)
        elif section and (match := re.match(r"(\w+)\s*=", line)) and previous_was_comment:
            documented.add(f"{section}_{match.group(1)}")
        previous_was_comment = line.startswith("#")
    return documented


def test_the_comment_parser_needs_a_comment_directly_above_each_key():
    text = "[a]\n# doc\nx = 1\ny = 2\n\n# doc\n\nz = 3\n\n# doc\n[b]\nw = 1\n# doc\n# more\nv = 2\n"
    assert _documented_settings(text) == {"a_x", "b_v"}


def test_every_setting_is_in_the_shipped_file_with_its_own_comment():
    documented = _documented_settings(SHIPPED.read_text(encoding="utf-8"))
    wanted = set(Settings.model_fields) - SECRET_SETTINGS - {"config_file"}
    assert sorted(wanted - documented) == []


def test_the_shipped_file_holds_no_unknown_or_secret_setting():
    text = SHIPPED.read_text(encoding="utf-8")
    section, present = None, set()
    for line in text.splitlines():
        if match := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section = match.group(1)
        elif section and (match := re.match(r"(\w+)\s*=", line.strip())):
            present.add(f"{section}_{match.group(1)}")
    assert present <= set(Settings.model_fields) - SECRET_SETTINGS
