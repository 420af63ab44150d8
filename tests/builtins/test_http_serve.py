"""http.serve through the real host: a Lua client in the main chunk against a server task, and
raw sockets from Python against a script that keeps serving until told to stop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builtins.conftest import HostLua
from tests.support.engines import per_engine
from tests.support.lua_server import serving

ROUTES = """{
  GET = {
    ["/health"] = function(req) return { status = 200, body = "ok" } end,
    ["/echo"] = function(req)
      return { json = { query = req.query, params = req.params, method = req.method,
                        path = req.path, agent = req.headers["x-agent"] } }
    end,
    ["/cookies"] = function(req)
      return { body = "ok", headers = { ["Set-Cookie"] = { "a=1; Path=/", "b=2; Path=/" } } }
    end,
    ["/html"] = function(req)
      return { status = 203, body = "<h1>ok</h1>", headers = { ["content-type"] = "text/html" } }
    end,
    ["/boom"] = function(req) error("handler broke") end,
    ["/nothing"] = function(req) return nil end,
    ["/slow"] = function(req) sleep(0.05) return { body = "slow" } end,
    ["/api/*"] = function(req) return { body = "api:" .. req.path } end,
    ["/events"] = function(req)
      return { sse = function(send)
        send({ data = "hello" })
        sleep(0.01)
        send({ event = "update", data = "two\\nlines", id = "7", retry = 1500 })
      end }
    end,
  },
  POST = {
    ["/submit"] = function(req) return { status = 201, body = req.body } end,
  },
}"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A script serving ROUTES from a task while its main chunk pumps until a stop file."""
    with serving(ROUTES, tmp_path) as port:
        yield f"http://127.0.0.1:{port}"


def test_lua_client_against_a_server_task(host_lua: HostLua) -> None:
    got = host_lua(
        f"""
        async.spawn(function() http.serve(0, {ROUTES}) end)
        local base = "http://127.0.0.1:" .. _SERVER_PORT
        local health = http.get(base .. "/health")
        local posted = http.post(base .. "/submit", "hello world")
        local missing = http.get(base .. "/missing")
        return health.status, health.body, health.headers["content-type"],
               posted.status, posted.body, missing.status, missing.body
        """
    )
    assert got == [200, "ok", "text/plain", 201, "hello world", 404, "not found"]


def test_request_fields_and_decoded_params(served: str) -> None:
    response = httpx.get(
        f"{served}/echo?challenge=abc%3D&space=hello%20world&plus=a+b&u=caf%C3%A9&empty",
        headers={"X-Agent": "tester"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "query": "challenge=abc%3D&space=hello%20world&plus=a+b&u=caf%C3%A9&empty",
        "params": {
            "challenge": "abc=",
            "space": "hello world",
            "plus": "a b",
            "u": "café",
            "empty": "",
        },
        "method": "GET",
        "path": "/echo",
        "agent": "tester",
    }


def test_no_query_gives_an_empty_string_and_empty_params(host_lua: HostLua) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve(0, { GET = { ["/"] = function(req)
          return { body = "[" .. req.query .. "]" .. tostring(next(req.params) == nil) }
        end } }) end)
        return http.get("http://127.0.0.1:" .. _SERVER_PORT .. "/").body
        """
    )
    assert got == "[]true"


def test_repeated_headers_and_lowercase_names_on_the_wire(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "set-cookie: a=1; Path=/" in head
    assert "set-cookie: b=2; Path=/" in head
    assert raw.endswith(b"\r\n\r\nok")


def test_custom_status_and_content_type(served: str) -> None:
    response = httpx.get(f"{served}/html")
    assert (response.status_code, response.headers["content-type"], response.text) == (
        203,
        "text/html",
        "<h1>ok</h1>",
    )


def test_handler_failures_answer_500(served: str) -> None:
    broke = httpx.get(f"{served}/boom")
    assert broke.status_code == 500
    assert broke.text == "handler error: server:15: handler broke"
    nothing = httpx.get(f"{served}/nothing")
    assert (nothing.status_code, nothing.text) == (
        500,
        "handler error: error converting Lua nil to table",
    )


def test_wildcards_exact_first_then_longest_prefix(host_lua: HostLua) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve(0, { GET = {
          ["/exact"] = function(req) return { body = "exact" } end,
          ["/api/*"] = function(req) return { body = "api:" .. req.path } end,
          ["/api/v2/*"] = function(req) return { body = "v2:" .. req.path } end,
          ["/*"] = function(req) return { body = "root:" .. req.path } end,
        } }) end)
        local base = "http://127.0.0.1:" .. _SERVER_PORT
        local out = {}
        for _, p in ipairs({ "/exact", "/api/users", "/api/v2/x/y", "/hello", "/a/b/c" }) do
          out[#out + 1] = http.get(base .. p).body
        end
        return table.concat(out, " ")
        """
    )
    assert got == "exact api:/api/users v2:/api/v2/x/y root:/hello root:/a/b/c"


def test_method_names_are_case_insensitive_and_unrouted_methods_404(served: str) -> None:
    assert httpx.post(f"{served}/submit", content=b"data").text == "data"
    assert httpx.put(f"{served}/submit", content=b"data").status_code == 404


def test_chunked_request_body(served: str) -> None:
    def parts() -> Iterator[bytes]:
        yield b"hello "
        yield b"chunks"

    assert httpx.post(f"{served}/submit", content=parts()).text == "hello chunks"


