"""Metrics and health over HTTP, with real parts: the webhook server under uvicorn scraped after
a webhook and an outbox run; /ready failing (503) once the key file on disk is not the
database's; the scheduler as a real process serving its own /metrics on its port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import delete

from tests.integration.test_telephony_webhooks import incoming
from tests.outbox_sender import dispatcher_settings
from tests.peers.fixtures import free_port
from workbench.bootstrap import build, build_dispatcher
from workbench.crypto import Keyring
from workbench.members.models import Member
from workbench.messaging.models import OutboxAttempt, OutboxMessage


@pytest.fixture
def wb(settings, clock, keyring):
    """The workbench built from its key file on disk (not keys handed in): /ready reads that
    file again at each request."""
    keyring.save(settings.effective_keys_file)
    workbench = build(settings, clock=clock)
    yield workbench
    workbench.dispose()


def _samples(text: str) -> dict[str, float]:
    """`name{labels}` -> value of a Prometheus text exposition."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def _queue_sms(wb, member_id: int) -> None:
    with wb.sessions() as session:
        session.execute(delete(OutboxAttempt))
        session.execute(delete(OutboxMessage))
        member = session.get(Member, member_id)
        wb.outbox.enqueue(
            session, member=member, template="welcome", channel="sms", purpose="transactional"
        )
        session.commit()


def _send(wb, peer) -> int:
    settings = dispatcher_settings(wb, peer=peer)
    return build_dispatcher(settings, wb.clock, wb.sessions, wb.outbox).run_once().sent


def test_metrics_count_webhooks_and_the_outbox(wb, world, twilio, twilio_peer):
    assert twilio.post("/voice/incoming", incoming()).status_code == 200
    assert twilio.post("/voice/incoming", incoming(), signature="forged").status_code == 403
    assert twilio.post("/no/such/webhook", {}).status_code in (404, 405)
    _queue_sms(wb, world.member_id)
    assert _send(wb, twilio_peer) == 1

    response = requests.get(twilio.server_url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    got = _samples(response.text)
    route = 'route="/voice/incoming"'
    assert got[f'workbench_webhook_requests_total{{{route},status="200"}}'] == 1
    assert got[f'workbench_webhook_requests_total{{{route},status="403"}}'] == 1
    assert got[f'workbench_webhook_request_seconds_count{{{route},status="200"}}'] == 1
    assert got[f'workbench_webhook_request_seconds_bucket{{le="+Inf",{route},status="200"}}'] == 1
    # an unknown path is one label, not a label per path
    assert any('route="other"' in name for name in got)
    assert not any("/no/such" in name for name in got)
    assert got['workbench_outbox_messages{channel="sms",state="sent"}'] == 1
    assert got['workbench_messages_sent_total{channel="sms"}'] == 1
    assert got['workbench_messages_failed_total{channel="sms"}'] == 0
    assert got['workbench_callback_queue{state="queued"}'] >= 0
    assert got["workbench_active_grants"] >= 0
    assert got["workbench_sla_escalations_total"] == 0
    assert got["workbench_database_up"] == 1
    # scraping the health endpoints is not counted as webhooks
    requests.get(twilio.server_url + "/health", timeout=10)
    again = _samples(requests.get(twilio.server_url + "/metrics", timeout=10).text)
    assert not any('route="/health"' in name or 'route="/metrics"' in name for name in again)
    # counts only: nothing of the member reaches the scrape
    with wb.sessions() as session:
        member = session.get(Member, world.member_id)
        assert member.member_no not in response.text


def test_audit_anchor_age_is_reported(wb, twilio, clock):
    got = _samples(requests.get(twilio.server_url + "/metrics", timeout=10).text)
    assert "workbench_audit_anchor_age_seconds" not in got  # no anchor written yet
    with wb.sessions() as session:
        wb.audit.record(session, action="backup", result="ok")
        session.commit()
    assert wb.usecases.protection.anchor_audit() is not None
    clock.advance(minutes=20)
    got = _samples(requests.get(twilio.server_url + "/metrics", timeout=10).text)
    assert got["workbench_audit_anchor_age_seconds"] == 20 * 60


def test_a_holiday_year_nobody_knows_yet_is_a_metric(twilio, clock):
    """A scheduler or webhook worker started in March warned of nothing at its start; in
    December the scrape says the next year is not known."""
    from datetime import UTC, datetime

    from workbench.complaints.public_holidays import china_public_days

    got = _samples(requests.get(twilio.server_url + "/metrics", timeout=10).text)
    assert got["workbench_calendar_unknown_years"] == 0
    last = max(china_public_days().known_years)
    clock.set(datetime(last, 12, 2, 1, 0, tzinfo=UTC))
    got = _samples(requests.get(twilio.server_url + "/metrics", timeout=10).text)
    assert got["workbench_calendar_unknown_years"] == 1


def test_health_and_ready(twilio):
    health = requests.get(twilio.server_url + "/health", timeout=10)
    assert (health.status_code, health.text) == (200, "ok\n")
    ready = requests.get(twilio.server_url + "/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.text.splitlines() == ["ready", "database: ok", "migrations: ok", "key_file: ok"]


def test_ready_fails_when_the_key_file_does_not_match(wb, twilio):
    assert requests.get(twilio.server_url + "/ready", timeout=10).status_code == 200
    Keyring.generate().save(wb.settings.effective_keys_file)  # another installation's file
    ready = requests.get(twilio.server_url + "/ready", timeout=10)
    assert ready.status_code == 503
    assert "key_file: FAIL (the key file does not belong to this database" in ready.text
    assert "database: ok" in ready.text
    # and a key file gone is not ready either, saying so without its content
    wb.settings.effective_keys_file.unlink()
    gone = requests.get(twilio.server_url + "/ready", timeout=10)
    assert gone.status_code == 503
    assert "key_file: FAIL (the key file cannot be read" in gone.text


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=5)
    except requests.ConnectionError:
        return None


def test_the_scheduler_serves_its_own_metrics(db_url, keyring, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_SCHEDULER_STANDBY_POLL_SECONDS": "0.2",
        "WORKBENCH_SCHEDULER_LOCK_CHECK_SECONDS": "0.2",
        "WORKBENCH_SCHEDULER_SWEEP_SECONDS": "5",
        "WORKBENCH_SCHEDULER_METRICS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        got: dict[str, float] = {}
        deadline = time.monotonic() + 40
        sweep = 'workbench_scheduler_job_runs_total{job="escalation_sweep"}'
        while time.monotonic() < deadline and got.get(sweep, 0) < 1:
            assert process.poll() is None, process.stderr.read()[-2000:]
            response = _get(base + "/metrics")
            if response is not None:
                got = _samples(response.text)
            time.sleep(0.2)
        assert got.get(sweep, 0) >= 1, got
        assert got["workbench_scheduler_leader"] == 1
        assert got.get('workbench_scheduler_job_failures_total{job="escalation_sweep"}', 0) == 0
        last = got['workbench_scheduler_job_last_success_timestamp_seconds{job="escalation_sweep"}']
        assert abs(last - time.time()) < 60
        assert re.search(
            r"^workbench_outbox_messages|^workbench_active_grants", "\n".join(got), re.M
        )
        assert _get(base + "/health").text == "ok\n"
        assert _get(base + "/ready").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
