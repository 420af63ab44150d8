"""``http.serve`` and ``http.serve_with_extra``: a script as a small web service.

Connections are accepted and parsed by stdlib ``http.server`` threads; each request is handed
to the scheduler as plain data and answered by its Lua handler, run as a task on the Lua
thread, so a handler may sleep or call ``http`` while other requests go on. The handler
thread only waits for the answer and writes it.

Routes: ``{GET = {["/path"] = fn, ["/api/*"] = fn}}``. An exact path wins, then the longest
``prefix/*`` wildcard, then ``/*``; no match is ``404 not found``. A handler receives
``{method, path, query, body, headers, params}`` (header names lowercase; ``params`` the
decoded query) and returns ``{status = 200, body = "..." | json = {...}, headers = {...}}``
(a header value may be a list, sent as repeated headers), ``{sse = function(send) ...}``
to stream server-sent events, or (to a WebSocket upgrade request) ``{ws = function(conn)}``
to take over the connection (see ``_ws_session``). A failing handler answers
``500 handler error: <message>``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import lua_type_name
from assay_py.host.scheduler import Pending, Scheduler, scheduler_for
from assay_py.host.vm import LuaVM, error_text

if TYPE_CHECKING:
    from assay_py.host.builtins._ws_session import Session

CHUNKNAME = "=[assay http.serve]"
_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_POLL = 0.1  # how often an idle server thread checks for shutdown

_KEPT = "http.serve"

# The routes live here, in Lua: Python holds no Lua object across calls (see LuaVM). Each
# handler (and each SSE producer) runs as a task; pcall turns its failure into a value.
_LUA = rb"""
local sched = ...
local spawn, pcall, pairs, upper = sched.spawn, pcall, pairs, string.upper
local services = {}
local M = {}

local function add(into, routes)
  for method, paths in pairs(routes) do
    for path, fn in pairs(paths) do
      local key = upper(method) .. " " .. path
      if into[key] == nil then into[key] = fn end
    end
  end
end

function M.register(id, routes, extra)
  local table = {}
  add(table, routes)
  if extra then add(table, extra) end
  services[id] = table
end

function M.unregister(id) services[id] = nil end

-- keys: the route keys to try, best first. False when none is routed.
function M.handle(id, keys, req, reply)
  local routes = services[id]
  if routes == nil then return false end
  for i = 1, #keys do
    local fn = routes[keys[i]]
    if fn ~= nil then
      spawn(function() reply(pcall(fn, req)) end)
      return true
    end
  end
  return false
end

function M.stream(producer, send, finished)
  spawn(function() finished(pcall(producer, send)) end)
end

return M
"""

Headers = list[tuple[str, str]]


class StreamClosed(Exception):
    """The client of an SSE response went away."""


@dataclass
class Answer:
    status: int
    headers: Headers
    body: bytes = b""
    events: EventStream | None = None
    session: Session | None = None


@dataclass
class Incoming:
    """A parsed request waiting for its Lua answer (filled in on the Lua thread)."""

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    peer: str = ""
    upgrade: bool = False
    answered: threading.Event = field(default_factory=threading.Event)
    answer: Answer | None = None

    def reply(self, answer: Answer) -> None:
        self.answer = answer
        self.answered.set()


class EventStream:
    """Chunks from the Lua thread to the connection thread; closed at either end."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: deque[bytes | None] = deque()
        self.gone = False

    def put(self, chunk: bytes | None) -> None:
        with self._cond:
            if self.gone:
                raise StreamClosed("SSE stream closed")
            self._chunks.append(chunk)
            self._cond.notify()

    def get(self) -> bytes | None:
        with self._cond:
            while not self._chunks:
                self._cond.wait()
            return self._chunks.popleft()

    def hang_up(self) -> None:
        with self._cond:
            self.gone = True


