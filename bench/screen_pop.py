"""Incoming-call webhooks under load, and how fast the screen pop reaches an agent, against
the floor of a minimal webhook server measured in the same run.

    python bench/screen_pop.py [--members 1000000] [--concurrent 200] [--rounds 5]
        [--backend both] [--workers 2] [--rate 100]

Members are seeded first. On PostgreSQL the webhook server runs as it is deployed: its own
process (`workbench telephony serve --workers N`), pops going by LISTEN/NOTIFY to a listener in
this process (standing in for an agent's workbench). On SQLite, a one-machine deployment, the
server runs in this process and pops are in-process. Each round sends `--concurrent` signed
incoming-call webhooks at once (three in four from members' numbers); then, paced, the same
number of webhooks again at `--rate` calls a second (new calls arriving while up to
`--concurrent` are in flight), which is how a busy hotline's calls come. Measured: the
webhook's response time, and the time from sending the webhook to receiving its pop event.

The floor is `bench/minimal_webhook.py`, served the same way beside the product (its own
`--workers N` processes on PostgreSQL, in this process on SQLite): it checks the signature and
sends the same one INSERT of the call, nothing else. Every round goes to both servers, one
after the other, the order alternating from round to round, so the machine's other work weighs
on both alike; the ratio is the product's response p99 over the floor's (the goal: at most 1.5).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlmodel import col  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from bench.minimal_webhook import create_minimal_app  # noqa: E402
from tests.peers.fixtures import UvicornThread, free_port  # noqa: E402
from workbench.bootstrap import build, build_telephony  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.telephony.models import Call  # noqa: E402
from workbench.webhooks.server import create_app  # noqa: E402

PUBLIC = "https://hotline.example.com"
TOKEN = "bench-token"
HOTLINE = "+864008000800"
MAX_CONNECTIONS = 1000


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
    """The product's server: (URL, stop function)."""
    if backend == "sqlite":
        return in_process(create_app(build_telephony(wb), wb, auth_token=TOKEN, public_url=PUBLIC))
    command = ["-m", "workbench", "telephony", "serve", "--workers", str(workers), "--port"]
    return in_subprocess(command, settings, wb)


def start_floor(backend: str, wb, settings, workers: int):
    """The floor's server (bench/minimal_webhook.py), set up as the product's: (URL, stop)."""
    if backend == "sqlite":
        return in_process(create_minimal_app(settings.database_url, TOKEN, PUBLIC))
    command = ["-m", "bench.minimal_webhook", "--workers", str(workers), "--port"]
    return in_subprocess(command, settings, wb)


def in_process(app):
    server = UvicornThread(app)
    server.__enter__()
    return server.url, lambda: server.__exit__(None, None, None)


def in_subprocess(command: list[str], settings, wb):
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": settings.database_url,
        "WORKBENCH_KEYS_KEYRING": wb.keyring.to_json(),
        "WORKBENCH_TELEPHONY_PUBLIC_URL": PUBLIC,
        "WORKBENCH_TWILIO_AUTH_TOKEN": TOKEN,
        # A burst is more connections than one process takes by default (100, then 503), and
        # the processes do not share them out evenly: room for all of them in each.
        "WORKBENCH_WEBHOOKS_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    }
    process = subprocess.Popen(
        [sys.executable, *command, str(port)],
        env=env,
        cwd=ROOT,
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
        process.terminate()
        raise SystemExit(f"the webhook server ({' '.join(command)}) did not start")

    def stop() -> None:
        process.terminate()
        process.wait(20)

    return url, stop


def run(
    backend: str,
    members: int,
    concurrent: int,
    rounds: int,
    workers: int,
    rate: float,
    verbose: bool = False,
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
        floor_url, stop_floor = start_floor(backend, wb, settings, workers)
        results: dict[str, tuple[list[float], list[float], list[float]]] = {}
        try:
            phones = summary.sample_phones
            for mode in ("burst", "paced"):
                responses, pops, floor = [], [], []
                for round_no in range(rounds):
                    callers = [
                        phones[(round_no * concurrent + i) % len(phones)]
                        if i % 4
                        else f"+86137{round_no:02d}{i:06d}"
                        for i in range(concurrent)
                    ]
                    pace = rate if mode == "paced" else 0
                    p99s = {}
                    for target in ("floor", "product")[:: 1 if round_no % 2 else -1]:
                        if target == "floor":
                            sent = asyncio.run(fire(floor_url, callers, pace))
                            floor += [seconds for _, _, seconds in sent]
                        else:
                            sent = asyncio.run(fire(server_url, callers, pace))
                            responses += [seconds for _, _, seconds in sent]
                            pops += wait_for_pops(wb, sent, popped)
                        p99s[target] = percentile(sorted(s for _, _, s in sent), 0.99)
                    if verbose:
                        print(
                            f"  {mode} round {round_no + 1}: p99 floor "
                            f"{p99s['floor'] * 1000:.0f} ms, product {p99s['product'] * 1000:.0f} ms",
                            flush=True,
                        )
                results[mode] = (sorted(responses), sorted(pops), sorted(floor))
        finally:
            stop_floor()
            stop_server()
            stop_listening.set()
            listener.join(5)
            wb.dispose()
    ms = 1000
    for mode, (responses, pops, floor) in results.items():
        shape = (
            f"{concurrent} × {rounds} at once"
            if mode == "burst"
            else f"{concurrent * rounds} at {rate:g}/s"
        )
        p99, floor_p99 = percentile(responses, 0.99), percentile(floor, 0.99)
        print(
            f"| {backend} | {members:,} | {shape} | "
            f"{workers if backend == 'postgresql' else 'in-process'} | "
            f"{percentile(floor, 0.5) * ms:.0f} | {floor_p99 * ms:.0f} | "
            f"{percentile(responses, 0.5) * ms:.0f} | {p99 * ms:.0f} | {p99 / floor_p99:.2f}× | "
            f"{percentile(pops, 0.5) * ms:.0f} | {percentile(pops, 0.99) * ms:.0f} | "
            f"{len(pops)}/{concurrent * rounds} |",
            flush=True,
        )


def wait_for_pops(wb, sent, popped) -> list[float]:
    """Seconds from sending each webhook to its pop (waiting up to 10 s for stragglers)."""
    with wb.sessions() as session:
        ids = dict(
            session.execute(
                select(col(Call.call_sid), col(Call.id)).where(
                    col(Call.call_sid).in_([sid for sid, _, _ in sent])
                )
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
    parser.add_argument("--rate", type=float, default=100, help="Paced webhooks a second.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--verbose", action="store_true", help="Each round's two p99s.")
    args = parser.parse_args()
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f}")
    print(
        "| backend | members | webhooks | server processes | floor p50 ms | floor p99 ms "
        "| response p50 ms | p99 ms | p99 ratio | pop p50 ms | pop p99 ms | pops received |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(
            backend,
            args.members,
            args.concurrent,
            args.rounds,
            args.workers,
            args.rate,
            args.verbose,
        )


if __name__ == "__main__":
    main()
