"""ws against a WebSocket server of the websockets library on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from tests.builtins.conftest import HostLua


@dataclass
class EchoServer:
    url: str
    handshakes: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    """Echoes every message back; "bye" makes it close the connection cleanly."""
    state = EchoServer(url="")

    def record(conn: ServerConnection, request: Any) -> None:
        # During the handshake, so it is recorded before the client's connect returns.
        state.handshakes.append({k.lower(): v for k, v in request.headers.raw_items()})

    def handler(conn: ServerConnection) -> None:
        for message in conn:
            if message == "bye":
                conn.close()
                return
            conn.send(message)

    def pick(conn: ServerConnection, offered: Any) -> Any:
        return offered[0] if offered else None

    server: Server = serve(
        handler, "127.0.0.1", 0, select_subprotocol=pick, compression=None, process_request=record
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/"
    yield state
    server.shutdown()
    thread.join(10)


def test_send_and_recv_in_order(host_lua: HostLua, echo: EchoServer) -> None:
    got = host_lua(
        f"""
        local conn = ws.connect("{echo.url}")
        local out = {{}}
        for _, m in ipairs({{ "first", "second", json.encode({{ type = "ping", data = 42 }}) }}) do
          ws.send(conn, m)
          out[#out + 1] = ws.recv(conn)
        end
        ws.close(conn)
        return out
        """
    )
    assert got == ["first", "second", '{"data":42,"type":"ping"}']


def test_binary_messages_round_trip_byte_for_byte(host_lua: HostLua, echo: EchoServer) -> None:
    got = host_lua(
        rf"""
        local conn = ws.connect("{echo.url}")
        local payload = "\1\2\3\255\0hello"
        ws.send_binary(conn, payload)
        local back = ws.recv(conn)
        return back == payload, #back
        """
    )
    assert got == [True, 10]


def test_subprotocols_and_headers_reach_the_server(host_lua: HostLua, echo: EchoServer) -> None:
    got = host_lua(
        f"""
        local plain = ws.connect("{echo.url}")
        local conn = ws.connect("{echo.url}", {{
          subprotocols = {{ "v4.channel.k8s.io", "v3.channel.k8s.io" }},
          headers = {{ Authorization = "Bearer test-token", ["X-Custom"] = "hello" }},
        }})
        return ws.protocol(plain), ws.protocol(conn)
        """
    )
    assert got == [None, "v4.channel.k8s.io"]
    first, second = echo.handshakes
    assert "sec-websocket-protocol" not in first
    assert second["authorization"] == "Bearer test-token"
    assert second["x-custom"] == "hello"
    assert second["sec-websocket-protocol"] == "v4.channel.k8s.io, v3.channel.k8s.io"
    assert "user-agent" not in second
    assert "sec-websocket-extensions" not in second


def test_recv_after_the_server_closed(host_lua: HostLua, echo: EchoServer) -> None:
    assert (
        host_lua.error(
            f"""
        local conn = ws.connect("{echo.url}")
        ws.send(conn, "bye")
        ws.recv(conn)
        """
        )
        == "ws.recv: connection closed"
    )


def test_connect_failures(host_lua: HostLua) -> None:
    assert host_lua.error('ws.connect("ws://127.0.0.1:1/nothing")') == (
        "ws.connect: IO error: Connection refused (os error 111)"
    )
    assert host_lua.error('ws.connect("http://127.0.0.1/")').startswith("ws.connect: ")


def test_bad_arguments(host_lua: HostLua, echo: EchoServer) -> None:
    assert host_lua.error("ws.connect()") == (
        "ws.connect: bad argument #1: error converting Lua nil to String"
        " (expected string or number)"
    )
    assert host_lua.error(f'ws.connect("{echo.url}", "opts")') == (
        "ws.connect: bad argument #2: error converting Lua string to table"
    )
    assert host_lua.error(
        f'ws.connect("{echo.url}", {{ headers = {{ ["bad name"] = "x" }} }})'
    ) == ("ws.connect: invalid header name 'bad name': invalid HTTP header name")
    assert host_lua.error(f'ws.connect("{echo.url}", {{ headers = {{ X = "a\\nb" }} }})') == (
        "ws.connect: invalid header value for 'X': failed to parse header value"
    )
    assert host_lua.error(f'ws.connect("{echo.url}", {{ headers = {{ X = {{}} }} }})') == (
        "ws.connect: opts.headers: error converting Lua table to String (expected string or number)"
    )
    assert host_lua.error('ws.send({}, "x")') == "ws.send: first argument must be a ws connection"
    assert host_lua.error("ws.recv(db)") == "ws.recv: first argument must be a ws connection"
    assert host_lua.error(f'ws.send(ws.connect("{echo.url}"), "\\255")') == (
        "ws.send: text messages must be UTF-8 (use ws.send_binary for raw bytes)"
    )


def test_options_of_other_types_are_read_as_the_original_reads_them(
    host_lua: HostLua, echo: EchoServer
) -> None:
    got = host_lua(
        f"""
        local conn = ws.connect("{echo.url}",
          {{ headers = "X-A: 1", subprotocols = "v1", insecure = 1 }})
        ws.send(conn, 42)
        return ws.recv(conn), ws.protocol(conn) == nil
        """
    )
    assert got == ["42", True]
    assert "x-a" not in echo.handshakes[0]


def test_a_plain_http_answer_is_an_http_error(host_lua: HostLua) -> None:
    from tests.support.recorder import Recorder

    with Recorder() as rec:
        url = rec.url.replace("http://", "ws://")
        assert host_lua.error(f'ws.connect("{url}/nothing")') == (
            "ws.connect: HTTP error: 404 Not Found"
        )


def test_recv_in_a_task_lets_the_main_chunk_send(host_lua: HostLua, echo: EchoServer) -> None:
    # The task waits in recv before anything was sent; only the main chunk sends. If recv
    # held the Lua thread, the send could never happen.
    got = host_lua(
        f"""
        local conn = ws.connect("{echo.url}")
        local reader = async.spawn(function() return ws.recv(conn) end)
        ws.send(conn, "from main")
        return reader.await()[1]
        """
    )
    assert got == "from main"


def test_first_use_inside_a_coroutine(host_lua: HostLua, echo: EchoServer) -> None:
    got = host_lua(
        f"""
        return coroutine.wrap(function()
          local conn = ws.connect("{echo.url}")
          ws.send(conn, "co")
          return ws.recv(conn)
        end)()
        """
    )
    assert got == "co"
