"""Events announced after their commit (the incoming call's pop) reach listeners, in order,
also after the connection they are sent on was lost."""

import threading

import pytest
from sqlalchemy import text

from workbench.telephony.events import CHANNEL, LocalCallEvents, PostgresCallEvents


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_announced_events_arrive_in_order_after_the_connection_is_lost(wb, db_url):
    received: list[dict] = []
    stop, ready = threading.Event(), threading.Event()
    counts = {30: threading.Event(), 60: threading.Event()}

    def handler(event):
        received.append(event)
        if len(received) in counts:
            counts[len(received)].set()

    listener = PostgresCallEvents(db_url)
    thread = threading.Thread(target=listener.listen, args=(handler, stop, ready), daemon=True)
    thread.start()
    bus = PostgresCallEvents(db_url)
    try:
        assert ready.wait(10)
        for n in range(30):
            bus.announce({"type": "incoming", "call_id": n})
        assert counts[30].wait(10)
        with wb.engine.connect() as connection:  # the sender's backend is ended
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE '%pg_notify(%' "
                    "AND pid <> pg_backend_pid() AND query NOT LIKE '%LISTEN ' || :channel"
                ),
                {"channel": CHANNEL},
            ).scalar()
            connection.commit()
        assert ended == 1
        for n in range(30, 60):
            bus.announce({"type": "incoming", "call_id": n})
        assert counts[60].wait(10), f"{len(received)} of 60 events"
    finally:
        bus.close()
        stop.set()
        thread.join(10)
    assert received == [{"type": "incoming", "call_id": n} for n in range(60)]


def test_announced_events_reach_local_listeners():
    bus = LocalCallEvents()
    stop, ready, got = threading.Event(), threading.Event(), threading.Event()
    received: list[dict] = []

    def handler(event):
        received.append(event)
        got.set()

    thread = threading.Thread(target=bus.listen, args=(handler, stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        bus.announce({"type": "incoming", "call_id": 7})
        assert got.wait(10)
    finally:
        stop.set()
        thread.join(10)
    assert received == [{"type": "incoming", "call_id": 7}]
