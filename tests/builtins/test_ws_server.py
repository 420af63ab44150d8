"""http.serve answering WebSocket upgrades with ws = function(conn), against the websockets
library's client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.support.lua_server import serving

ROUTES = """{ GET = {
  ["/echo"] = function(req)
    return { headers = { ["x-served-by"] = "lua" }, ws = function(conn)
      while true do
        local m = conn:read()
        if not m then break end
        if m == "peer" then m = conn.peer_addr end
        if m == "closed?" then m = tostring(conn:is_closed()) end
        -- binary = 1: any true value asks for a binary frame, as on the original
        conn:write(m, { binary = (m:byte(1) == 0 or m == "as bytes") and 1 or nil })
      end
    end }
  end,
  ["/bye"] = function(req)
    return { ws = function(conn) conn:write("bye") conn:close(4000, "done") end }
  end,
  ["/plain"] = function(req) return { body = "no socket here" } end,
} }"""


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    with serving(ROUTES, tmp_path) as served_port:
        yield served_port


def test_text_and_binary_echo(port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/echo", compression=None) as ws:
        assert ws.response is not None
        assert ws.response.headers["x-served-by"] == "lua"
        ws.send("hello")
        assert ws.recv() == "hello"
        ws.send(b"\x00\xde\xad\xff")
        assert ws.recv() == b"\x00\xde\xad\xff"
        ws.send("closed?")
        assert ws.recv() == "false"
        ws.send("as bytes")
        assert ws.recv() == b"as bytes"
        ws.send("peer")
        host, _, peer_port = ws.recv().rpartition(":")
        assert (host, int(peer_port)) == ws.local_address[:2]


def test_server_initiated_close_with_code_and_reason(port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/bye", compression=None) as ws:
        assert ws.recv() == "bye"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "done")


def test_a_handler_without_ws_answers_plainly(port: int) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{port}/plain", compression=None)
    assert refused.value.response.status_code == 200
    assert refused.value.response.body == b"no socket here"


def test_incomplete_upgrade_requests_are_rejected(port: int) -> None:
    response = httpx.get(
        f"http://127.0.0.1:{port}/echo",
        headers={"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "8"},
    )
    assert (response.status_code, response.text) == (
        400,
        "websocket upgrade rejected: Sec-WebSocket-Version must be 13",
    )
    response = httpx.get(f"http://127.0.0.1:{port}/echo", headers={"Upgrade": "websocket"})
    assert response.text == "websocket upgrade rejected: missing Connection: Upgrade header"
    # Without Upgrade the route is an ordinary GET: the ws answer has nothing to send.
    assert httpx.get(f"http://127.0.0.1:{port}/echo").status_code == 200
