"""Incoming-call webhooks under load, and how fast the screen pop reaches an agent.

    python bench/screen_pop.py [--members 1000000] [--concurrent 200] [--rounds 5]
        [--backend both] [--workers 2]

Members are seeded first. On PostgreSQL the webhook server runs as it is deployed: its own
process (`workbench telephony serve --workers N`), pops going by LISTEN/NOTIFY to a listener in
this process (standing in for an agent's workbench). On SQLite, a one-machine deployment, the
server runs in this process and pops are in-process. Each round sends `--concurrent` signed
incoming-call webhooks at once (three in four from members' numbers); then, paced, the same
number of webhooks again at `--rate` calls a second (new calls arriving while up to
`--concurrent` are in flight), which is how a busy hotline's calls come. Measured: the
webhook's response time, and the time from sending the webhook to receiving its pop event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from tests.peers.fixtures import UvicornThread, free_port  # noqa: E402
from workbench.bootstrap import (
    build,  # noqa: E402
    build_telephony,  # noqa: E402
)
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.telephony.models import Call  # noqa: E402
from workbench.webhooks.server import create_app  # noqa: E402

PUBLIC = "https://hotline.example.com"
TOKEN = "bench-token"
HOTLINE = "+864008000800"


async def fire(
    server_url: str, callers: list[str], rate: float = 0
) -> list[tuple[str, float, float]]:
    """All at once, or `rate` a second: (CallSid, sent at, response seconds) for each call."""
    validator = RequestValidator(TOKEN)
    connector = aiohttp.TCPConnector(limit=len(callers))
    async with aiohttp.ClientSession(connector=connector) as client:
        begin = time.perf_counter()

        async def one(n: int, caller: str):
            if rate:
                await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            sid = "CA" + uuid.uuid4().hex
            form = {"CallSid": sid, "From": caller, "To": HOTLINE, "CallStatus": "ringing"}
            headers = {
                "X-Twilio-Signature": validator.compute_signature(PUBLIC + "/voice/incoming", form)
            }
            sent = time.time()
            started = time.perf_counter()
            async with client.post(
                server_url + "/voice/incoming", data=form, headers=headers
            ) as response:
                await response.read()
                assert response.status == 200, response.status
            return sid, sent, time.perf_counter() - started

        return await asyncio.gather(*(one(n, c) for n, c in enumerate(callers)))


def start_server(backend: str, wb, settings, workers: int):
    """(server URL, stop function)."""
    if backend == "sqlite":
        server = UvicornThread(
            create_app(build_telephony(wb), wb, auth_token=TOKEN, public_url=PUBLIC)
        )
        server.__enter__()
        return server.url, lambda: server.__exit__(None, None, None)
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": settings.database_url,
        "WORKBENCH_KEYS_KEYRING": wb.keyring.to_json(),
        "WORKBENCH_TELEPHONY_PUBLIC_URL": PUBLIC,
        "WORKBENCH_TWILIO_AUTH_TOKEN": TOKEN,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "telephony",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(200):
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        raise SystemExit("the webhook server did not start")

    def stop() -> None:
        process.terminate()
        process.wait(20)

    return url, stop


def run(
    backend: str, members: int, concurrent: int, rounds: int, workers: int, rate: float
) -> None:
    with fresh_database(backend) as url:
        settings = load_settings(
            database_url=url, telephony_public_url=PUBLIC, twilio_auth_token=SecretStr(TOKEN)
        )
        wb = build(settings, keyring=Keyring.generate())
        started = time.perf_counter()
        summary = seed(
            wb, members=members, stores=20, random_seed=7, complaints=0, purchase_scale=0.0
        )
        print(
            f"{backend}: seeded {members:,} members in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        if backend == "postgresql":
            # Write out the seed's dirty pages now: a checkpoint falling inside the measurement
            # stalls commits for up to a second and measures the seed, not the webhooks.
            with wb.engine.connect() as connection:
                connection.exec_driver_sql("CHECKPOINT")
        events = build_telephony(wb).events
        popped: dict[int, float] = {}
        stop_listening, ready = threading.Event(), threading.Event()
        listener = threading.Thread(
            target=events.listen,
            daemon=True,
            args=(lambda e: popped.setdefault(e["call_id"], time.time()), stop_listening, ready),
        )
        listener.start()
        ready.wait(10)
        server_url, stop_server = start_server(backend, wb, settings, workers)
        results = {}
        try:
            phones = summary.sample_phones
            for mode in ("burst", "paced"):
                responses, pops = [], []
                for round_no in range(rounds):
                    callers = [
                        phones[(round_no * concurrent + i) % len(phones)]
                        if i % 4
                        else f"+86137{round_no:02d}{i:06d}"
                        for i in range(concurrent)
                    ]
                    sent = asyncio.run(fire(server_url, callers, rate if mode == "paced" else 0))
                    responses += [seconds for _, _, seconds in sent]
                    pops += wait_for_pops(wb, sent, popped)
                results[mode] = (sorted(responses), sorted(pops))
        finally:
            stop_server()
            stop_listening.set()
            listener.join(5)
            wb.dispose()
    ms = 1000
    for mode, (responses, pops) in results.items():
        shape = (
            f"{concurrent} × {rounds} at once"
            if mode == "burst"
            else f"{concurrent * rounds} at {rate:g}/s"
        )
        print(
            f"| {backend} | {members:,} | {shape} | "
            f"{workers if backend == 'postgresql' else 'in-process'} | "
            f"{percentile(responses, 0.5) * ms:.0f} | {percentile(responses, 0.99) * ms:.0f} | "
            f"{percentile(pops, 0.5) * ms:.0f} | {percentile(pops, 0.99) * ms:.0f} | "
            f"{len(pops)}/{concurrent * rounds} |",
            flush=True,
        )


def wait_for_pops(wb, sent, popped) -> list[float]:
    """Seconds from sending each webhook to its pop (waiting up to 10 s for stragglers)."""
    with wb.sessions() as session:
        ids = dict(
            session.execute(
                select(Call.call_sid, Call.id).where(Call.call_sid.in_([sid for sid, _, _ in sent]))
            ).all()
        )
    deadline = time.time() + 10
    while time.time() < deadline and not all(ids[s] in popped for s, _, _ in sent):
        time.sleep(0.05)
    missing = sum(ids[sid] not in popped for sid, _, _ in sent)
    if missing:
        print(f"  {missing} pops not received", flush=True)
    return [popped[ids[sid]] - at for sid, at, _ in sent if ids[sid] in popped]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50, help="Paced webhooks a second.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| backend | members | webhooks | server processes | response p50 ms | p99 ms "
        "| pop p50 ms | pop p99 ms | pops received |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.members, args.concurrent, args.rounds, args.workers, args.rate)


if __name__ == "__main__":
    main()
