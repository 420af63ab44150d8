"""The http global where the original's own tests do not look: lenient options, the client's
redirect default, error wording, and event streams (``opts.on_event``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.builtins.conftest import HostLua
from tests.support.recorder import Recorder, Reply

EVENTS = (
    b"event: greet\ndata: hello\nid: 7\nretry: 1500\n\n"
    b"\n\n"  # whitespace only: skipped
    b"data: first\r\ndata: second\n\n"
    b": a comment line\nretry: soon\n\n"
    b"data: after\n\n"
    b"data: never complete"
)


@pytest.fixture
def rec() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def web(host_lua: HostLua, rec: Recorder) -> HostLua:
    host_lua.host.globals.URL = rec.url.encode()
    return host_lua


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_options_the_original_does_not_read_are_ignored(web: HostLua, rec: Recorder) -> None:
    rec.on("GET", "/x", Reply(200, "ok"))
    assert web("return http.get(URL .. '/x', {headers = 'x-a: 1', timeout = 'soon'}).body") == "ok"
    assert web("return http.get(URL .. '/x', {timeout = '5'}).status") == 200
    assert "x-a" not in rec.requests[0].headers


def test_header_names_and_values_may_be_numbers(web: HostLua, rec: Recorder) -> None:
    rec.on("GET", "/x", Reply(200))
    web("http.get(URL .. '/x', {headers = {[42] = 'answer', ['X-N'] = 3}})")
    assert rec.requests[0].headers["42"] == "answer"
    assert rec.requests[0].headers["x-n"] == "3"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            "{['bad name'] = 'x'}",
            'http.post: invalid header name "bad name": invalid HTTP header name',
        ),
        ("{['a\\tb'] = 'x'}", 'http.post: invalid header name "a\\tb": invalid HTTP header name'),
        ("{x = 'a\\rb'}", 'http.post: invalid value for header "x": failed to parse header value'),
        (
            "{x = true}",
            "http.post: error converting Lua boolean to String (expected string or number)",
        ),
    ],
)
def test_header_errors_use_the_originals_words(
    web: HostLua, rec: Recorder, headers: str, message: str
) -> None:
    assert web.error(f"http.post(URL .. '/x', 'b', {{headers = {headers}}})") == message
    assert rec.requests == []


def test_a_client_with_an_options_table_follows_redirects_only_when_asked(
    web: HostLua, rec: Recorder
) -> None:
    rec.on("GET", "/old", Reply(302, headers={"Location": "/new"}))
    rec.on("GET", "/new", Reply(200, "moved"))
    got = web(
        "return http.client():get(URL .. '/old').status,"
        " http.client({timeout = 5}):get(URL .. '/old').status,"
        " http.client({follow_redirects = true}):get(URL .. '/old').status,"
        " http.client({follow_redirects = 1}):get(URL .. '/old').status,"
        " http.client({follow_redirects = false}):get(URL .. '/old').status"
    )
    assert got == [200, 302, 200, 200, 302]


def test_client_timeout_may_be_a_numeric_string(web: HostLua, rec: Recorder) -> None:
    rec.on("GET", "/x", Reply(200, "ok"))
    assert web("return http.client({timeout = '5'}):get(URL .. '/x').body") == "ok"


def test_client_methods_name_the_verb_in_errors(web: HostLua) -> None:
    assert web.error("http.client():post(42)") == "http.post: first argument must be a URL string"
    assert web.error("http.client():delete(URL, 'x')") == (
        "http.delete: second argument must be a table or nil"
    )


def test_transport_errors_show_the_url_as_parsed(web: HostLua) -> None:
    port = closed_port()
    message = web.error(f"http.get('http://127.0.0.1:{port}')")
    assert message.startswith(
        f"http.get failed: error sending request for url (http://127.0.0.1:{port}/)"
    )


def test_a_url_that_cannot_be_parsed_is_a_builder_error(web: HostLua) -> None:
    assert web.error("http.get('not a url')").startswith("http.get failed: builder error")
    assert web.error("http.put('ftp://example.invalid/x')").startswith(
        "http.put failed: builder error for url (ftp://example.invalid/x)"
    )


def test_too_many_redirects(web: HostLua, rec: Recorder) -> None:
    rec.on("GET", "/loop", Reply(302, headers={"Location": "/loop"}))
    assert web.error("http.get(URL .. '/loop')").startswith(
        f"http.get failed: error following redirect for url ({rec.url}/loop)"
    )


def test_download_names_the_standard_reason_of_the_status(
    web: HostLua, rec: Recorder, tmp_path: object
) -> None:
    rec.on("GET", "/teapot", Reply(418))
    assert web.error(f"http.download(URL .. '/teapot', '{tmp_path}/t')") == (
        f"http.download: HTTP 418 I'm a Teapot for {rec.url}/teapot"
    )


def test_download_options_coerce_like_the_original(
    web: HostLua, rec: Recorder, tmp_path: object
) -> None:
    rec.on("GET", "/f", Reply(200, b"x" * 10))
    assert web(f"return http.download(URL .. '/f', '{tmp_path}/a', {{max_size = '20'}})") == 10
    assert web.error(f"http.download(URL .. '/f', '{tmp_path}/b', {{max_size = 5.9}})") == (
        f"http.download: response exceeds max_size (10 > 5 bytes) for {rec.url}/f"
    )
    assert web(f"return http.download(URL .. '/f', '{tmp_path}/c', {{headers = 'x'}})") == 10


def sse(rec: Recorder) -> None:
    rec.on("GET", "/events", Reply(200, EVENTS, headers={"Content-Type": "text/event-stream"}))


def test_on_event_gets_each_event_then_the_call_returns_status_and_headers(
    web: HostLua, rec: Recorder
) -> None:
    sse(rec)
    got = web(
        "local seen = {} "
        "local r = http.get(URL .. '/events', {on_event = function(e) seen[#seen + 1] = e end}) "
        "return seen, r.status, r.body, r.headers['content-type']"
    )
    seen, status, body, content_type = got
    assert seen == [
        {"event": "greet", "data": "hello", "id": "7", "retry": 1500},
        {"data": "second"},
        {},
        {"data": "after"},
    ]
    assert (status, body, content_type) == (200, None, "text/event-stream")


def test_on_event_returning_close_stops_the_stream(web: HostLua, rec: Recorder) -> None:
    sse(rec)
    assert (
        web(
            "local n = 0 "
            "http.get(URL .. '/events', {on_event = function() n = n + 1 return 'close' end}) "
            "return n"
        )
        == 1
    )


def test_on_event_may_wait_and_may_fail(web: HostLua, rec: Recorder) -> None:
    sse(rec)
    assert (
        web(
            "local n = 0 "
            "local h = async.spawn(function() "
            "  http.get(URL .. '/events', {on_event = function() sleep(0.01) n = n + 1 end}) "
            "  return n end) "
            "return h:await()[1]"
        )
        == 4
    )
    assert (
        web.error(
            "http.get(URL .. '/events', {on_event = function(e) error('stop: ' .. e.data, 0) end})"
        )
        == "stop: hello"
    )


def test_on_event_with_an_ordinary_answer_returns_the_body(web: HostLua, rec: Recorder) -> None:
    rec.on("POST", "/plain", Reply(200, "whole"))
    assert web(
        "local called = false "
        "local r = http.post(URL .. '/plain', 'x', {on_event = function() called = true end}) "
        "return r.body, called"
    ) == ["whole", False]


def test_events_and_clients_work_when_first_used_in_a_coroutine(
    web: HostLua, rec: Recorder
) -> None:
    sse(rec)
    rec.on("GET", "/old", Reply(302, headers={"Location": "/events"}))
    assert web(
        "local co = coroutine.wrap(function() "
        "  local n = 0 "
        "  local r = http.client({follow_redirects = true}):get(URL .. '/old', "
        "    {on_event = function() n = n + 1 end}) "
        "  return n, r.status end) "
        "return co()"
    ) == [4, 200]
