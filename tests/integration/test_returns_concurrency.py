"""Returns of one purchase never add up to more than the purchase, also when they race: two
interleaved sessions (the second waits for the first's ledger lock, then sees its return), many
tills at once, and the database's own constraints behind the lock. On both backends."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import START
from tests.interleave import interleave
from workbench.errors import ValidationError
from workbench.members.models import PointsBalance, PointsEntry, Purchase
from workbench.members.return_models import PurchaseReturn


@pytest.fixture
def purchase(wb, people, active_member) -> tuple[str, int]:
    """A purchase of 100 yuan (100 points) at SH01 under receipt R-1; (member_no, member id)."""
    member_no, _ = active_member
    done = wb.usecases.till.record_purchase(people.sales, member_no, "100", "R-1")
    assert done.points_earned == 100
    with wb.sessions() as session:
        return member_no, wb.registry.get(session, member_no).id


def returned(wb, member_id: int) -> tuple[Decimal, int, int]:
    """(amount returned, stored balance, sum of the lines), read afresh."""
    with wb.sessions() as session:
        rows = session.scalars(select(PurchaseReturn.amount)).all()
        lines = session.scalar(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.member_id == member_id
            )
        )
        stored = session.scalar(
            select(PointsBalance.balance).where(PointsBalance.member_id == member_id)
        )
    return sum(rows, Decimal("0.00")), int(stored or 0), int(lines)


def test_the_second_return_waits_for_the_first_and_sees_it(wb, people, purchase):
    """A returns 60 of the 100 and holds its transaction open; B then tries 60 as well. B can
    read "returned so far" only once A has committed, and is refused: at most 40 is left."""
    _member_no, member_id = purchase
    returns = wb.usecases.till.returns

    def first(session) -> None:
        bought = session.scalar(select(Purchase).where(Purchase.external_ref.like("%R-1")))
        returns.take(session, purchase=bought, amount="60", return_ref="A", staff_id=None)

    seen = interleave(
        wb, first, lambda: wb.usecases.till.record_return(people.sales, "R-1", "60", "B")
    )
    assert isinstance(seen.second, ValidationError)
    assert "60.00 is already returned: at most 40.00 can be returned" in str(seen.second)
    assert seen.second_after_first
    assert returned(wb, member_id) == (Decimal("60.00"), 40, 40)


def test_racing_tills_never_return_more_than_the_purchase(wb, people, purchase):
    """Eight tills return 30 of the 100 yuan at once, each with its own slip: exactly three
    succeed, the rest are refused (never a locked database), 90 returned, 90 points back."""
    _member_no, member_id = purchase
    start = threading.Barrier(8)
    results: list[str] = []

    def till(n: int) -> None:
        start.wait(10)
        try:
            wb.usecases.till.record_return(people.sales, "R-1", "30", f"RT-{n}")
            results.append("ok")
        except ValidationError:
            results.append("refused")
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=till, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["ok"] * 3 + ["refused"] * 5, results
    assert returned(wb, member_id) == (Decimal("90.00"), 10, 10)
    with wb.sessions() as session:
        seqs = session.scalars(select(PurchaseReturn.seq).order_by(PurchaseReturn.seq)).all()
    assert seqs == [1, 2, 3]


def test_the_database_refuses_returns_beyond_the_purchase(wb, people, purchase):
    """Behind the lock: a return row whose running total passes the purchase, or a second row
    with the same number for one purchase, is refused by the database itself."""
    member_no, member_id = purchase
    with wb.sessions() as session:
        bought = session.scalar(select(Purchase))
        store_id, purchase_id = bought.store_id, bought.id

    def row(seq: int, ref: str, amount: str, total: str) -> PurchaseReturn:
        return PurchaseReturn(
            purchase_id=purchase_id,
            seq=seq,
            member_id=member_id,
            store_id=store_id,
            return_ref=ref,
            amount=Decimal(amount),
            returned_total=Decimal(total),
            purchase_amount=Decimal("100"),
            occurred_at=START,
        )

    with wb.sessions() as session, pytest.raises(IntegrityError, match="(?i)check"):
        session.add(row(1, "X1", "100.01", "100.01"))
        session.flush()
    with wb.sessions() as session, pytest.raises(IntegrityError, match="(?i)unique|duplicate"):
        session.add(row(1, "X1", "60", "60"))
        session.add(row(1, "X2", "30", "30"))  # read "nothing returned yet" too
        session.flush()
    assert returned(wb, member_id) == (Decimal("0.00"), 100, 100)


def test_the_same_receipt_from_two_tills_at_once_is_one_purchase(wb, people, active_member):
    """Two tills send the same receipt at the same moment: one records it, the other is told
    it was recorded (the unique receipt, not a failure), with the same points."""
    member_no, _ = active_member
    start = threading.Barrier(2)
    results: list[object] = []

    def till() -> None:
        start.wait(10)
        try:
            results.append(wb.usecases.till.record_purchase(people.sales, member_no, "70", "R-2"))
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=till) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not isinstance(r, str) for r in results), results
    assert sorted(r.repeated for r in results) == [False, True]  # type: ignore[union-attr]
    assert {r.points_earned for r in results} == {70}  # type: ignore[union-attr]
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Purchase)) == 1
        member_id = wb.registry.get(session, member_no).id
    assert returned(wb, member_id) == (Decimal("0.00"), 70, 70)
