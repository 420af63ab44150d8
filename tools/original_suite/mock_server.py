"""A loopback HTTP server that answers as a test's wiremock setup says.

Matching follows wiremock: every matcher of a mock must hold; among matching mocks the first
mounted wins; a mock past `up_to_n_times` stops matching; nothing matched is a 404; `expect(n)`
is checked when the server stops.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .translate import MockSpec

if TYPE_CHECKING:
    from .rust_values import Request


class MockServer:
    def __init__(self, mocks: list[MockSpec]) -> None:
        self.mocks = mocks
        self.hits = [0] * len(mocks)
        self.lock = threading.Lock()
        self.received: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.record(self.command, self.path, dict(self.headers.items()), body)
                index = server.match(self.command, self.path, dict(self.headers.items()), body)
                if index is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                mock = server.mocks[index]
                self.send_response(mock.status)
                if mock.content_type and "content-type" not in {
                    k.lower() for k in mock.response_headers
                }:
                    self.send_header("Content-Type", mock.content_type)
                # The framing is the body's own length, as hyper makes it under wiremock,
                # whatever Content-Length the test inserted.
                for k, v in mock.response_headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(mock.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(mock.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        """Every request, matched or not, as wiremock's `received_requests()` lists them."""
        from .rust_values import Request, Url

        parts = urlsplit(target)
        with self.lock:
            lower = {k.lower(): v for k, v in headers.items()}
            self.received.append(Request(method, Url(parts.path, parts.query), body, lower))

    def mount(self, mock: MockSpec) -> None:
        """A mock mounted while the server runs (after the ones mounted before it)."""
        with self.lock:
            self.mocks.append(mock)
            self.hits.append(0)

    def start(self) -> MockServer:
        self.thread.start()
        return self

    def stop(self) -> list[str]:
        """Stop serving; the unmet `expect(n)` of each mock, in words."""
        self.httpd.shutdown()
        self.httpd.server_close()
        return [
            f"mock {m.method} {m.path} expected {m.expect} calls, got {self.hits[i]}"
            for i, m in enumerate(self.mocks)
            if m.expect is not None and m.expect != self.hits[i]
        ]

    def match(self, method: str, target: str, headers: dict[str, str], body: bytes) -> int | None:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        lower = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            for i, m in enumerate(self.mocks):
                if m.up_to is not None and self.hits[i] >= m.up_to:
                    continue
                if m.method and m.method != method:
                    continue
                if m.path is not None and m.path != parts.path:
                    continue
                if m.path_regex is not None and not re.search(m.path_regex, parts.path):
                    continue
                if any(query.get(k) != v for k, v in m.query.items()):
                    continue
                if any(lower.get(k) != v for k, v in m.headers.items()):
                    continue
                if any(k not in lower for k in m.headers_present):
                    continue
                if m.has_body_json and not _json_equal(body, m.body_json):
                    continue
                if not _query_json_has(query, m.query_json_keys):
                    continue
                if m.body_json_fields and not _fields_equal(body, m.body_json_fields):
                    continue
                text = body.decode("utf-8", "replace")
                if any(s not in text for s in m.body_contains):
                    continue
                self.hits[i] += 1
                return i
        return None


def _json_equal(body: bytes, expected: Any) -> bool:
    try:
        return bool(json.loads(body or b"null") == expected)
    except ValueError:
        return False


def _query_json_has(query: dict[str, str], keys: list[tuple[str, str]]) -> bool:
    for param, key in keys:
        try:
            value = json.loads(query.get(param, ""))
        except ValueError:
            return False
        if not isinstance(value, dict) or key not in value:
            return False
    return True


def _fields_equal(body: bytes, fields: dict[str, Any]) -> bool:
    try:
        value = json.loads(body or b"null")
    except ValueError:
        return False
    return isinstance(value, dict) and all(value.get(k) == v for k, v in fields.items())
