"""New password hashes, and the check made for an unknown user, take the configured cost."""

from argon2 import extract_parameters

from workbench.permissions.auth import _dummy_hash, password_hasher
from workbench.settings import load_settings


def test_the_default_cost_is_argon2s_recommended_one(monkeypatch):
    monkeypatch.delenv("WORKBENCH_PROTECTION_PASSWORD_TIME_COST")  # the suite's cheap cost
    monkeypatch.delenv("WORKBENCH_PROTECTION_PASSWORD_MEMORY_KIB")
    settings = load_settings(database_url="sqlite://", keys_file="/nonexistent/keys.json")
    hasher = password_hasher(
        settings.protection_password_time_cost, settings.protection_password_memory_kib
    )
    assert (hasher.time_cost, hasher.memory_cost) == (3, 65536)


def test_new_hashes_and_the_unknown_users_check_take_the_configured_cost():
    hasher = password_hasher(2, 1024)
    for stored in (hasher.hash("password1"), _dummy_hash(hasher)):
        parameters = extract_parameters(stored)
        assert (parameters.time_cost, parameters.memory_cost) == (2, 1024)
