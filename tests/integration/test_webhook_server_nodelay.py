"""`workbench telephony serve --workers N` turns Nagle's algorithm off on its connections.

uvicorn's worker mode listens on a socket it made itself (protocol 0), and asyncio then leaves
TCP_NODELAY unset on accepted connections, which costs each webhook a 40 ms delayed ACK. The
server here listens on such a socket, as in worker mode, and the test reads the option off the
connection the server accepted."""

import asyncio
import socket
import threading
import time

import uvicorn

from workbench.webhooks.nodelay import NoDelayH11Protocol


async def _app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _nodelay_on_accepted_connection(protocol) -> int:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # protocol 0, like uvicorn's
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(_app, http=protocol, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listener])))
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.01)
        # Keep the connection open (HTTP/1.1 keep-alive through a raw socket) while looking.
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        [connection] = list(server.server_state.connections)
        sock = connection.transport.get_extra_info("socket")
        value = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        client.close()
        return value
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def test_the_workers_protocol_sets_tcp_nodelay():
    assert _nodelay_on_accepted_connection(NoDelayH11Protocol) != 0
