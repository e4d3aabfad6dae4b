"""A backup restored into an empty database brings every member and ledger line back."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import application
from tests.scratch_db import empty_database
from workbench.backup.archive import BackupError
from workbench.backup.service import create_backup, restore_backup
from workbench.bootstrap import build
from workbench.crypto import Keyring
from workbench.members.models import Member, PointsEntry


@pytest.fixture
def empty_target(db_url, tmp_path):
    with empty_database(db_url, tmp_path / "restored.db", "workbench_restore") as url:
        yield url


def _fill(wb, world):
    apps = [application(store_code="SH01") for _ in range(3)]
    with wb.sessions() as session:
        for app in apps:
            member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
            wb.ledger.record_purchase(session, member=member, amount=Decimal("321.50"), store_id=2)
        session.commit()
    wb.access.view(world.staff["sales_own"], world.member_no, "sales")  # an audit entry
    return apps


def _counts(wb):
    with wb.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Member)),
            session.scalar(select(func.count()).select_from(PointsEntry)),
            session.scalar(select(func.sum(PointsEntry.points))),
        )


def test_round_trip(wb, world, keyring, settings, clock, empty_target, tmp_path):
    apps = _fill(wb, world)
    backup = tmp_path / "b.wbk"
    info = create_backup(
        url=wb.settings.effective_database_url, keyring=keyring, target=backup, now=clock.now()
    )
    assert info.plain_bytes > 0 and backup.exists()
    raw = backup.read_bytes()
    for app in apps:
        assert app.phone.encode() not in raw and app.name.encode() not in raw

    restored_info = restore_backup(source=backup, url=empty_target, keyring=keyring)
    assert restored_info.revision == info.revision
    restored = build(
        settings.model_copy(update={"database_url": empty_target}), clock=clock, keyring=keyring
    )
    try:
        assert _counts(restored) == _counts(wb)
        with restored.sessions() as session:
            member = restored.registry.find_by_phone(session, apps[0].phone)
            assert restored.registry.decrypt(member)["id_number"] == apps[0].id_number
            assert restored.audit.verify(session).ok
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(source=backup, url=empty_target, keyring=keyring)
    finally:
        restored.dispose()


def test_wrong_key_and_damage_are_refused(wb, world, keyring, clock, empty_target, tmp_path):
    _fill(wb, world)
    backup = tmp_path / "b.wbk"
    create_backup(
        url=wb.settings.effective_database_url, keyring=keyring, target=backup, now=clock.now()
    )
    with pytest.raises(BackupError, match="wrong backup key"):
        restore_backup(source=backup, url=empty_target, keyring=Keyring.generate())
    cut = tmp_path / "cut.wbk"
    cut.write_bytes(backup.read_bytes()[:-100])
    with pytest.raises(BackupError):
        restore_backup(source=cut, url=empty_target, keyring=keyring)
    flipped = bytearray(backup.read_bytes())
    flipped[-50] ^= 1
    damaged = tmp_path / "damaged.wbk"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(BackupError):
        restore_backup(source=damaged, url=empty_target, keyring=keyring)
    garbage = tmp_path / "garbage.wbk"
    garbage.write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a workbench backup"):
        restore_backup(source=garbage, url=empty_target, keyring=keyring)