def test_server_sent_events_stream_in_order(served: str) -> None:
    response = httpx.get(f"{served}/events")
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (
        "data: hello\n\nevent: update\ndata: two\ndata: lines\nid: 7\nretry: 1500\n\n"
    )


def test_handlers_run_concurrently(served: str) -> None:
    # Two slow requests at once, and a fast one meanwhile, all answered correctly.
    results: dict[str, str] = {}

    def fetch(path: str) -> None:
        results[path] = httpx.get(f"{served}{path}", timeout=10).text

    threads = [threading.Thread(target=fetch, args=(p,)) for p in ("/slow", "/api/x", "/health")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"/slow": "slow", "/api/x": "api:/api/x", "/health": "ok"}


def test_a_handler_calling_another_server(host_lua: HostLua) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve(0, { GET = { ["/data"] = function()
          return { body = "backend" } end } }) end)
        local backend = _SERVER_PORT
        async.spawn(function() http.serve(0, { GET = { ["/proxy"] = function()
          local r = http.get("http://127.0.0.1:" .. backend .. "/data")
          return { status = r.status, body = "proxied: " .. r.body }
        end } }) end)
        return http.get("http://127.0.0.1:" .. _SERVER_PORT .. "/proxy").body
        """
    )
    assert got == "proxied: backend"


def test_serve_with_extra_routes_after_the_scripts_own(host_lua: HostLua) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve_with_extra(0,
          { GET = { ["/a"] = function() return { body = "own" } end } },
          { GET = { ["/a"] = function() return { body = "extra-a" } end,
                    ["/b"] = function() return { body = "extra-b" } end } })
        end)
        local base = "http://127.0.0.1:" .. _SERVER_PORT
        return http.get(base .. "/a").body, http.get(base .. "/b").body
        """
    )
    assert got == ["own", "extra-b"]


def test_bad_arguments(host_lua: HostLua) -> None:
    assert host_lua.error('http.serve("80", {})') == (
        "http.serve: first argument must be a port number"
    )
    assert host_lua.error("http.serve(8.5, {})") == (
        "http.serve: first argument must be a port number"
    )
    assert host_lua.error("http.serve(70000, {})") == "http.serve: port must be 0-65535, got 70000"
    assert host_lua.error("http.serve(0)") == "http.serve: second argument must be a routes table"
    assert host_lua.error("http.serve(0, { GET = { ['/'] = 'not a function' } })") == (
        "http.serve: routes.GET must map path strings to handler functions"
        " (error converting Lua string to function)"
    )
    assert host_lua.error("http.serve(0, { GET = 'x' })") == (
        "http.serve: routes must map a method name to a table of paths"
        " (error converting Lua string to table)"
    )
    assert host_lua.error("http.serve_with_extra(0, {}, nil)") == (
        "http.serve_with_extra: third argument must be a routes table"
    )
    assert host_lua.error("http.serve_with_extra(0)") == (
        "http.serve_with_extra: second argument must be a routes table"
    )


def test_status_and_listed_headers_are_converted_as_the_original_does(
    host_lua: HostLua,
) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve(0, { GET = {
          ["/text"] = function() return { status = "201", body = "t" } end,
          ["/cut"] = function() return { status = 202.9 } end,
          ["/bad"] = function() return { status = 42 } end,
          ["/list"] = function() return { headers = { ["X-L"] = { "a", 7 }, ["X-N"] = 5 } } end,
        } }) end)
        local base = "http://127.0.0.1:" .. _SERVER_PORT
        local list = http.get(base .. "/list")
        return http.get(base .. "/text").status, http.get(base .. "/cut").status,
               http.get(base .. "/bad").status, list.headers["x-l"], list.headers["x-n"] == nil
        """
    )
    # Repeated headers reach a client as the last one; a lone number is not sent.
    assert got == [201, 202, 200, "7", True]


def test_bind_failure(host_lua: HostLua) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert host_lua.error(f"http.serve({port}, {{}})") == (
            "http.serve: bind failed: Address already in use (os error 98)"
        )


def test_first_use_inside_a_coroutine(host_lua: HostLua) -> None:
    got = host_lua(
        """
        return coroutine.wrap(function()
          async.spawn(function()
            http.serve(0, { GET = { ["/"] = function() return { body = "co" } end } })
          end)
          return http.get("http://127.0.0.1:" .. _SERVER_PORT .. "/").body
        end)()
        """
    )
    assert got == "co"


def test_number_bodies_are_written_as_the_engine_writes_numbers(host_lua: HostLua) -> None:
    got = host_lua(
        """
        async.spawn(function() http.serve(0, { GET = {
          ["/ns"] = function() return { body = 1.7961108526498e+18 } end,
          ["/half"] = function() return { body = 10 / 2 } end,
          ["/third"] = function() return { body = 1 / 3 } end,
        } }) end)
        local base = "http://127.0.0.1:" .. _SERVER_PORT
        return http.get(base .. "/ns").body, http.get(base .. "/half").body,
               http.get(base .. "/third").body
        """
    )
    # LuaJIT: whole numbers in full digits; Lua 5.5: its own tostring, as the original.
    assert got == per_engine(
        ["1796110852649799936", "5", "0.33333333333333"],
        ["1.7961108526498e+18", "5.0", "0.33333333333333"],
    )
