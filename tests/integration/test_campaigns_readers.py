"""Campaigns are read by the signed-in staff whose dashboard shows them (supervisors,
administrators, department heads, analysts, store managers), in the CLI as in the use case;
agents and sales staff are refused, and a wrong password lists nothing."""

from datetime import timedelta

import pytest

from workbench.permissions.access import AccessDenied


@pytest.fixture
def campaign(wb, world):
    today = wb.clock.now().astimezone(wb.settings.timezone).date()
    return wb.usecases.callbacks.create_campaign(
        world.staff["supervisor"],
        name="春季回访",
        segment='{"store": "SH01"}',
        starts_on=today,
        ends_on=today + timedelta(days=6),
        daily_capacity=5,
    )


@pytest.mark.parametrize("who", ["supervisor", "admin", "dept_head", "analyst", "manager_own"])
def test_the_readers_list_campaigns_and_read_their_progress(wb, world, campaign, who):
    desk, actor = wb.usecases.callbacks, world.staff[who]
    assert [c.campaign_id for c in desk.campaign_list(actor)] == [campaign.campaign_id]
    assert desk.progress(actor, campaign.campaign_id).name == "春季回访"


@pytest.mark.parametrize("who", ["agent", "sales_own"])
def test_others_are_refused_whether_or_not_the_campaign_exists(wb, world, campaign, who):
    desk, actor = wb.usecases.callbacks, world.staff[who]
    with pytest.raises(AccessDenied, match="see campaigns"):
        desk.campaign_list(actor)
    for campaign_id in (campaign.campaign_id, 999):
        with pytest.raises(AccessDenied, match="see campaigns"):
            desk.progress(actor, campaign_id)


def test_the_commands_sign_in_and_check_the_role(wb, world, campaign, run_cli, monkeypatch):
    code, out, _ = run_cli("campaigns", "list", user="analyst")
    assert code == 0 and "春季回访" in out
    code, out, _ = run_cli("campaigns", "show", str(campaign.campaign_id), user="manager_own")
    assert code == 0 and "春季回访" in out and "made today 0/5" in out
    for args in (("campaigns", "list"), ("campaigns", "show", str(campaign.campaign_id))):
        code, out, err = run_cli(*args, user="agent")
        assert code == 2 and "春季回访" not in out
        assert err.startswith("error:") and "see campaigns" in err and "Traceback" not in err
    monkeypatch.setenv("WORKBENCH_PASSWORD", "not the password")
    for args in (("campaigns", "list"), ("campaigns", "show", str(campaign.campaign_id))):
        code, out, err = run_cli(*args, user="supervisor")
        assert code == 2 and "春季回访" not in out and "Traceback" not in err
