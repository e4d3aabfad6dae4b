"""Settings: the file, the environment over it, --config, clear errors, secrets kept out of
committed files, and every setting documented in config/workbench.toml."""

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from workbench.errors import ConfigError
from workbench.settings import SECRET_SETTINGS, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("WORKBENCH_"):
            monkeypatch.delenv(name)


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "workbench.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_shipped_file():
    settings = load_settings()
    assert settings.config_file.endswith("config/workbench.toml")
    assert settings.locale_timezone == "Asia/Shanghai" and settings.members_points_expiry_years == 2
    assert settings.config_path("tiers/classic.toml").exists()


def test_environment_beats_the_file(monkeypatch, tmp_path):
    path = _write(tmp_path, '[database]\nurl = "sqlite:///from-file.db"\n')
    assert load_settings(path).database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings(path).database_url == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("WORKBENCH_PROTECTION_EXPORT_ROLES", '["admin"]')
    assert load_settings(path).protection_export_roles == ["admin"]


@pytest.mark.parametrize(
    "text, names",
    [
        ('[locale]\ntimezone = "Mars/Base"', ["[locale] timezone", "WORKBENCH_LOCALE_TIMEZONE"]),
        ('[smtp]\nsecurity = "ssl3"', ["[smtp] security", "'starttls'"]),
        ("[members]\npoints_expiry_years = 0", ["points_expiry_years", "greater than or equal"]),
        ('[database]\nurl = "mysql://x"', ["[database] url", "postgresql"]),
        ('[protection]\nreveal_roles = ["janitor"]', ["reveal_roles", "'agent'"]),
    ],
)
def test_a_wrong_value_names_the_setting_and_what_is_allowed(tmp_path, text, names):
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text))
    for name in names:
        assert name in str(error.value)


def test_secrets_are_refused_in_files_and_taken_from_the_environment(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="environment"):
        load_settings(_write(tmp_path, '[twilio]\nauth_token = "abc"'))
    monkeypatch.setenv("WORKBENCH_TWILIO_AUTH_TOKEN", "s3cret")
    settings = load_settings(_write(tmp_path, ""))
    assert isinstance(settings.twilio_auth_token, SecretStr)
    assert settings.twilio_auth_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_bad_files_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(_write(tmp_path, "[database]\ncolour = 1"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[database\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_every_setting_is_in_the_shipped_file_with_a_comment():
    text = (ROOT / "config" / "workbench.toml").read_text(encoding="utf-8")
    section, documented, comment_seen = None, set(), False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            comment_seen = True
        elif match := re.fullmatch(r"\[(\w+)\]", line):
            section, comment_seen = match.group(1), comment_seen
        elif match := re.match(r"(\w+)\s*=", line):
            if comment_seen:
                documented.add(f"{section}_{match.group(1)}")
        elif not line:
            comment_seen = False
    wanted = set(Settings.model_fields) - SECRET_SETTINGS - {"config_file"}
    assert wanted - documented == set()
