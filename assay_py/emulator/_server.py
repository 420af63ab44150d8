"""HTTP/1.1 keep-alive plumbing on ``ThreadingHTTPServer``: read, fault, dispatch, write.

Each response goes out in a single ``write`` (status line, headers and body together), which
avoids Nagle/delayed-ACK stalls on keep-alive connections and keeps the hot path short.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._app import ApiError, App, Request, Response
from ._faults import Faults, redact_headers
from ._request_log import RequestLog, RequestRecord

MAX_BODY = 2 * 1024 * 1024  # actix's default JSON limit
# Multipart uploads (client logos) are not JSON: Rauthy takes up to 10 MiB of them.
MAX_MULTIPART = 10 * 1024 * 1024
# An oversized body is read and thrown away up to this much, so the client gets its answer on a
# connection that stays in step; beyond it the connection is closed instead.
_DRAIN_LIMIT = 64 * 1024 * 1024

_DEFAULT_HEADERS = (
    b"x-frame-options: DENY\r\n"
    b"x-content-type-options: nosniff\r\n"
    b"strict-transport-security: max-age=31536000;includeSubDomains\r\n"
    b"referrer-policy: no-referrer\r\n"
    b"x-robots-tag: noindex, nofollow\r\n"
    b"content-security-policy: frame-ancestors 'none'; object-src 'none';\r\n"
    b"cache-control: no-store\r\n"
)
_DIGITS = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"[0-9a-fA-F]+")
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_FAULT_ERRORS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}


class _BadFraming(Exception):
    """A body whose length cannot be known: the HTTP layer answers 400 and closes."""


class _DateCache:
    """``Date`` header text, recomputed at most once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._second, self._text = now, formatdate(now, usegmt=True)
        return self._text


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # listen() backlog. socketserver's default of 5 overflowed when a client opened 32
    # connections at once: the kernel dropped SYNs and the client saw resets and retried.
    request_queue_size = 128

    def __init__(self, port: int, faults: Faults, log: RequestLog) -> None:
        self.app: App | None = None
        self.faults = faults
        self.log = log
        self.dates = _DateCache()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.stats_lock = threading.Lock()
        self.handled = 0
        self.handler_seconds = 0.0
        self.connections_opened = 0
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-exchange is normal for an emulator under fault tests.
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake idle keep-alive threads so that stop() leaves nothing behind."""
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer
    timeout = 120  # idle keep-alive connections are closed after this
    _started = 0.0

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)
            self.server.connections_opened += 1

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is ``emu.requests``; never print (headers may hold secrets)

    def parse_request(self) -> bool:
        # Starts the server-side clock once the request line has arrived (not while idle).
        self._started = time.perf_counter()
        return super().parse_request()

    def _serve(self) -> None:
        server = self.server
        headers = {k.lower(): v for k, v in self.headers.items()}
        path, _, query = self.path.partition("?")
        method = self.command
        route = path[len("/auth/v1") :] if path.startswith("/auth/v1/") else path
        decision = server.faults.decide(method, path, route)
        if decision.delay_s:
            time.sleep(decision.delay_s)  # outside every lock
        if decision.drop == "before":
            return self._drop(method, path, headers)
        try:
            body, oversize = self._read_body(headers)
        except _BadFraming:
            self.close_connection = True  # the stream is out of step: nothing more can be read
            return self._answer(method, path, headers, Response(400))
        if decision.fail_status is not None:
            status = decision.fail_status
            error = _FAULT_ERRORS.get(status, "Internal")
            response = ApiError(status, error, "emulated fault").response()
        else:
            assert server.app is not None
            peer = str(self.client_address[0])
            request = Request(method, path, query, headers, body, oversize, peer)
            response = server.app.dispatch(request)
        if decision.drop == "after":
            return self._drop(method, path, headers)
        self._answer(method, path, headers, response)

    def _answer(self, method: str, path: str, headers: dict[str, str], response: Response) -> None:
        server = self.server
        # Logged before the answer leaves, so a client that has its response sees it logged.
        server.log.append(RequestRecord(method, path, redact_headers(headers), response.status))
        self._write(response)
        elapsed = time.perf_counter() - self._started
        with server.stats_lock:
            server.handled += 1
            server.handler_seconds += elapsed

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _read_body(self, headers: dict[str, str]) -> tuple[bytes, str | None]:
        """The body, or ``b""`` and actix's 413 text when it is over the JSON limit.

        Only a handler with a JSON body turns the overflow into a 413 (after the middleware
        and the content-type check), as in actix; other routes never look at the body.
        """
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked()
        declared = headers.get("content-length", "0").strip().encode("latin-1")
        if not _DIGITS.fullmatch(declared):
            raise _BadFraming
        length = int(declared)
        limit = MAX_BODY
        if headers.get("content-type", "").lower().startswith("multipart/"):
            limit = MAX_MULTIPART
        if length > limit:
            self._discard(length)
            return b"", (
                f"JSON payload ({length} bytes) is larger than allowed (limit: {MAX_BODY} bytes)."
            )
        return (self.rfile.read(length) if length else b""), None

    def _discard(self, length: int) -> None:
        if length > _DRAIN_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                self.close_connection = True
                return
            length -= len(chunk)

    def _read_chunked(self) -> tuple[bytes, str | None]:
        parts: list[bytes] = []
        total = 0
        while True:
            size_text = self.rfile.readline().split(b";")[0].strip()
            if not _HEX.fullmatch(size_text):
                raise _BadFraming
            size = int(size_text, 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                if total > MAX_BODY:
                    return b"", f"JSON payload has exceeded limit ({MAX_BODY} bytes)."
                return b"".join(parts), None
            total += size
            if total > _DRAIN_LIMIT:
                self.close_connection = True
                return b"", f"JSON payload has exceeded limit ({MAX_BODY} bytes)."
            chunk = self.rfile.read(size)
            if total <= MAX_BODY:
                parts.append(chunk)
            else:
                parts.clear()
            self.rfile.readline()

    def _drop(self, method: str, path: str, headers: dict[str, str]) -> None:
        # Logged before the hang-up, so a client that has seen the drop also sees it logged.
        self.server.log.append(RequestRecord(method, path, redact_headers(headers), None))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, response: Response) -> None:
        status = response.status
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n",
            f"date: {self.server.dates.get()}\r\n",
            f"content-length: {len(response.body)}\r\n",
        ]
        if response.content_type:
            head.append(f"content-type: {response.content_type}\r\n")
        head.extend(f"{name}: {value}\r\n" for name, value in response.headers)
        if self.close_connection:
            head.append("connection: close\r\n")
        body = b"" if self.command == "HEAD" else response.body
        self.wfile.write("".join(head).encode("latin-1") + _DEFAULT_HEADERS + b"\r\n" + body)
