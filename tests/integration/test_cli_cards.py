"""`workbench cards` against a real database, as staff at a store and on the hotline run it."""

import pytest
from sqlalchemy import select

from tests.factories import application
from workbench.audit.models import AuditEntry


@pytest.fixture
def cli(run_cli, people):
    return run_cli


def test_list_lost_found_lost_reissue(cli, wb, people, active_member):
    member_no, app = active_member
    code, out, _ = cli("cards", "list", member_no, user="sales1")
    assert code == 0 and member_no in out and "王**" in out and "active" in out
    assert "you may: cards lost, cards replace" in out
    for secret in (app.name, app.phone):
        assert secret not in out
    card_no = _current(wb, member_no)

    code, out, _ = cli("cards", "lost", member_no)  # the hotline freezes
    assert code == 0 and f"card {card_no} frozen (reported lost), now lost" in out
    code, _, err = cli("cards", "found", member_no)  # but may not unfreeze
    assert code == 2 and "agent1 (agent) may not unfreeze a found card" in err
    code, out, _ = cli("cards", "found", card_no, user="sales1")
    assert code == 0 and "unfrozen (found), now active" in out

    cli("cards", "lost", member_no, user="sales1")
    code, out, _ = cli("cards", "reissue", member_no, user="sales1")
    new = _current(wb, member_no)
    assert code == 0 and f"card {new} issued in place of the lost card (was {card_no})" in out
    code, _, err = cli("cards", "found", member_no, user="sales1")
    assert code == 2 and f"card {card_no} stays frozen" in err and "Traceback" not in err
    code, out, _ = cli("cards", "list", card_no, user="sales1")  # the old card finds them
    assert code == 0 and card_no in out and new in out and "●" in out


def test_replace_a_damaged_card(cli, wb, active_member):
    member_no, _ = active_member
    old = _current(wb, member_no)
    code, _, err = cli("cards", "reissue", member_no, user="sales1")
    assert code == 2 and "reissued after it is reported lost" in err
    code, out, _ = cli("cards", "replace", member_no, user="supervisor1")
    new = _current(wb, member_no)
    assert code == 0 and f"card {new} issued in place of the damaged card (was {old})" in out
    code, out, _ = cli("cards", "list", member_no, user="supervisor1")
    assert "damaged" in out


def test_activate_checks_the_phone(cli, wb, people):
    app = application()
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        session.commit()
    card_no = _current(wb, member.member_no)
    code, _, err = cli("cards", "activate", card_no, "--phone", "13800000000", user="sales1")
    assert code == 2 and err.startswith("error: phone:") and "does not match" in err
    code, out, _ = cli("cards", "activate", card_no, "--phone", app.phone, user="sales1")
    assert code == 0 and f"card {card_no} activated, now active" in out
    with wb.sessions() as session:
        results = session.scalars(
            select(AuditEntry.result).where(AuditEntry.action == "card_activate")
        ).all()
    assert results == ["refused", "ok"]


def test_unknown_member_and_wrong_role_are_one_clear_line(cli, active_member):
    member_no, _ = active_member
    code, _, err = cli("cards", "lost", "M000000000", user="sales1")
    assert code == 2 and err.strip() == "error: no member or card 'M000000000' that you may act on"
    code, _, err = cli("cards", "list", member_no, user="analyst1")
    assert code == 2 and "may not see a member's cards" in err and "Traceback" not in err


def _current(wb, member_no: str) -> str:
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        return wb.registry.current_card(session, member.id).card_no
