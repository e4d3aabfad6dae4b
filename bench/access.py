"""Cost of the access layer per member read (scope + grant + decrypt + mask + audit write),
against the bare read it wraps; and the audit chain's verification rate.

    python bench/access.py [--backend sqlite|postgresql|both] [--members 2000] [--audit-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, update  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from workbench.audit.chain import chain_hash  # noqa: E402
from workbench.audit.models import AuditEntry, AuditHead  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import SystemClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.members.identity import id_check_char  # noqa: E402
from workbench.members.models import Role, Staff, Store, StoreKind  # noqa: E402
from workbench.members.registry import MemberApplication  # noqa: E402
from workbench.permissions.models import GrantSource  # noqa: E402
from workbench.settings import load_settings  # noqa: E402


def granted_members(session, wb, members: int) -> tuple[Staff, list]:
    """A headquarters, one agent and `members` members each with a live grant to that agent, in
    the caller's transaction: (the agent, the members). Also used by bench/audit_throughput.py."""
    now = wb.clock.now()
    store = Store(code="HQ", name="总部", kind=StoreKind.HEADQUARTERS)
    session.add(store)
    session.flush()
    agent = Staff(
        username="agent",
        display_name="agent",
        role=Role.AGENT,
        store_id=store.id,
        created_at=now,
    )
    session.add(agent)
    session.flush()
    made = []
    for i in range(members):
        body = f"110101199001{(i % 28) + 1:02d}{i % 1000:03d}"[:17]
        app = MemberApplication(
            name="测试会员",
            phone=f"139{i:08d}",
            id_number=body + id_check_char(body),
            store_code="HQ",
            email=f"m{i}@example.com",
            address="上海市浦东新区张江路1号",
        )
        member = wb.registry.apply(session, application=app, actor=agent)
        wb.access.open_grant(
            session,
            staff_id=agent.id,
            member_id=member.id,
            source=GrantSource.CALLBACK,
            source_ref=str(i),
            starts_at=now,
            ends_at=now + timedelta(hours=8),
        )
        made.append(member)
    return agent, made


def _setup(wb, members: int):
    with wb.sessions() as session:
        agent, made = granted_members(session, wb, members)
        numbers = [member.member_no for member in made]
        session.commit()
        session.expunge(agent)
    return agent, numbers


def bench_reads(wb, agent, numbers) -> dict:
    bare, guarded = [], []
    for member_no in numbers:
        start = time.perf_counter()
        with wb.sessions() as session:
            member = wb.registry.get(session, member_no)
            wb.registry.decrypt(member)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        wb.access.view(agent, member_no, "callback")
        guarded.append(time.perf_counter() - start)
    bare.sort()
    guarded.sort()
    ms = 1000
    return {
        "bare_p50": percentile(bare, 0.5) * ms,
        "access_p50": percentile(guarded, 0.5) * ms,
        "access_p99": percentile(guarded, 0.99) * ms,
        "overhead_p50": (percentile(guarded, 0.5) - percentile(bare, 0.5)) * ms,
    }


def bench_verify(wb, rows: int) -> dict:
    """Write a valid chain of `rows` entries directly, then time `verify` over all of them."""
    with wb.sessions() as session:
        head = session.get(AuditHead, 1)
        prev, seq = head.hash, head.seq
    at = datetime(2026, 1, 1, tzinfo=UTC)
    version, key = wb.keyring.audit_key
    start = time.perf_counter()
    batch = []
    for n in range(rows):
        seq += 1
        detail = json.dumps({"basis": "grant", "n": n})
        when = at + timedelta(seconds=n)
        content = (seq, when, 1, "view", n % 5000, "callback", "allowed", detail)
        digest = chain_hash(prev, *content, key=key, key_version=version)
        batch.append(
            {
                "seq": seq,
                "at": at + timedelta(seconds=n),
                "actor_id": 1,
                "action": "view",
                "member_id": n % 5000,
                "purpose": "callback",
                "result": "allowed",
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
                "key_version": version,
            }
        )
        prev = digest
        if len(batch) == 20_000:
            _flush(wb, batch)
            batch = []
    _flush(wb, batch)
    with wb.sessions() as session:
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
        session.commit()
    write_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    seconds = time.perf_counter() - start
    assert report.ok, report.problem
    return {
        "rows": report.checked,
        "verify_s": seconds,
        "rows_per_s": report.checked / seconds,
        "write_s": write_seconds,
    }


def _flush(wb, batch):
    if batch:
        with wb.engine.begin() as connection:
            connection.execute(insert(AuditEntry), batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--audit-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | bare read p50 ms | access read p50 ms | p99 ms | overhead p50 ms "
        "| audit rows | verify s | rows/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for backend in backends:
        with fresh_database(backend) as url:
            settings = load_settings(database_url=url)
            wb = build(settings, clock=SystemClock(), keyring=Keyring.generate())
            agent, numbers = _setup(wb, args.members)
            reads = bench_reads(wb, agent, numbers)
            chain = bench_verify(wb, args.audit_rows)
            wb.dispose()
        print(
            f"| {backend} | {reads['bare_p50']:.2f} | {reads['access_p50']:.2f} | "
            f"{reads['access_p99']:.2f} | {reads['overhead_p50']:.2f} | {chain['rows']:,} | "
            f"{chain['verify_s']:.1f} | {chain['rows_per_s']:,.0f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
