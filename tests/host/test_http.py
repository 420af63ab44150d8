"""The http global (spec §3.1) against a recording server on 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest

from assay_py.host import LuaHost
from tests.host.conftest import Lua
from tests.support.recorder import Recorded, Recorder, Reply


@pytest.fixture
def web(lua: Lua, rec: Recorder) -> Lua:
    lua.host.globals.URL = rec.url.encode()
    return lua


def header_values(request: Recorded, name: str) -> list[str]:
    return [value for key, value in request.raw_headers if key.lower() == name]


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_table_body_is_sorted_compact_json_with_one_content_type(
    web: Lua, rec: Recorder, method: str
) -> None:
    rec.on(method.upper(), "/items", Reply(201, {"ok": True}))
    status = web(
        f"return http.{method}(URL .. '/items', {{b = 1, a = {{z = true, y = {{1, 2}}}}}}).status"
    )
    assert status == 201
    (request,) = rec.requests
    assert request.method == method.upper()
    assert request.path == "/items"
    assert request.body == b'{"a":{"y":[1,2],"z":true},"b":1}'
    assert header_values(request, "content-type") == ["application/json"]


def test_callers_content_type_replaces_the_automatic_one(web: Lua, rec: Recorder) -> None:
    rec.on("POST", "/x", Reply(200))
    web(
        "http.post(URL .. '/x', {a = 1}, "
        "{headers = {['CONTENT-type'] = 'application/merge-patch+json'}})"
    )
    (request,) = rec.requests
    assert header_values(request, "content-type") == ["application/merge-patch+json"]


def test_empty_table_body_is_an_object(web: Lua, rec: Recorder) -> None:
    rec.on("PUT", "/x", Reply(200))
    web("http.put(URL .. '/x', {})")
    assert rec.requests[0].body == b"{}"


def test_string_body_is_sent_verbatim_without_content_type(web: Lua, rec: Recorder) -> None:
    rec.on("POST", "/raw", Reply(200))
    web("http.post(URL .. '/raw', 'a=1&b=\\255')")
    (request,) = rec.requests
    assert request.body == b"a=1&b=\xff"
    assert header_values(request, "content-type") == []


@pytest.mark.parametrize("body", ["nil", "''"])
def test_no_body(web: Lua, rec: Recorder, body: str) -> None:
    rec.on("POST", "/secret", Reply(200, {"secret": "s"}))
    web(f"http.post(URL .. '/secret', {body})")
    (request,) = rec.requests
    assert request.body == b""
    assert header_values(request, "content-type") == []


@pytest.mark.parametrize("method", ["get", "delete"])
def test_get_and_delete_send_opts_body(web: Lua, rec: Recorder, method: str) -> None:
    rec.on(method.upper(), "/q", Reply(200))
    web(f"http.{method}(URL .. '/q', {{body = {{q = 'x'}}, headers = {{['X-Trace'] = 7}}}})")
    (request,) = rec.requests
    assert request.method == method.upper()
    assert request.body == b'{"q":"x"}'
    assert header_values(request, "content-type") == ["application/json"]
    assert header_values(request, "x-trace") == ["7"]


def test_default_request_headers(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/h", Reply(200))
    web("http.get(URL .. '/h')")
    (request,) = rec.requests
    assert header_values(request, "accept") == ["*/*"]
    assert header_values(request, "user-agent") == []
    assert header_values(request, "accept-encoding") == []


def test_caller_headers_numbers_are_coerced(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/h", Reply(200))
    web(
        "http.get(URL .. '/h', "
        "{headers = {Authorization = 'API-Key n$s', ['X-A'] = 2, ['X-B'] = 1.5}})"
    )
    (request,) = rec.requests
    assert header_values(request, "authorization") == ["API-Key n$s"]
    assert header_values(request, "x-a") == ["2"]
    assert header_values(request, "x-b") == ["1.5"]


def test_caller_header_value_bytes_above_ascii_are_sent_as_they_are(
    web: Lua, rec: Recorder
) -> None:
    # HTTP allows obs-text (0x80-0xff) in values, and the original sends such bytes unchanged.
    rec.on("GET", "/h", Reply(200))
    assert web("return http.get(URL .. '/h', {headers = {['X-Name'] = 'caf\\233'}}).status") == 200
    (request,) = rec.requests
    assert header_values(request, "x-name") == [b"caf\xe9".decode("latin-1")]


@pytest.mark.parametrize("status", [200, 204, 301, 404, 500, 503])
def test_every_status_is_returned(web: Lua, rec: Recorder, status: int) -> None:
    rec.on(
        "GET", "/s", Reply(status, "" if status in (204, 301) else "text", headers={"X-Kind": "k"})
    )
    result = web("local r = http.get(URL .. '/s') return r.status, r.headers['x-kind'], r.body")
    body = "" if status in (204, 301) else "text"
    assert result == [status, "k", body]


def test_response_shape(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/r", Reply(200, {"a": 1}, headers={"X-Mixed-Case": "v"}))
    response = web(
        "local r = http.get(URL .. '/r') "
        "for _, k in ipairs({'content-length', 'server', 'date'}) do r.headers[k] = nil end "
        "return r"
    )
    assert response == {
        "status": 200,
        "headers": {"content-type": "application/json", "x-mixed-case": "v"},
        "body": '{"a": 1}',
    }


def test_response_body_keeps_raw_bytes(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/bin", Reply(200, b"\xff\x00\xfe"))
    assert web("local b = http.get(URL .. '/bin').body return #b, b:byte(1), b:byte(3)") == [
        3,
        255,
        254,
    ]


def test_status_is_an_integer_for_string_format(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/s", Reply(404))
    assert web("return string.format('%d', http.get(URL .. '/s').status)") == "404"


def test_redirects_are_followed(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/old", Reply(302, headers={"Location": "/new"}))
    rec.on("GET", "/new", Reply(200, "moved"))
    assert web("return http.get(URL .. '/old').body") == "moved"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_transport_failure_raises_string_error(lua: Lua, method: str) -> None:
    message = lua.error(f"http.{method}('http://127.0.0.1:{closed_port()}/x')")
    assert message.startswith(f"http.{method} failed: error sending request for url (")
    assert "refused" in message.lower()


def test_transport_error_hides_url_password_and_query(lua: Lua) -> None:
    port = closed_port()
    message = lua.error(f"http.get('http://admin:hunter2@127.0.0.1:{port}/x?token=s3cr3t')")
    assert "hunter2" not in message
    assert "s3cr3t" not in message
    assert f"(http://***@127.0.0.1:{port}/x?...)" in message


def test_invalid_url_raises(lua: Lua) -> None:
    assert lua.error("http.get('not a url')").startswith("http.get failed: ")


def test_timeout_is_honoured(web: Lua, rec: Recorder) -> None:
    def slow(_: Recorded) -> Reply:
        time.sleep(1.5)
        return Reply(200)

    rec.on("GET", "/slow", slow)
    message = web.error("http.get(URL .. '/slow', {timeout = 0.2})")
    assert message.startswith("http.get failed: ")
    assert "timed out" in message.lower()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("http.get(42)", "http.get: first argument must be a URL string"),
        ("http.delete(nil)", "http.delete: first argument must be a URL string"),
        ("http.get(URL, 'x')", "http.get: second argument must be a table or nil"),
        ("http.delete(URL, 1)", "http.delete: second argument must be a table or nil"),
        ("http.post(URL, true)", "http.post: second argument must be a string, table, or nil"),
        ("http.put(URL, 5)", "http.put: second argument must be a string, table, or nil"),
        ("http.patch(URL, nil, 'x')", "http.patch: third argument must be a table or nil"),
        ("http.get(URL, {body = 5})", "http.get: opts.body must be a string, table, or nil"),
        (
            "http.get(URL, {headers = {['bad name'] = 'x'}})",
            'http.get: invalid header name "bad name": invalid HTTP header name',
        ),
        (
            "http.get(URL, {headers = {x = 'a\\nb'}})",
            'http.get: invalid value for header "x": failed to parse header value',
        ),
        (
            "http.get(URL, {headers = {x = {}}})",
            "http.get: error converting Lua table to String (expected string or number)",
        ),
        ("http.post(URL, {f = print})", "http.post: unsupported Lua type for JSON: function"),
    ],
)
def test_argument_errors_are_raised_before_sending(
    web: Lua, rec: Recorder, call: str, message: str
) -> None:
    assert web.error(call) == message
    assert rec.requests == []


def test_client_object(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/a", Reply(200, "got"))
    rec.on("POST", "/b", Reply(201))
    result = web(
        "local c = http.client({timeout = 5, follow_redirects = false}) "
        "return c:get(URL .. '/a').body, c:post(URL .. '/b', {k = 1}).status"
    )
    assert result == ["got", 201]
    assert rec.requests[1].body == b'{"k":1}'


def test_client_without_redirects(web: Lua, rec: Recorder) -> None:
    rec.on("GET", "/old", Reply(302, headers={"Location": "/new"}))
    assert web("return http.client({follow_redirects = false}):get(URL .. '/old').status") == 302


def test_client_option_errors(lua: Lua) -> None:
    assert lua.error("http.client('x')") == (
        "http.client: bad argument #1: error converting Lua string to table"
    )
    assert lua.error("http.client({ca_cert_file = '/nonexistent.pem'})") == (
        'http.client: failed to read CA cert file "/nonexistent.pem":'
        " No such file or directory (os error 2)"
    )
    assert lua.error("http.client({ca_cert = 'not pem'})").startswith(
        "http.client: invalid CA cert PEM: "
    )


def test_host_close_closes_the_pooled_client(rec: Recorder) -> None:
    rec.on("GET", "/p", Reply(200))
    with LuaHost() as host:
        host.globals.URL = rec.url.encode()
        host.run_string("for i = 1, 3 do http.get(URL .. '/p') end")
    assert len(rec.requests) == 3
    assert host.vm._closers == []  # the pooled client was closed with the host
