"""The screen pop crosses processes on PostgreSQL: a second process LISTENs (as an agent's
workbench does) and receives the event of a call the webhook server stored, at commit."""

import json
import subprocess
import sys
import time

import pytest

from tests.peers.fixtures import HOTLINE

LISTENER = """
import json, sys, threading, time
from workbench.telephony.events import PostgresCallEvents
stop, ready = threading.Event(), threading.Event()
def handler(event):
    print(json.dumps({**event, "received": time.time()}), flush=True)
    stop.set()
worker = threading.Thread(target=PostgresCallEvents(sys.argv[1]).listen,
                          args=(handler, stop, ready))
worker.start()
ready.wait(20)
print("listening", flush=True)
worker.join(30)
"""


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_second_process_receives_the_pop(twilio, wb, world, db_url):
    listener = subprocess.Popen(
        [sys.executable, "-c", LISTENER, db_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert listener.stdout.readline().strip() == "listening"
        sent = time.time()
        response = twilio.post(
            "/voice/incoming", {"CallSid": "CA" + "9" * 32, "From": world.app.phone, "To": HOTLINE}
        )
        assert response.status_code == 200
        event = json.loads(listener.stdout.readline())
        assert listener.wait(10) == 0
    finally:
        if listener.poll() is None:
            listener.kill()
    assert event["type"] == "incoming" and isinstance(event["call_id"], int)
    assert set(event) == {"type", "call_id", "received"}  # ids only, no numbers
    assert event["received"] - sent < 2.0  # the bench measures it properly


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_listener_reconnects_after_losing_its_connection(wb, db_url):
    import threading

    from sqlalchemy import text

    from workbench.telephony.events import CHANNEL, PostgresCallEvents

    events, stop, ready = [], threading.Event(), threading.Event()
    bus = PostgresCallEvents(db_url)
    listener = threading.Thread(target=bus.listen, args=(events.append, stop, ready), daemon=True)
    listener.start()
    try:
        assert ready.wait(10)
        ready.clear()
        with wb.engine.connect() as connection:  # an administrator kills the listener's backend
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE :q AND pid <> pg_backend_pid()"
                ),
                {"q": f"LISTEN {CHANNEL}%"},
            )
            connection.commit()
        assert ready.wait(10), "the listener did not come back"
        with wb.sessions() as session:
            bus.publish(session, {"type": "incoming", "call_id": 42})
            session.commit()
        deadline = time.time() + 5
        while not events and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        listener.join(10)
    assert events == [{"type": "incoming", "call_id": 42}]
