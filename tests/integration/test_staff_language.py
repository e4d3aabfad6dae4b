"""The desk language is remembered per staff member (issue 17 item 8): the use case stores it,
the CLI sets one's own, and the next sign-in carries it; both backends."""

import pytest
from sqlalchemy import select

from tests.factories import password_hash
from workbench.errors import ValidationError
from workbench.members.models import Staff

PASSWORD = "password1"


def _language(wb, username: str) -> str | None:
    with wb.sessions() as session:
        return session.scalar(select(Staff.language).where(Staff.username == username))


def test_the_choice_is_stored_and_comes_back_at_sign_in(wb, world):
    with wb.sessions() as session:
        staff = session.scalar(select(Staff).where(Staff.username == "agent"))
        staff.password_hash = password_hash(PASSWORD)
        session.commit()
    desk = wb.usecases.sign_in
    first = desk.sign_in("agent", PASSWORD)
    assert first.staff.language is None  # never chosen: the setting's
    desk.remember_language(first.staff, "en")
    assert _language(wb, "agent") == "en"
    assert _language(wb, "supervisor") is None  # one person's choice only
    assert desk.sign_in("agent", PASSWORD).staff.language == "en"
    desk.remember_language(first.staff, None)
    assert desk.sign_in("agent", PASSWORD).staff.language is None


def test_only_the_desks_languages(wb, world):
    with pytest.raises(ValidationError, match="language"):
        wb.usecases.sign_in.remember_language(world.staff["agent"], "fr")
    assert _language(wb, "agent") is None


def test_the_cli_sets_ones_own(wb, world, run_cli):
    code, out, _ = run_cli("staff", "language", "en", user="supervisor")
    assert code == 0 and "en" in out
    assert _language(wb, "supervisor") == "en"
    assert _language(wb, "agent") is None
    code, _, err = run_cli("staff", "language", "klingon", user="supervisor")
    assert code != 0 and "language" in err
    code, out, _ = run_cli("staff", "language", "default", user="supervisor")
    assert code == 0 and _language(wb, "supervisor") is None
