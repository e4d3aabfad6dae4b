"""Senders of the outbox for the tests: the settings of an in-process dispatcher sending to the
test peers, and a real `workbench outbox run --loop` process, started with the test's database
and keyring, killed with SIGKILL mid-batch and started again."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from pydantic import SecretStr

from workbench.settings import Settings


def dispatcher_settings(wb, *, peer=None, smtp=None, **updates) -> Settings:
    """`wb`'s settings with SMS going to the Twilio `peer` and e-mail to the `smtp` peer (to
    neither when not given), without a rate limit; `updates` override any of them."""
    values: dict = {
        "smtp_host": "127.0.0.1" if smtp else "",
        "smtp_port": smtp.port if smtp else 25,
        "smtp_security": "none",
        "messaging_sms_per_second": 0,
    }
    if peer is not None:
        values.update(
            twilio_account_sid=peer.account_sid,
            twilio_from_number="+15005550006",
            twilio_api_base=peer.url,
            twilio_auth_token=SecretStr(peer.auth_token),
        )
    values.update(updates)
    return wb.settings.model_copy(update=values)


SENDER_ENV = {
    "WORKBENCH_MESSAGING_LEASE_SECONDS": "1",  # a killed sender's claims expire quickly
    "WORKBENCH_MESSAGING_SEND_SECONDS": "1",
    "WORKBENCH_TWILIO_ACCOUNT_SID": "",  # no peer unless the test names one
    "WORKBENCH_SMTP_HOST": "",
}


def twilio_env(peer) -> dict[str, str]:
    """The settings that send SMS to the Twilio peer, slowly enough to be killed mid-batch."""
    return {
        "WORKBENCH_TWILIO_ACCOUNT_SID": peer.account_sid,
        "WORKBENCH_TWILIO_AUTH_TOKEN": peer.auth_token,
        "WORKBENCH_TWILIO_FROM_NUMBER": "+15005550006",
        "WORKBENCH_TWILIO_API_BASE": peer.url,
        "WORKBENCH_MESSAGING_SMS_PER_SECOND": "8",
    }


def start_sender(wb, keyring, **env: str) -> subprocess.Popen:
    """The sender process on `wb`'s database; `env` adds or overrides its settings."""
    values = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": wb.settings.database_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        **SENDER_ENV,
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "outbox", "run", "--loop"],
        env=values,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def kill_then_rerun(
    start: Callable[[], subprocess.Popen],
    progress: Callable[[], int],
    done: Callable[[], bool],
    *,
    kill_after: int,
    total: int,
) -> None:
    """Starts a sender, SIGKILLs it once `progress()` reaches `kill_after` (failing if it got
    through all `total` first), then runs a second one until `done()`."""
    first = start()
    try:
        wait_until(lambda: progress() >= kill_after, 60, "the first sends")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert progress() < total, "the sender finished before it could be killed"
    second = start()
    try:
        wait_until(done, 90, "every message recorded as sent")
    finally:
        second.terminate()
        second.wait(timeout=10)
