"""Making a campaign's tasks by hand (`campaigns materialise`) is for the signed-in roles that
create, pause and resume campaigns: supervisors and administrators, in the CLI as in the use
case. Others are refused before anything is made; a wrong password makes nothing. The
scheduler's timed run acts as the system and needs no one."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures_world import CLI_PASSWORD
from workbench.callbacks.models import CallbackTask
from workbench.errors import PermissionDenied
from workbench.scheduler import jobs


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


def _tasks(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(CallbackTask))


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisors_and_administrators_run_campaigns(wb, world, campaign, who):
    desk, actor = wb.usecases.callbacks, world.staff[who]
    assert desk.materialise(actor, campaign.campaign_id) == 1  # the world's one member
    assert desk.materialise(actor) == 0  # every active campaign: nothing made twice
    assert _tasks(wb) == 1


@pytest.mark.parametrize(
    "who", ["agent", "dept_head", "analyst", "manager_own", "sales_own", "agent_branch"]
)
def test_others_are_refused_whether_or_not_the_campaign_exists(wb, world, campaign, who):
    desk, actor = wb.usecases.callbacks, world.staff[who]
    for campaign_id in (campaign.campaign_id, 999, None):
        with pytest.raises(PermissionDenied, match="may not run campaigns"):
            desk.materialise(actor, campaign_id)
    assert _tasks(wb) == 0


def test_the_scheduler_runs_them_as_the_system(wb, world, campaign, monkeypatch):
    monkeypatch.setattr(jobs, "_workbench", wb)
    jobs.materialise_campaigns()
    assert _tasks(wb) == 1


def test_the_command_signs_in_and_checks_the_role(wb, world, campaign, run_cli, monkeypatch):
    for args in (("campaigns", "materialise"), ("campaigns", "materialise", "1")):
        code, out, err = run_cli(*args, user="agent")
        assert code == 2 and "callback tasks made" not in out and "Traceback" not in err
        assert err.startswith("error:") and "may not run campaigns" in err
    monkeypatch.setenv("WORKBENCH_PASSWORD", "not the password")
    code, out, err = run_cli("campaigns", "materialise", user="supervisor")
    assert code == 2 and "callback tasks made" not in out and "Traceback" not in err
    assert _tasks(wb) == 0
    monkeypatch.setenv("WORKBENCH_PASSWORD", CLI_PASSWORD)
    code, out, _ = run_cli("campaigns", "materialise", str(campaign.campaign_id), user="admin")
    assert code == 0 and "1 callback tasks made" in out and _tasks(wb) == 1
