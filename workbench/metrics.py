"""Prometheus metrics and the health endpoints of the webhook server and the scheduler.

- `/metrics`: what this process measured itself (the webhook server: each webhook's latency and
  count by route and status; the scheduler: each job's runs, failures and last success) and the
  numbers read from the database at scrape time through `usecases.operations` (outbox depth by
  channel and state, messages sent and failed, the callback queue, active grants, escalations,
  the age of the newest audit anchor), and how many years the SLA clocks may reach that the
  holiday calendar does not know yet. Counts only: no member, no staff member, no text.
- `/health`: the process is up (it answers).
- `/ready`: the database answers, its schema is current and the key file on disk is the
  database's; 503 with the failing check otherwise, for a load balancer or systemd to act on.

Several webhook workers (uvicorn --workers) each measure their own requests: with
PROMETHEUS_MULTIPROC_DIR set (an empty folder per start, docs/deployment.md) /metrics adds up
every worker's, as prometheus-client's multiprocess mode does."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from workbench.clock import Clock
    from workbench.usecases.operations import OperationsDesk

log = logging.getLogger(__name__)
PREFIX = "workbench"
# Webhooks answer in milliseconds; a slow database or a lock wait shows in the upper buckets.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OTHER = "other"  # any path that is not a webhook: its own label, so no path floods the labels


class OperationsCollector(Collector):
    """The database's numbers, read when Prometheus scrapes (not kept in this process: every
    worker and the scheduler report the same, current, values)."""

    def __init__(self, operations: OperationsDesk) -> None:
        self.operations = operations

    def describe(self) -> Iterable[Metric]:
        return []  # collected only on a scrape, never at registration

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            f"{PREFIX}_calendar_unknown_years",
            "Years SLA clocks started now may reach that the public-holiday source does not "
            "know yet (0 when all are known; see workbench doctor)",
            value=self.operations.unknown_calendar_years(),
        )
        up = GaugeMetricFamily(
            f"{PREFIX}_database_up", "1 if the numbers below could be read from the database"
        )
        try:
            snapshot = self.operations.snapshot()
        except Exception as error:  # the database is away: say so, the scrape still answers
            log.warning("metrics: cannot read the database (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        outbox = GaugeMetricFamily(
            f"{PREFIX}_outbox_messages",
            "Outbox messages by channel and state",
            labels=["channel", "state"],
        )
        for (channel, state), count in sorted(snapshot.outbox.items()):
            outbox.add_metric([channel, state], count)
        yield outbox
        sent = CounterMetricFamily(
            f"{PREFIX}_messages_sent",
            "Messages the provider accepted (sent or delivered)",
            labels=["channel"],
        )
        failed = CounterMetricFamily(
            f"{PREFIX}_messages_failed", "Messages that failed for good", labels=["channel"]
        )
        for channel in sorted(snapshot.sent):
            sent.add_metric([channel], snapshot.sent[channel])
            failed.add_metric([channel], snapshot.failed.get(channel, 0))
        yield sent
        yield failed
        queue = GaugeMetricFamily(
            f"{PREFIX}_callback_queue", "Open callback tasks by state", labels=["state"]
        )
        for state, count in sorted(snapshot.callback_queue.items()):
            queue.add_metric([state], count)
        yield queue
        yield GaugeMetricFamily(
            f"{PREFIX}_active_grants", "Access grants in force now", value=snapshot.active_grants
        )
        yield CounterMetricFamily(
            f"{PREFIX}_sla_escalations",
            "Escalation steps the SLA sweep has recorded",
            value=snapshot.escalations,
        )
        if snapshot.audit_anchor_age_seconds is not None:
            yield GaugeMetricFamily(
                f"{PREFIX}_audit_anchor_age_seconds",
                "Seconds since the newest audit anchor was written",
                value=snapshot.audit_anchor_age_seconds,
            )


def operations_registry(operations: OperationsDesk) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OperationsCollector(operations))
    return registry


class RequestMetrics:
    """ASGI middleware: latency and count of each webhook by route and status (the refusals of
    the body limits, 408 and 413, included: it sits outside them)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, routes: Iterable[str]) -> None:
        self.app = app
        self.routes = frozenset(routes)
        self.latency = Histogram(
            f"{PREFIX}_webhook_request_seconds",
            "Time to answer a webhook, by route and status",
            ["route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            f"{PREFIX}_webhook_requests",
            "Webhooks answered, by route and status",
            ["route", "status"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in self.routes else OTHER
        status = 500  # what the person sees if the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            labels = (route, str(status))
            self.latency.labels(*labels).observe(time.perf_counter() - started)
            self.requests.labels(*labels).inc()


class SchedulerMetrics:
    """Each job's runs, failures and last success, from APScheduler's job events; and whether
    this scheduler is the active one (1) or a standby (0)."""

    def __init__(self, registry: CollectorRegistry, clock: Clock) -> None:
        self.clock = clock
        self.runs = Counter(
            f"{PREFIX}_scheduler_job_runs", "Job runs, by job", ["job"], registry=registry
        )
        self.failures = Counter(
            f"{PREFIX}_scheduler_job_failures",
            "Job runs that failed, by job",
            ["job"],
            registry=registry,
        )
        self.missed = Counter(
            f"{PREFIX}_scheduler_job_missed",
            "Job runs skipped as too late, by job",
            ["job"],
            registry=registry,
        )
        self.last_success = Gauge(
            f"{PREFIX}_scheduler_job_last_success_timestamp_seconds",
            "When each job last ran without error (Unix time)",
            ["job"],
            registry=registry,
        )
        self.leader = Gauge(
            f"{PREFIX}_scheduler_leader",
            "1 while this scheduler holds the leader lock and runs the jobs",
            registry=registry,
        )

    def job_event(self, event: Any) -> None:
        """APScheduler's listener (EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED

        job = str(event.job_id)
        if event.code == EVENT_JOB_MISSED:
            self.missed.labels(job).inc()
            return
        self.runs.labels(job).inc()
        if event.code == EVENT_JOB_ERROR:
            self.failures.labels(job).inc()
        else:
            self.last_success.labels(job).set(self.clock.now().timestamp())


HEALTH_PATHS = frozenset({"/metrics", "/health", "/ready"})


def health_routes(registry: CollectorRegistry, operations: OperationsDesk) -> list[Route]:
    """/metrics, /health and /ready, for the webhook server and the scheduler's metrics port."""

    def scrape() -> bytes:
        multiprocess = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not multiprocess:
            return generate_latest(registry)
        from prometheus_client import multiprocess as mp

        # Every worker's own counts from the shared folder, the database's numbers once.
        combined = CollectorRegistry(auto_describe=False)
        mp.MultiProcessCollector(combined, path=multiprocess)  # type: ignore[no-untyped-call]
        combined.register(OperationsCollector(operations))
        return generate_latest(combined)

    async def metrics(_request: Request) -> Response:
        body = await run_in_threadpool(scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def ready(_request: Request) -> Response:
        readiness = await run_in_threadpool(operations.readiness)
        lines = [
            f"{check.name}: {'ok' if check.ok else 'FAIL'}"
            + (f" ({check.detail})" if check.detail else "")
            for check in readiness.checks
        ]
        return PlainTextResponse(
            "\n".join(["ready" if readiness.ok else "not ready", *lines]) + "\n",
            status_code=200 if readiness.ok else 503,
        )

    return [
        Route("/metrics", metrics, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
    ]


class MetricsServer:
    """The scheduler's /metrics, /health and /ready: uvicorn in a daemon thread on its own port
    (setting [scheduler] metrics_port), so a standby answers too."""

    def __init__(
        self, registry: CollectorRegistry, operations: OperationsDesk, *, host: str, port: int
    ) -> None:
        import uvicorn
        from starlette.applications import Starlette

        app = Starlette(routes=health_routes(registry, operations))
        # log_config=None: uvicorn's own lines go through the workbench's handlers ([logging]
        # format and file), not a console format of uvicorn's.
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", log_config=None, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="metrics", daemon=True)
        self.host, self.port = host, port

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                from workbench.errors import ConfigError

                raise ConfigError(
                    f"the scheduler's metrics server could not listen on {self.host}:{self.port} "
                    "(in use? setting [scheduler] metrics_port, 0 for none)"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
