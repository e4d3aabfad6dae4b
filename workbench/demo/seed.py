"""`workbench seed`: stores, staff for every role, members with cards, purchases over two years,
points, referrals, member activities, lost cards and terminated (erased) members, in bulk; then
complaints and callbacks through the real services on a clock that walks through the two years."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.db.engine import refresh_planner_statistics
from workbench.demo import bulk
from workbench.demo.generators import REGIONS, FakePerson, PersonFactory
from workbench.errors import WorkbenchError
from workbench.members.gifts import GiftCatalogue
from workbench.members.goods import GoodsStatus, StoredGoods
from workbench.members.models import (
    CardStatus,
    Member,
    MemberCard,
    MemberEvent,
    MemberStatus,
    PointsEntry,
    PointsKind,
    Purchase,
    Role,
    Staff,
    Store,
    StoreKind,
)
from workbench.members.numbers import NUMBER_SPACE, card_no_from_int, member_no_from_int
from workbench.members.points import add_years
from workbench.members.tiers import PeriodActivity

if TYPE_CHECKING:
    from workbench.bootstrap import Services  # the seeder needs the services only

DEMO_PASSWORD = "demo1234"
CITY_CODES = ["SH", "BJ", "GZ", "SZ", "HZ", "NJ", "CD", "WH"]  # aligned with REGIONS
CHUNK = 10_000
Progress = Callable[[str, int, int], None]


def _silent(stage: str, done: int, total: int) -> None:
    """The progress report when none is asked for."""


@dataclass
class SeedSummary:
    stores: int = 0
    staff: int = 0
    members: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    cards: int = 0
    lost_cards: int = 0
    purchases: int = 0
    points_entries: int = 0
    complaints: int = 0
    callback_tasks: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, store
    sample_phones: list[str] = field(default_factory=list, repr=False)  # in memory, for benches


def seed(
    wb: Services,
    *,
    members: int,
    stores: int,
    random_seed: int = 42,
    complaints: int | None = None,
    purchase_scale: float = 1.0,
    progress: Progress | None = None,
) -> SeedSummary:
    """Everything in one go (`workbench seed`). `purchase_scale` thins or thickens the purchase
    history (benchmarks use less)."""
    rng = random.Random(random_seed)
    summary = SeedSummary()
    report = progress or _silent
    _essentials(wb, rng, members, stores, purchase_scale, summary, report)
    count = complaint_target(members) if complaints is None else complaints
    if count:
        from workbench.demo.workflow import seed_complaints_and_callbacks

        seed_complaints_and_callbacks(wb, rng, count, summary, report)
    _tally(wb, summary)
    return summary


def complaint_target(members: int) -> int:
    """How many complaints the demo data holds when not told: a fifth of the members, at most
    3000."""
    return min(members // 5, 3000)


def seed_essentials(
    wb: Services,
    *,
    members: int,
    stores: int,
    random_seed: int = 42,
    complaints: int | None = None,
    progress: Progress | None = None,
) -> SeedSummary:
    """The first stage of `workbench demo`: stores, staff, members with their cards, purchases,
    points, activities, gifts and stored goods, in bulk (seconds), so the sign-in screen comes
    quickly. The complaints and callbacks (`complaints`, default a fifth of the members) are
    left to `finish_demo`, which walks them through the real services; `SeedSummary.complaints`
    holds how many are still to come."""
    rng = random.Random(random_seed)
    summary = SeedSummary()
    _essentials(wb, rng, members, stores, 1.0, summary, progress or _silent)
    _tally(wb, summary)
    summary.complaints = complaint_target(members) if complaints is None else complaints
    return summary


def finish_demo(
    wb: Services,
    *,
    members: int,
    stores: int,
    random_seed: int = 42,
    complaints: int | None = None,
    progress: Progress | None = None,
) -> SeedSummary:
    """The second stage of `workbench demo`, run in the background after `seed_essentials`:
    complaints up to `complaints` (default a fifth of the members in the database) and the
    callback campaign, through the real services. It resumes where an interrupted run stopped
    and does nothing when the work is done. `members` and `stores` are not used (the database
    says what is there)."""
    from workbench.demo.workflow import finish_complaints_and_callbacks

    del members, stores  # the database already holds them
    with wb.sessions() as session:
        present = session.scalar(select(func.count()).select_from(Member)) or 0
    summary = SeedSummary()
    if not present:
        return summary
    target = complaint_target(present) if complaints is None else complaints
    # Its own generator: the first stage's draws are not repeated here.
    rng = random.Random(random_seed * 7919 + 1)
    finish_complaints_and_callbacks(wb, rng, target, summary, progress or _silent)
    _tally(wb, summary)
    return summary


def _essentials(
    wb: Services,
    rng: random.Random,
    members: int,
    stores: int,
    purchase_scale: float,
    summary: SeedSummary,
    report: Progress,
) -> None:
    if members < 1 or stores < 1:
        raise WorkbenchError("seed at least 1 store and 1 member")
    with wb.sessions() as session:
        if session.scalar(select(func.count()).select_from(Member)):
            raise WorkbenchError("the database already has members: seed an empty database")
    now = wb.clock.now()
    store_rows, staff_rows = _stores_and_staff(wb, stores, now, summary)
    _members(wb, rng, members, store_rows, staff_rows, now, summary, report, purchase_scale)
    with wb.sessions() as session:
        wb.ledger.expire_due(session)  # points earned over two years ago have expired
        # The gift catalogue of config/rewards.toml (idempotent, like `gifts import`).
        GiftCatalogue(wb.ledger).import_rewards(session, wb.ledger.rewards.values())
        _stored_goods(session, rng, now)
        session.commit()


GOODS_ITEMS = (
    "羽绒服（改衣）",
    "燕窝礼盒",
    "定制西装",
    "茶叶礼盒",
    "皮鞋（保养）",
    "羊绒大衣（干洗）",
)


def _stored_goods(session: Session, rng: random.Random, now: datetime) -> None:
    """Goods some members left at their store (about one active member in 40): most due in the
    coming weeks, some already overdue, so the store's list and the reminders have work."""
    active = session.execute(
        select(col(Member.id), col(Member.store_id)).where(
            col(Member.status) == MemberStatus.ACTIVE
        )
    ).all()
    for member_id, store_id in rng.sample(active, len(active) // 40):
        kept = now - timedelta(days=rng.randint(3, 60))
        quantity = rng.randint(1, 3)
        session.add(
            StoredGoods(
                member_id=member_id,
                store_id=store_id,
                item=rng.choice(GOODS_ITEMS),
                initial_quantity=quantity,
                quantity=quantity,
                status=GoodsStatus.HELD,
                kept_since=kept,
                pick_up_by=(kept + timedelta(days=rng.choice((30, 45, 60)))).date(),
            )
        )


def _stores_and_staff(wb: Services, count: int, now: datetime, summary: SeedSummary):
    stores = [
        {
            "id": 1,
            "code": "HQ",
            "name": "总部客服中心",
            "kind": StoreKind.HEADQUARTERS.value,
            "city": "上海",
            "timezone": None,
            "requires_terminal": False,
        }
    ]
    per_city: dict[str, int] = {}
    for i in range(count):
        city = CITY_CODES[i % len(CITY_CODES)]
        per_city[city] = per_city.get(city, 0) + 1
        region = REGIONS[i % len(REGIONS)]
        district = region[3][per_city[city] % len(region[3])]
        stores.append(
            {
                "id": i + 2,
                "code": f"{city}{per_city[city]:02d}",
                "name": f"{region[2].removesuffix('市')}{district}店",
                "kind": (StoreKind.FRANCHISE if i % 4 == 3 else StoreKind.DIRECT).value,
                "city": region[2].removesuffix("市"),
                "timezone": None,
                "requires_terminal": False,
            }
        )
    password = PasswordHasher().hash(DEMO_PASSWORD)  # one hash serves every demo login
    staff: list[dict] = []

    def add(username, name, role, store_id, team=None):
        staff.append(
            {
                "id": len(staff) + 1,
                "username": username,
                "display_name": name,
                "role": role.value,
                "store_id": store_id,
                "team": team,
                "password_hash": password,
                "failed_logins": 0,
                "locked_until": None,
                "active": True,
                "created_at": now,
            }
        )
        code = next(s["code"] for s in stores if s["id"] == store_id) if store_id else "-"
        summary.logins.append((username, role.value, code))

    add("admin", "系统管理员", Role.ADMIN, 1)
    for n in (1, 2):
        add(f"supervisor{n}", f"客服主管{n}", Role.SUPERVISOR, 1)
    for n in range(1, 7):
        add(f"agent{n}", f"热线客服{n}", Role.AGENT, 1, "hotline")
    for n in (1, 2):
        add(f"care{n}", f"回访专员{n}", Role.AGENT, 1, "care")
    for department in ("customer_service", "store_operations", "quality", "finance", "it"):
        add(f"head.{department}", f"{department} 负责人", Role.DEPARTMENT_HEAD, 1, department)
    add("analyst1", "数据分析", Role.ANALYST, 1)
    for store in stores[1:]:
        code = str(store["code"]).lower()
        add(f"manager.{code}", f"{store['name']}店长", Role.STORE_MANAGER, store["id"])
        for n in (1, 2):
            add(f"sales.{code}.{n}", f"{store['name']}销售{n}", Role.SALES, store["id"])
    with wb.engine.begin() as connection:
        bulk.bulk_insert(connection, bulk.table_of(Store), stores)
        bulk.bulk_insert(connection, bulk.table_of(Staff), staff)
        bulk.reset_sequences(connection, [bulk.table_of(Store), bulk.table_of(Staff)])
    summary.stores, summary.staff = len(stores), len(staff)
    return stores, staff


@dataclass
class _Batch:
    members: list = field(default_factory=list)
    cards: list = field(default_factory=list)
    events: list = field(default_factory=list)
    purchases: list = field(default_factory=list)
    points: list = field(default_factory=list)


def _members(wb: Services, rng, count, stores, staff, now, summary, report, scale) -> None:
    factory = PersonFactory(rng, count)
    today = now.astimezone(wb.settings.timezone).date()
    member_numbers = iter(rng.sample(range(NUMBER_SPACE), count))
    card_numbers = iter(rng.sample(range(10**11), count * 2))
    sales_by_store: dict[int, list[int]] = {}
    for person in staff:
        if person["role"] == Role.SALES.value:
            sales_by_store.setdefault(person["store_id"], []).append(person["id"])
    branch = stores[1:]
    with wb.engine.connect() as connection:
        ids = {
            t: bulk.next_id(connection, bulk.table_of(t))
            for t in (Member, MemberCard, MemberEvent, Purchase, PointsEntry)
        }
    referrers: list[tuple[int, datetime]] = []
    # Its own generator, so the members, purchases and complaints stay what they were.
    activities = random.Random(count)
    done = 0
    while done < count:
        batch = _Batch()
        for _ in range(min(CHUNK, count - done)):
            store = branch[rng.randrange(len(branch))]
            person = factory.person(today, region=(store["id"] - 2) % len(REGIONS))
            if len(summary.sample_phones) < 20_000:
                summary.sample_phones.append(person.phone)
            _member(
                wb,
                rng,
                batch,
                ids,
                person,
                store,
                sales_by_store,
                referrers,
                now,
                next(member_numbers),
                card_numbers,
                scale,
                activities,
            )
        with wb.engine.begin() as connection:
            for model, rows in (
                (Member, batch.members),
                (MemberCard, batch.cards),
                (MemberEvent, batch.events),
                (Purchase, batch.purchases),
                (PointsEntry, batch.points),
            ):
                bulk.bulk_insert(connection, bulk.table_of(model), rows)
        done += len(batch.members)
        report("members", done, count)
    with wb.engine.begin() as connection:
        bulk.reset_sequences(connection, [bulk.table_of(t) for t in ids])


def _member(
    wb,
    rng,
    batch: _Batch,
    ids,
    person: FakePerson,
    store,
    sales_by_store,
    referrers,
    now,
    number,
    card_numbers,
    scale,
    activities,
) -> None:
    draw = rng.random()
    status = (
        MemberStatus.TERMINATED
        if draw < 0.005
        else MemberStatus.PENDING_REVIEW
        if draw < 0.02
        else MemberStatus.REJECTED
        if draw < 0.03
        else MemberStatus.ACTIVE
    )
    member_id = ids[Member]
    ids[Member] += 1
    joined = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    if status in (MemberStatus.PENDING_REVIEW, MemberStatus.REJECTED):
        joined = now - timedelta(seconds=rng.randrange(20 * 86400))
    channel = rng.choices(["store", "online", "hotline", "partner"], [60, 25, 10, 5])[0]
    sales = rng.choice(sales_by_store[store["id"]]) if channel in ("store", "partner") else None
    referrer_id = None
    if status == MemberStatus.ACTIVE and referrers and rng.random() < 0.1:
        referrer_id, _ = referrers[rng.randrange(len(referrers))]
    purchases = []
    if status == MemberStatus.ACTIVE:
        purchases = _purchases(rng, batch, ids, member_id, store["id"], joined, now, scale)
    year_ago = now - timedelta(days=365)
    recent = [row["amount"] for row in purchases if row["occurred_at"] >= year_ago]
    tier = wb.scheme.earned_tier(
        PeriodActivity(sum(recent, Decimal(0)), len(recent), max(recent, default=Decimal(0)))
    )
    for row in purchases:  # points at the tier the member holds now: a demo simplification
        row["points_earned"] = tier.points_for(row["amount"])
        if row["points_earned"]:
            _points(
                batch,
                ids,
                member_id,
                PointsKind.PURCHASE,
                row["points_earned"],
                row["occurred_at"],
                wb,
                purchase_id=row["id"],
            )
    if referrer_id is not None:
        _points(
            batch,
            ids,
            referrer_id,
            PointsKind.REFERRAL,
            tier.referral_bonus,
            joined,
            wb,
            detail=f"referred {member_no_from_int(number)}",
        )
    _redeem(rng, batch, ids, member_id, purchases, now)
    if status == MemberStatus.ACTIVE:
        _activities(activities, batch, ids, member_id, joined, now, wb)
    registry, cipher = wb.registry, wb.cipher
    erased = status == MemberStatus.TERMINATED
    e164 = "+86" + person.phone
    row = {
        "id": member_id,
        "member_no": member_no_from_int(number),
        "status": status.value,
        "store_id": store["id"],
        "sales_staff_id": sales,
        "channel": channel,
        "referrer_id": referrer_id,
        "tier_code": tier.code,
        "tier_locked_until": None,
        "gender": None if erased else person.gender,
        "birth_month_day": None if erased else person.birthday.strftime("%m%d"),
        "name_enc": None if erased else cipher.encrypt("name", person.name),
        "phone_enc": None if erased else cipher.encrypt("phone", e164),
        "id_number_enc": None if erased else cipher.encrypt("id_number", person.id_number),
        "email_enc": None if erased else cipher.encrypt("email", person.email),
        "address_enc": None if erased else cipher.encrypt("address", person.address),
        "birthday_enc": None if erased else cipher.encrypt("birthday", person.birthday.isoformat()),
        "phone_bidx": None if erased else registry.phone_bidx(e164),
        "id_number_bidx": None if erased else registry.id_number_bidx(person.id_number),
        "consent_marketing": not erased and rng.random() < 0.85,
        "consent_third_party": not erased and rng.random() < 0.1,
        "do_not_call": False,
        "sms_opt_out": False,
        "email_opt_out": False,
        "phone_invalid": False,
        "submitted_at": joined - timedelta(hours=rng.randint(1, 48)),
        "reviewed_at": None if status == MemberStatus.PENDING_REVIEW else joined,
        "reviewed_by_id": None,
        "joined_at": joined if status in (MemberStatus.ACTIVE, MemberStatus.TERMINATED) else None,
        "rejection_reason": "身份证照片不清晰，请重新上传"
        if status == MemberStatus.REJECTED
        else None,
        "termination_reason": "voluntary" if erased else None,
        "termination_due_at": None,
        "terminated_at": now - timedelta(days=rng.randint(1, 200)) if erased else None,
        "erased_at": now - timedelta(days=rng.randint(1, 200)) if erased else None,
    }
    if erased:
        row["erased_at"] = row["terminated_at"]
    batch.members.append(row)
    _history(rng, batch, ids, row, joined, now, card_numbers, wb)
    if status == MemberStatus.ACTIVE:
        referrers.append((member_id, joined))


# (share of members, purchases a year): casual, regular and loyal shoppers.
SHOPPERS = ((0.6, 2), (0.3, 10), (0.1, 40))


def _purchases(rng, batch, ids, member_id, store_id, joined, now, scale) -> list[dict]:
    start = max(joined, now - timedelta(days=730))
    span = int((now - start).total_seconds())
    per_year = rng.choices([p for _, p in SHOPPERS], [w for w, _ in SHOPPERS])[0] * scale
    expected = per_year * span / (365 * 86400)
    made = []
    for _ in range(max(0, round(rng.gauss(expected, expected / 3)))):
        at = start + timedelta(seconds=rng.randrange(max(span, 1)))
        amount = Decimal(str(round(min(rng.lognormvariate(5.5, 0.8), 50_000), 2)))
        row = {
            "id": ids[Purchase],
            "member_id": member_id,
            "store_id": store_id,
            "amount": amount,
            "occurred_at": at,
            "points_earned": 0,
            "external_ref": None,
        }
        batch.purchases.append(row)
        ids[Purchase] += 1
        made.append(row)
    return made


def _points(batch, ids, member_id, kind, points, at, wb: Services, purchase_id=None, detail=""):
    credit = points > 0
    batch.points.append(
        {
            "id": ids[PointsEntry],
            "member_id": member_id,
            "kind": kind.value,
            "points": points,
            "occurred_at": at,
            "expires_at": add_years(at, wb.settings.members_points_expiry_years)
            if credit
            else None,
            "purchase_id": purchase_id,
            "staff_id": None,
            "detail": detail,
        }
    )
    ids[PointsEntry] += 1


# Member activities (store events, member days): about a fifth of members take part in one a
# year, a few in several; each earns activity points.
ACTIVITY_POINTS = (50, 100, 200)


def _activities(rng, batch, ids, member_id, joined, now, wb: Services) -> None:
    start = max(joined, now - timedelta(days=730))
    span = int((now - start).total_seconds())
    for _ in range(rng.choices([0, 1, 2, 4], [70, 18, 8, 4])[0] * span // (365 * 86400)):
        at = start + timedelta(seconds=rng.randrange(max(span, 1)))
        _points(
            batch,
            ids,
            member_id,
            PointsKind.ACTIVITY,
            rng.choice(ACTIVITY_POINTS),
            at,
            wb,
            detail="member activity",
        )


def _redeem(rng, batch, ids, member_id, purchases, now) -> None:
    """Some members redeemed a gift after their last purchase."""
    earned = sum(row["points_earned"] for row in purchases)
    if earned >= 1500 and rng.random() < 0.3:
        last = max(row["occurred_at"] for row in purchases)
        at = last + (now - last) * rng.random()
        batch.points.append(
            {
                "id": ids[PointsEntry],
                "member_id": member_id,
                "kind": PointsKind.REDEMPTION.value,
                "points": -1000,
                "occurred_at": at,
                "expires_at": None,
                "purchase_id": None,
                "staff_id": None,
                "detail": "gift-100 x1",
            }
        )
        ids[PointsEntry] += 1


def _history(rng, batch, ids, member, joined, now, card_numbers, wb: Services) -> None:
    def event(kind, at, detail=""):
        batch.events.append(
            {
                "id": ids[MemberEvent],
                "member_id": member["id"],
                "kind": kind,
                "occurred_at": at,
                "staff_id": None,
                "approved_by_id": None,
                "detail": detail,
            }
        )
        ids[MemberEvent] += 1

    def card(status, issued, **extra):
        row = {
            "id": ids[MemberCard],
            "member_id": member["id"],
            "card_no": card_no_from_int(wb.settings.members_card_prefix, next(card_numbers)),
            "status": status.value,
            "issued_at": issued,
            "activated_at": issued,
            "lost_at": None,
            "closed_at": None,
            "replaces_card_id": None,
            **extra,
        }
        ids[MemberCard] += 1
        batch.cards.append(row)
        return row

    event("applied", member["submitted_at"])
    status = member["status"]
    if status == MemberStatus.REJECTED.value:
        event("rejected", joined, '{"reason": "身份证照片不清晰"}')
    if status not in (MemberStatus.ACTIVE.value, MemberStatus.TERMINATED.value):
        return
    event("approved", joined)
    if status == MemberStatus.TERMINATED.value:
        card(CardStatus.TERMINATED, joined, closed_at=member["terminated_at"])
        event("terminated", member["terminated_at"], '{"reason": "voluntary"}')
        return
    if rng.random() < 0.01:
        lost_at = joined + (now - joined) * rng.random()
        old = card(CardStatus.LOST, joined, lost_at=lost_at, closed_at=lost_at)
        card(CardStatus.ACTIVE, lost_at, replaces_card_id=old["id"])
        event("card_lost", lost_at)
        event("card_reissued", lost_at)
    else:
        card(CardStatus.ACTIVE, joined)


def _tally(wb: Services, summary: SeedSummary) -> None:
    """The summary's counts from what the database now holds; then the planner's statistics,
    refreshed after the bulk load (every stage ends with this)."""
    with wb.sessions() as session:
        summary.members = dict(
            session.execute(
                select(col(Member.status), func.count()).group_by(col(Member.status))
            ).all()
        )
        summary.tiers = dict(
            session.execute(
                select(col(Member.tier_code), func.count())
                .where(col(Member.status) == "active")
                .group_by(col(Member.tier_code))
            ).all()
        )
        summary.cards = session.execute(select(func.count()).select_from(MemberCard)).scalar_one()
        summary.lost_cards = session.execute(
            select(func.count()).select_from(MemberCard).where(col(MemberCard.status) == "lost")
        ).scalar_one()
        summary.purchases = session.execute(select(func.count()).select_from(Purchase)).scalar_one()
        summary.points_entries = session.execute(
            select(func.count()).select_from(PointsEntry)
        ).scalar_one()
    refresh_planner_statistics(wb.sessions)


def local_morning(now: datetime, zone) -> datetime:
    """10:00 today where the hotline is: inside calling hours, for seeding claims."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(10), tzinfo=zone).astimezone(UTC)
