"""Malformed JSON in a list or table setting given in the environment is one clear error naming
the setting (issue 19, item 8), never a traceback or "something went wrong"."""

import pytest

from workbench.errors import ConfigError
from workbench.settings import load_settings


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("WORKBENCH_ODOO_MEMBER_DOMAIN", '[["is_company", "=", false', "[odoo] member_domain"),
        ("WORKBENCH_ODOO_TIER_CODES", "{platinum", "[odoo] tier_codes"),
        ("WORKBENCH_ODOO_ALLOWED_COMPANY_IDS", "1,2", "[odoo] allowed_company_ids"),
    ],
)
def test_malformed_json_in_a_setting_is_a_clear_error(monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in str(caught.value) and variable in str(caught.value)
    assert "not valid JSON" in str(caught.value)


def test_the_new_odoo_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_ODOO_TIER_CODES", '{"platinum": "diamond"}')
    monkeypatch.setenv("WORKBENCH_ODOO_ALLOWED_COMPANY_IDS", "[1, 2]")
    monkeypatch.setenv("WORKBENCH_ODOO_PLACEHOLDER_PHONES", '["13812345678"]')
    settings = load_settings()
    assert settings.odoo_tier_codes == {"platinum": "diamond"}
    assert settings.odoo_allowed_company_ids == [1, 2]
    assert settings.odoo_placeholder_phones == ["13812345678"]
