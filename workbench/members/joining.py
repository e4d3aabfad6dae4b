"""The qualifying purchase of an application under a scheme with a joining threshold (seed 003:
普卡 for one purchase of 2000 yuan or more).

The application carries the purchase (amount and receipt reference) in its `applied` or
`resubmitted` event, the record of what was submitted; approval takes it from the latest one
and records it through the points ledger in the approval's transaction. Neither is personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.errors import ValidationError
from workbench.members.models import MemberEvent, Purchase
from workbench.members.points import checked_amount
from workbench.members.tiers import TierScheme

SUBMISSIONS = ("applied", "resubmitted")
RECEIPT_MAX = 64  # Purchase.external_ref


@dataclass(frozen=True)
class QualifyingPurchase:
    amount: Decimal
    receipt: str

    def detail(self) -> dict[str, str]:
        return {"amount": str(self.amount), "receipt": self.receipt}


@dataclass(frozen=True)
class Submission:
    """The latest submission of an application: who submitted it, when, with what purchase."""

    staff_id: int | None
    at: datetime
    purchase: QualifyingPurchase | None


def checked_purchase(
    session: Session,
    scheme: TierScheme,
    amount: Decimal | str | None,
    receipt: str | None,
) -> QualifyingPurchase | None:
    """The purchase given with an application, checked against the scheme's threshold and
    the receipts already recorded; None where none is given."""
    receipt = (receipt or "").strip()
    if amount is None or str(amount).strip() == "":
        if receipt:
            raise ValidationError("purchase_amount", "give the amount of the receipt")
        return None
    value = checked_amount(str(amount).strip())
    if not receipt:
        raise ValidationError("purchase_receipt", "give the receipt number of the purchase")
    if len(receipt) > RECEIPT_MAX:
        raise ValidationError("purchase_receipt", f"at most {RECEIPT_MAX} characters")
    threshold = scheme.join_threshold
    if threshold is not None and value < threshold:
        raise ValidationError(
            "purchase_amount", f"joining needs one purchase of at least {threshold} yuan"
        )
    refuse_recorded_receipt(session, receipt)
    return QualifyingPurchase(value, receipt)


def refuse_recorded_receipt(session: Session, receipt: str) -> None:
    taken = session.scalar(select(col(Purchase.id)).where(col(Purchase.external_ref) == receipt))
    if taken is not None:
        raise ValidationError("purchase_receipt", f"receipt {receipt} is already recorded")


def latest_submission(session: Session, member_id: int) -> Submission | None:
    event = session.scalars(
        select(MemberEvent)
        .where(col(MemberEvent.member_id) == member_id, col(MemberEvent.kind).in_(SUBMISSIONS))
        .order_by(col(MemberEvent.id).desc())
        .limit(1)
    ).first()
    return submission_of(event) if event is not None else None


def submission_of(event: MemberEvent) -> Submission:
    """The submission an `applied` or `resubmitted` event records."""
    return Submission(event.staff_id, event.occurred_at, _purchase_of(event.detail))


def _purchase_of(detail: str) -> QualifyingPurchase | None:
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return None
    purchase = data.get("purchase") if isinstance(data, dict) else None
    if not isinstance(purchase, dict):
        return None
    return QualifyingPurchase(Decimal(purchase["amount"]), str(purchase["receipt"]))
