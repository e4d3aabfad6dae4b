"""Small builders for tests: stores, staff and members with valid, clearly fake identities."""

from __future__ import annotations

from functools import lru_cache
from itertools import count

from argon2 import PasswordHasher

from workbench.members.identity import id_check_char
from workbench.members.models import Role, Staff, Store, StoreKind
from workbench.members.registry import MemberApplication

_serial = count(1)


def fake_id_number(birthday: str = "19900315", serial: int | None = None, male: bool = True) -> str:
    n = next(_serial) if serial is None else serial
    seq = (n * 2 + (1 if male else 0)) % 1000
    body = f"110101{birthday}{seq:03d}"
    return body + id_check_char(body)


def fake_phone(serial: int | None = None) -> str:
    n = next(_serial) if serial is None else serial
    return f"139{n:08d}"


def add_store(session, code: str = "SH01", kind: StoreKind = StoreKind.DIRECT, **kw) -> Store:
    store = Store(code=code, name=kw.pop("name", f"门店 {code}"), kind=kind, **kw)
    session.add(store)
    session.flush()
    return store


def add_staff(session, clock, username: str, role: Role, store: Store | None = None) -> Staff:
    staff = Staff(
        username=username,
        display_name=username,
        role=role,
        store_id=store.id if store else None,
        created_at=clock.now(),
    )
    session.add(staff)
    session.flush()
    return staff


def application(store_code: str = "SH01", **overrides) -> MemberApplication:
    serial = next(_serial)
    values = dict(
        name="王小明",
        phone=fake_phone(serial),
        id_number=fake_id_number(serial=serial),
        store_code=store_code,
        email=f"member{serial}@example.com",
        address="上海市浦东新区张江路100号",
    )
    values.update(overrides)
    return MemberApplication(**values)


@lru_cache(maxsize=8)
def password_hash(password: str) -> str:
    """An argon2 hash at the smallest cost: signing in verifies it for real (the hash names its
    own parameters) in microseconds, where the production cost takes a tenth of a second of CPU
    at every sign-in — every CLI command a test runs signs in."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


def callback_grant(wb, world, who, fields=None, minutes=30, starts_in=0):
    """A callback's access grant for `who` to the world's member, from `starts_in` minutes on,
    for `minutes` (every personal field unless `fields`); committed, returned."""
    from datetime import timedelta

    from workbench.permissions.access import ALL_FIELDS
    from workbench.permissions.models import GrantSource

    now = wb.clock.now() + timedelta(minutes=starts_in)
    with wb.sessions() as session:
        grant = wb.access.open_grant(
            session,
            staff_id=world.staff[who].id,
            member_id=world.member_id,
            source=GrantSource.CALLBACK,
            source_ref="task-1",
            starts_at=now,
            ends_at=now + timedelta(minutes=minutes),
            fields=frozenset(ALL_FIELDS if fields is None else fields),
        )
        session.commit()
        return grant