def _plain(status: int, text: str) -> Answer:
    return Answer(status, [("content-type", "text/plain")], text.encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out in separate writes: with Nagle's algorithm the body would wait
    # for the client's delayed ACK (tens of milliseconds per request).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the original logs nothing per request

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._answer()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _answer(self) -> None:
        target = self.path
        path, _, query = target.partition("?")
        headers: Headers = []
        for name, value in self.headers.items():
            if all(32 <= ord(c) < 127 or c == "\t" for c in value):
                headers.append((name.lower(), value))
        upgrade = any(n == "upgrade" and "websocket" in v.lower() for n, v in headers)
        body = b"" if upgrade else self._read_body()
        if body is None:
            self.close_connection = True
            self._write(_plain(400, "bad request body"))
            return
        host, port = self.client_address[:2]
        incoming = Incoming(self.command, path, query, headers, body, f"{host}:{port}", upgrade)
        self.server.post(incoming)
        incoming.answered.wait()
        assert incoming.answer is not None
        self._write(incoming.answer)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        return self.rfile.read(size) if size > 0 else b""

    def _write(self, answer: Answer) -> None:
        self.send_response_only(answer.status)
        self.send_header("date", self.date_time_string())
        for name, value in answer.headers:
            self.send_header(name.lower(), value)
        if answer.session is not None:
            self._upgrade(answer.session)
            return
        if answer.events is None:
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            return
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        events = answer.events
        try:
            while (chunk := events.get()) is not None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            events.hang_up()

    def _upgrade(self, session: Session) -> None:
        # From here on the socket carries WebSocket frames; this thread only keeps it open
        # until the Lua handler is done with it.
        self.close_connection = True
        try:
            self.end_headers()
            self.wfile.flush()
        except OSError:
            session.detach_failed()
            return
        session.attach(self.connection)
        session.finished.wait()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    post: Callable[[Incoming], None]

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN (a DNS query) for a name
        # nothing here uses.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]


class Service:
    """One listening server, dispatched on the Lua thread (its routes are kept in Lua)."""

    _ids = 0

    def __init__(self, vm: LuaVM, name: str, server: _Server) -> None:
        self.vm = vm
        self.name = name
        self.server = server
        self.scheduler: Scheduler = scheduler_for(vm)
        Service._ids += 1
        self.id = Service._ids
        self._inbox: deque[Incoming] = deque()
        self._lock = threading.Lock()
        server.post = self._post
        self._stop_dispatch = self.scheduler.add_dispatcher(self._dispatch)
        threading.Thread(
            target=server.serve_forever, args=(_POLL,), daemon=True, name=f"assay-{name}"
        ).start()
        vm.on_close(self.close)

    def _post(self, incoming: Incoming) -> None:
        with self._lock:
            self._inbox.append(incoming)
        self.scheduler.notify()

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if not self._inbox:
                    return
                incoming = self._inbox.popleft()
            reply = self.vm.function(
                lambda ok, value, i=incoming: i.reply(self._answer(ok, value, i))
            )
            keys = [f"{incoming.method} {path}".encode() for path in route_keys(incoming.path)]
            handled = lua_half(self.vm)[b"handle"](
                self.id,
                self.vm.lua.table_from(keys),
                self.vm.to_lua(_request_table(incoming)),
                reply,
            )
            if not handled:
                incoming.reply(_plain(404, "not found"))

    def _answer(self, ok: Any, value: Any, incoming: Incoming) -> Answer:
        try:
            if not ok:
                return _plain(500, f"handler error: {_error_value(value)}")
            if lupa_engine().lua_type(value) != "table":
                from assay_py.host.builtins._args import conversion_error

                return _plain(500, f"handler error: {conversion_error(value, 'table')}")
            return self._response(value, incoming)
        except Exception as exc:  # a bad response value must still answer the client
            return _plain(500, f"handler error: {error_text(exc)}")

    def _response(self, table: Any, incoming: Incoming) -> Answer:
        from assay_py.host.builtins._args import coerced_number

        # As the original reads it: a number or numeric string, fractions cut; anything that
        # is not a status code (100-999) answers 200.
        status = coerced_number(table[b"status"])
        code = 200
        if status is not None and status == status and 100 <= int(status) <= 999:
            code = int(status)
        headers = _response_headers(table[b"headers"])
        has_type = any(name.lower() == "content-type" for name, _ in headers)
        on_socket = table[b"ws"]
        if incoming.upgrade and lupa_engine().lua_type(on_socket) == "function":
            return self._websocket(incoming, headers, on_socket)
        producer = table[b"sse"]
        if producer is not None and lupa_engine().lua_type(producer) == "function":
            return self._events(code, headers, producer)
        payload = table[b"json"]
        if payload is not None and lupa_engine().lua_type(payload) == "table":
            try:
                body = self.vm.json_encode(payload)
            except ValueError:
                body = b"null"
            if not has_type:
                headers.append(("content-type", "application/json"))
            return Answer(code, headers, body)
        if not has_type:
            headers.append(("content-type", "text/plain"))
        text = table[b"body"]
        if isinstance(text, bytes):
            return Answer(code, headers, text)
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            return Answer(code, headers, _number_text(text))
        return Answer(code, headers, b"")

    def _events(self, code: int, headers: Headers, producer: Any) -> Answer:
        names = {name.lower() for name, _ in headers}
        for name, value in (
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
            ("connection", "keep-alive"),
        ):
            if name not in names:
                headers.append((name, value))
        events = EventStream()

        def send(event: Any = None) -> None:
            if lupa_engine().lua_type(event) != "table":
                raise TypeError(f"send: event must be a table, got {lua_type_name(event)}")
            events.put(format_event(event))

        def finished(ok: Any, err: Any = None) -> None:
            with contextlib.suppress(StreamClosed):
                events.put(None)
            if not ok and "SSE stream closed" not in _error_value(err):
                from assay_py.host.builtins.log import emit

                emit("error", f"http.serve SSE: handler error: {_error_value(err)}")

        lua_half(self.vm)[b"stream"](producer, self.vm.function(send), self.vm.function(finished))
        return Answer(code, headers, events=events)

    def _websocket(self, incoming: Incoming, headers: Headers, on_socket: Any) -> Answer:
        from assay_py.host.builtins._ws_session import (
            Session,
            handle_for,
            handshake_headers,
            upgrade_error,
        )

        problem = upgrade_error(incoming.headers)
        if problem is not None:
            return _plain(400, f"websocket upgrade rejected: {problem}")
        session = Session(incoming.peer)

        def finished(ok: Any, err: Any = None) -> None:
            # A closing handshake waits for the peer: not on the Lua thread.
            threading.Thread(target=session.end, daemon=True, name="assay-ws-end").start()
            if not ok and "conn:read: " not in _error_value(err):
                from assay_py.host.builtins.log import emit

                emit("error", f"http.serve: ws handler error: {_error_value(err)}")

        lua_half(self.vm)[b"stream"](
            on_socket, handle_for(self.vm, session), self.vm.function(finished)
        )
        return Answer(101, handshake_headers(incoming.headers, headers), session=session)

    def close(self) -> None:
        self._stop_dispatch()
        lua_half(self.vm)[b"unregister"](self.id)
        self.server.shutdown()
        self.server.server_close()
        with self._lock:
            waiting, self._inbox = list(self._inbox), deque()
        for incoming in waiting:
            incoming.reply(_plain(503, "server closed"))


def format_event(event: Any) -> bytes:
    """One server-sent event block: ``event``, ``data`` (one line each), ``id``, ``retry``."""
    out: list[bytes] = []
    name = event[b"event"]
    if isinstance(name, bytes):
        if b"\n" in name or b"\r" in name:
            raise ValueError("SSE event name must not contain newlines")
        out.append(b"event: " + name + b"\n")
    data = event[b"data"]
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        data = _number_text(data)
    if isinstance(data, bytes):
        out.extend(b"data: " + line + b"\n" for line in data.split(b"\n"))
    ident = event[b"id"]
    if isinstance(ident, (int, float)) and not isinstance(ident, bool):
        ident = _number_text(ident)
    if isinstance(ident, bytes):
        if b"\n" in ident or b"\r" in ident:
            raise ValueError("SSE id must not contain newlines")
        out.append(b"id: " + ident + b"\n")
    retry = event[b"retry"]
    if isinstance(retry, (int, float)) and not isinstance(retry, bool):
        out.append(b"retry: %d\n" % int(retry))
    out.append(b"\n")
    return b"".join(out)


def route_keys(path: str) -> list[str]:
    """The route paths that may answer ``path``, best first: itself, then each ``prefix/*``
    from the longest prefix down to ``/*``."""
    keys = [path]
    prefix = path
    while "/" in prefix:
        prefix = prefix[: prefix.rfind("/")]
        keys.append(f"{prefix}/*")
    return keys


def lua_half(vm: LuaVM) -> Any:
    """The Lua half of the servers, compiled once per VM and kept there."""
    half = vm.kept(_KEPT)
    if half is None:
        vm.keep(_KEPT, vm.run_host_chunk(_LUA, CHUNKNAME, scheduler_for(vm).lua))
        half = vm.kept(_KEPT)
    return half


def _request_table(incoming: Incoming) -> dict[str, Any]:
    from urllib.parse import parse_qsl

    params: dict[str, str] = {}
    if incoming.query:
        for key, value in parse_qsl(incoming.query, keep_blank_values=True):
            params[key] = value
    return {
        "method": incoming.method,
        "path": incoming.path,
        "query": incoming.query,
        "body": incoming.body.decode("utf-8", "replace"),
        "params": params,
        "headers": dict(incoming.headers),
    }


def _response_headers(table: Any) -> Headers:
    """A handler's headers: string values, or lists of strings sent as repeated headers.
    Names that are not HTTP tokens and values with control characters are left out, so a
    handler echoing input cannot split the response."""
    if table is None or lupa_engine().lua_type(table) != "table":
        return []
    headers: Headers = []
    for key, value in table.items():
        if not isinstance(key, bytes) or not _TOKEN.match(key):
            continue
        name = key.decode("ascii")
        values = [value]
        if lupa_engine().lua_type(value) == "table":
            from assay_py.host.builtins._args import coerced_text

            # A list's numbers are sent as text, as on the original (a lone number is not).
            values, index = [], 1
            while value[index] is not None:
                values.append(coerced_text(value[index]))
                index += 1
        for item in values:
            if isinstance(item, bytes) and not _CONTROL.search(item):
                headers.append((name, item.decode("latin-1")))
    return headers


def _error_value(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _number_text(value: float) -> bytes:
    # As Lua turns a number into a string (5.5: 5 -> "5", 5.0 -> "5.0"); on LuaJIT whole
    # numbers below 2^63 in full digits, as everywhere the host writes numbers.
    from assay_py.host.builtins._args import number_text

    return number_text(value).encode()


def check_routes(name: str, table: Any, position: str = "second") -> None:
    """``{METHOD = {["/path"] = handler}}``, or an error naming what is wrong."""
    lua_type = lupa_engine().lua_type
    if table is None or lua_type(table) != "table":
        raise ValueError(f"{name}: {position} argument must be a routes table")
    from assay_py.host.builtins._args import conversion_error

    for method, paths in table.items():
        if not isinstance(method, bytes) or lua_type(paths) != "table":
            # The original's words in brackets, for scripts that match them.
            why = (
                conversion_error(method, "String")
                if not isinstance(method, bytes)
                else (conversion_error(paths, "table"))
            )
            raise ValueError(f"{name}: routes must map a method name to a table of paths ({why})")
        verb = method.decode("utf-8", "replace").upper()
        for path, handler in paths.items():
            if not isinstance(path, bytes) or lua_type(handler) != "function":
                why = (
                    conversion_error(path, "String")
                    if not isinstance(path, bytes)
                    else (conversion_error(handler, "function"))
                )
                raise ValueError(
                    f"{name}: routes.{verb} must map path strings to handler functions ({why})"
                )


def serve(vm: LuaVM, name: str, port: Any, routes: Any, extra: Any = None) -> Pending:
    """Bind ``0.0.0.0:port`` (0 picks one; ``_SERVER_PORT`` tells which) and serve forever.

    ``serve_with_extra``'s third argument is a second routes table, consulted after the
    script's own (the original's is a router built by its Rust host)."""
    if isinstance(port, bool) or not isinstance(port, int):
        raise ValueError(f"{name}: first argument must be a port number")
    if not 0 <= port <= 65535:
        raise ValueError(f"{name}: port must be 0-65535, got {port}")
    check_routes(name, routes)
    with_extra = name == "http.serve_with_extra"
    if with_extra:
        check_routes(name, extra, "third")
    try:
        server = _Server(("0.0.0.0", port), _Handler)
    except OSError as exc:
        reason = f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)
        raise OSError(f"{name}: bind failed: {reason}") from None
    service = Service(vm, name, server)
    lua_half(vm)[b"register"](service.id, routes, extra if with_extra else None)
    vm.set_global("_SERVER_PORT", server.server_address[1])
    return Pending.forever()
