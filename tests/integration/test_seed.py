"""The demo seed on both backends: counts and rules hold, members are found through the blind
index, and the raw storage holds no personal data in clear."""

import pytest
from sqlalchemy import func, inspect, select, text

from tests.pii import clear_personal_data
from workbench.complaints.models import Complaint
from workbench.demo.seed import seed
from workbench.errors import WorkbenchError
from workbench.members.models import (
    CardStatus,
    Member,
    MemberCard,
    MemberStatus,
    PointsEntry,
    Staff,
)


@pytest.fixture
def seeded(wb):
    return seed(wb, members=250, stores=3, random_seed=5, complaints=20)


def test_counts_and_rules(wb, seeded):
    assert seeded.stores == 4 and sum(seeded.members.values()) == 250
    assert seeded.members["active"] > 200 and seeded.complaints == 20
    roles = {role for _, role, _ in seeded.logins}
    assert roles == {
        "admin",
        "supervisor",
        "agent",
        "department_head",
        "analyst",
        "store_manager",
        "sales",
    }
    with wb.sessions() as session:
        negative = session.execute(
            select(PointsEntry.member_id)
            .group_by(PointsEntry.member_id)
            .having(func.sum(PointsEntry.points) < 0)
        ).all()
        assert negative == []
        for member in session.scalars(select(Member).where(Member.status == "terminated")):
            assert member.name_enc is None and member.phone_bidx is None
        lost = session.scalars(select(MemberCard).where(MemberCard.status == CardStatus.LOST)).all()
        for old in lost:
            new = session.scalar(select(MemberCard).where(MemberCard.replaces_card_id == old.id))
            assert new.status == CardStatus.ACTIVE and new.member_id == old.member_id
        states = set(session.scalars(select(Complaint.state)).all())
        assert "closed" in states and len(states) >= 2
        assert session.scalar(select(func.count()).select_from(Staff)) == seeded.staff


def test_seeded_members_are_found_and_decrypted(wb, seeded):
    found = 0
    with wb.sessions() as session:
        for phone in seeded.sample_phones[:40]:
            member = wb.registry.find_by_phone(session, phone)
            if member is None:  # terminated and erased: the phone no longer leads anywhere
                continue
            found += 1
            assert member.status != MemberStatus.TERMINATED
            fields = wb.registry.decrypt(member)
            assert fields["phone"] == "+86" + phone
            assert fields["birthday"][5:].replace("-", "") == member.birth_month_day
    assert found >= 35


def test_an_empty_database_only(wb, seeded):
    with pytest.raises(WorkbenchError, match="already has members"):
        seed(wb, members=10, stores=1)


def test_raw_storage_holds_no_personal_data(wb, seeded, db_url):
    with wb.sessions() as session:
        members = session.scalars(select(Member).where(Member.name_enc.is_not(None))).all()
        names = [wb.registry.decrypt(m, ("name",))["name"] for m in members[:50]]
        ids = [wb.registry.decrypt(m, ("id_number",))["id_number"] for m in members[:50]]
    phones = seeded.sample_phones[:100]
    needles = names + ids + phones + ["+86" + p for p in phones]
    if db_url.startswith("sqlite"):
        wb.dispose()  # let SQLite fold the WAL back: read the file as a thief would
        path = db_url.removeprefix("sqlite:///")
        raw = b""
        for suffix in ("", "-wal"):
            try:
                with open(path + suffix, "rb") as handle:
                    raw += handle.read()
            except FileNotFoundError:
                pass
    else:
        chunks = []
        with wb.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    chunks.append("\x1f".join("" if v is None else str(v) for v in row))
        raw = "\n".join(chunks).encode()
    assert len(raw) > 100_000
    assert clear_personal_data(raw, needles) == []
