"""Re-encrypting stored personal fields under the active data key after `keys rotate`."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from workbench.members.models import Member
from workbench.members.registry import PERSONAL_FIELDS


def reencrypt_all(wb, *, batch_size: int = 2000) -> int:
    """Rewrite every member whose fields use an older key; returns how many were rewritten.
    Batches commit one by one, so a stopped run resumes where it was."""
    cipher = wb.cipher
    prefix = f"{cipher.active_key_id}:%"
    columns = [getattr(Member, f"{name}_enc") for name in PERSONAL_FIELDS]
    stale = or_(*[(c.is_not(None)) & (c.not_like(prefix)) for c in columns])
    rewritten, last_id = 0, 0
    while True:
        with wb.sessions() as session:
            rows = session.execute(
                select(Member.id, *columns)
                .where(Member.id > last_id, stale)
                .order_by(Member.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return rewritten
            for row in rows:
                values = {}
                for name, stored in zip(PERSONAL_FIELDS, row[1:], strict=True):
                    plain = cipher.decrypt(name, stored)
                    values[f"{name}_enc"] = cipher.encrypt(name, plain)
                session.execute(update(Member).where(Member.id == row[0]).values(**values))
            session.commit()
            rewritten += len(rows)
            last_id = rows[-1][0]
