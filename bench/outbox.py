"""Outbox throughput: e-mails through a real SMTP server (aiosmtpd) and SMS through the local
Twilio-compatible peer (the twilio SDK over HTTP), with the rate limit off.

    python bench/outbox.py [--messages 10000] [--backend both]

For each channel it times (1) queueing: the contact-policy check, rendering, encryption and the
row insert, committed every 500; (2) draining the outbox with the dispatcher: claim, decrypt,
send, record; and (3) sending the same messages straight to the peer with the same sender
objects, no outbox. The outbox's overhead per message is (1) + (2) - (3), divided by the count.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench._common import fresh_database, machine  # noqa: E402
from tests.peers.fixtures import Inbox, free_port  # noqa: E402
from tests.peers.twilio_peer import TwilioPeer  # noqa: E402
from workbench.bootstrap import build, build_dispatcher  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.members.models import Member  # noqa: E402
from workbench.messaging.models import MessageStatus, OutboxMessage  # noqa: E402
from workbench.messaging.smtp import OutgoingEmail  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

COMMIT_EVERY = 500


def queue(wb, channel: str, count: int) -> float:
    started = time.perf_counter()
    queued = last = 0
    while queued < count:
        with wb.sessions() as session:
            members = session.scalars(
                select(Member)
                .where(Member.id > last, Member.phone_bidx.is_not(None))
                .order_by(Member.id)
                .limit(COMMIT_EVERY)
            ).all()
            if not members:
                raise SystemExit(f"only {queued} members could be queued for {channel}")
            for member in members:
                if queued == count:
                    break
                result = wb.outbox.enqueue(
                    session,
                    member=member,
                    template="tier_change",
                    channel=channel,
                    purpose="transactional",
                )
                queued += result.message is not None
                last = member.id
            session.commit()
    return time.perf_counter() - started


def drain(wb, dispatcher, channel: str) -> float:
    started = time.perf_counter()
    while True:
        result = dispatcher.run_once(limit=COMMIT_EVERY)
        if result.sent + result.retried + result.failed == 0:
            break
    seconds = time.perf_counter() - started
    with wb.sessions() as session:
        left = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.channel == channel, OutboxMessage.status != MessageStatus.SENT.value
            )
        )
    if left:
        raise SystemExit(f"{left} {channel} messages were not sent")
    return seconds


def direct(wb, dispatcher, channel: str) -> float:
    """The same messages, straight to the peer: what sending costs without an outbox."""
    with wb.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel))
        contents = [wb.outbox.decrypt_body(m) for m in rows]
    started = time.perf_counter()
    if channel == "sms":
        for content in contents:
            dispatcher.sms.send(content["to"], content["body"])
    else:
        for start in range(0, len(contents), COMMIT_EVERY):
            mails = [
                OutgoingEmail(i, c["to"], c["subject"], c["body"], c["html"])
                for i, c in enumerate(contents[start : start + COMMIT_EVERY])
            ]
            dispatcher.email.send_batch(mails)
    return time.perf_counter() - started


def run(backend: str, count: int) -> list[str]:
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    rows = []
    try:
        with TwilioPeer() as peer, fresh_database(backend) as url:
            settings = load_settings(
                database_url=url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security="none",
                twilio_account_sid=peer.account_sid,
                twilio_from_number="+15005550006",
                twilio_api_base=peer.url,
                twilio_auth_token=SecretStr(peer.auth_token),
                messaging_sms_per_second=0,
            )
            wb = build(settings, keyring=Keyring.generate())
            # Some demo members have no e-mail, or are terminated: seed enough to find `count`.
            seed(wb, members=2 * count, stores=10, random_seed=5, complaints=0, purchase_scale=0.0)
            for channel in ("email", "sms"):
                only = settings.model_copy(
                    update={"smtp_host": ""} if channel == "sms" else {"twilio_account_sid": ""}
                )
                dispatcher = build_dispatcher(only, wb.clock, wb.sessions, wb.outbox)
                queued = queue(wb, channel, count)
                drained = drain(wb, dispatcher, channel)
                raw = direct(wb, dispatcher, channel)
                overhead_ms = (queued + drained - raw) / count * 1000
                rows.append(
                    f"| {backend} | {channel} | {count:,} | {queued:.1f} | {drained:.1f} "
                    f"| {count / drained:,.0f} | {raw:.1f} | {count / raw:,.0f} "
                    f"| {overhead_ms:.2f} |"
                )
                print(rows[-1], flush=True)
            delivered = (len(inbox.received), len(peer.messages))
            assert delivered == (2 * count, 2 * count), delivered  # outbox + direct, each once
            wb.dispose()
    finally:
        smtp.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| backend | channel | messages | queue s | drain s | sent/s via outbox | direct s "
        "| sent/s direct | outbox overhead ms/message |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.messages)


if __name__ == "__main__":
    main()
