"""Seeding rate and phone look-up latency with a million members, against the look-up's floor.

    python bench/member_lookup.py [--members 1000000] [--lookups 10000] [--backend both]
        [--purchase-scale 0.2]

A look-up is the hotline's and the member desk's un-audited one, `MemberRegistry.read_by_phone`:
normalise the number to E.164, compute its blind index, select the one member row, decrypt its
six personal fields. The floor, measured in the same run, on the same numbers, interleaved with
the look-ups (so the machine's other work weighs on both alike): a prepared SQLAlchemy Core
select of the row's six ciphertexts by blind index on a plain connection, the HMAC of an
already-normalised number and six AES-GCM decrypts with the `cryptography` primitives. The
ratio is the look-up's p50 over the floor's (the goal: at most 3). `find_by_phone` + `decrypt`
(the ORM load that callers who change the member use) is timed beside them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from sqlalchemy import Table, bindparam, select  # noqa: E402

from bench._common import analyze, fresh_database, machine, percentile  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.crypto.fields import NONCE_BYTES, b64_digest  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.members.identity import normalise_phone  # noqa: E402
from workbench.members.models import Member  # noqa: E402
from workbench.members.registry import PERSONAL_FIELDS  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

Timings = dict[str, list[float]]


def floor_lookup(keyring: Keyring):
    """The floor's look-up of an E.164 number: (connection, e164) -> the six fields or None."""
    table: Table = Member.__table__  # type: ignore[attr-defined]
    statement = select(*(table.c[f"{f}_enc"] for f in PERSONAL_FIELDS)).where(
        table.c.phone_bidx == bindparam("bidx")
    )
    aeads = {key_id: AESGCM(key) for key_id, key in keyring.data_keys.items()}
    aad = [f.encode() for f in PERSONAL_FIELDS]
    index_key = keyring.index_key

    def look_up(connection, e164: str) -> list[str | None] | None:
        mac = hmac.new(index_key, f"phone\x00{e164}".encode(), hashlib.sha256)
        row = connection.execute(statement, {"bidx": b64_digest(mac.digest()[:16])}).first()
        if row is None:
            return None
        clear: list[str | None] = []
        for stored, data in zip(row, aad, strict=True):
            if stored is None:
                clear.append(None)
                continue
            key_id, _, body = stored.partition(":")
            raw = base64.b64decode(body)
            clear.append(aeads[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], data).decode())
        return clear

    return look_up


def lookups(wb, phones: list[str], count: int) -> Timings:
    """`count` random numbers, each looked up by the floor, the product and the ORM path."""
    rng = random.Random(3)
    chosen = rng.choices(phones, k=count)
    e164s = [normalise_phone(p, wb.registry.phone_region, mobile_only=False) for p in chosen]
    floor = floor_lookup(wb.keyring)
    registry = wb.registry
    timings: Timings = {"floor": [], "lookup": [], "orm": []}
    found = 0
    with wb.engine.connect() as connection, wb.sessions() as session:

        def orm(phone: str) -> dict[str, str | None] | None:
            member = registry.find_by_phone(session, phone)
            return None if member is None else registry.decrypt(member)

        runs = [
            ("floor", lambda phone, e164: floor(connection, e164)),
            ("lookup", lambda phone, e164: registry.read_by_phone(session, phone)),
            ("orm", lambda phone, e164: orm(phone)),
        ]
        for n, (phone, e164) in enumerate(zip(chosen, e164s, strict=True)):
            results = {}
            # Each goes first in turn: the first reads the row into the caches for the others.
            for name, run in runs[n % 3 :] + runs[: n % 3]:
                start = time.perf_counter()
                results[name] = run(phone, e164)
                timings[name].append(time.perf_counter() - start)
            session.expunge_all()
            bare, match = results["floor"], results["lookup"]
            assert (bare is None) == (match is None) == (results["orm"] is None), n
            if match is not None:
                assert (
                    bare
                    == [match.fields[f] for f in PERSONAL_FIELDS]
                    == [results["orm"][f] for f in PERSONAL_FIELDS]
                )
                found += 1
    assert found, "no sampled number found a member"
    return {name: sorted(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--purchase-scale", type=float, default=0.2)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | members | purchases | seed s | members/s | look-ups | floor p50 µs "
        "| look-up p50 µs | p99 µs | ratio | ORM find_by_phone p50 µs | ORM ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        with fresh_database(backend) as url:
            wb = build(load_settings(database_url=url), keyring=Keyring.generate())
            started = time.perf_counter()
            summary = seed(
                wb,
                members=args.members,
                stores=20,
                random_seed=11,
                complaints=0,
                purchase_scale=args.purchase_scale,
            )
            seconds = time.perf_counter() - started
            analyze(wb.engine)  # as autovacuum would after the load, before the look-ups
            timings = lookups(wb, summary.sample_phones, args.lookups)
            wb.dispose()
        us = 1_000_000
        floor = percentile(timings["floor"], 0.5)
        product = percentile(timings["lookup"], 0.5)
        orm = percentile(timings["orm"], 0.5)
        print(
            f"| {backend} | {args.members:,} | {summary.purchases:,} | {seconds:.0f} | "
            f"{args.members / seconds:,.0f} | {args.lookups:,} | {floor * us:.0f} | "
            f"{product * us:.0f} | {percentile(timings['lookup'], 0.99) * us:.0f} | "
            f"{product / floor:.1f}× | {orm * us:.0f} | {orm / floor:.1f}× |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
