"""The server side of a WebSocket that ``http.serve`` upgraded: what a handler's
``ws = function(conn)`` gets.

``conn:read()`` → the next text or binary message (a string), or nil once the peer closed;
``conn:write(data, {binary = false})``; ``conn:close(code?, reason?)`` (once; later calls do
nothing); ``conn:is_closed()``; ``conn.peer_addr``. The frames are the ``websockets``
library's, driven on the socket that the HTTP server upgraded.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import socket
import threading
import weakref
from typing import TYPE_CHECKING, Any

from assay_py.host.builtins._args import lua_text, lua_type_name
from assay_py.host.handles import Handles
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

if TYPE_CHECKING:
    from websockets.sync.connection import Connection

KIND = "ws server connection"
MAX_MESSAGE = 64 * 1024 * 1024
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's fixed key suffix
_PROTOCOL_HEADERS = frozenset({"upgrade", "connection", "sec-websocket-accept"})


def upgrade_error(headers: list[tuple[str, str]]) -> str | None:
    """Why the request cannot be upgraded (the original's wording), or None."""
    names = {name: value for name, value in headers}
    if "upgrade" not in names.get("connection", "").lower():
        return "missing Connection: Upgrade header"
    if names.get("sec-websocket-version", "").strip() != "13":
        return "Sec-WebSocket-Version must be 13"
    if "sec-websocket-key" not in names:
        return "missing Sec-WebSocket-Key header"
    return None


def accept_key(headers: list[tuple[str, str]]) -> str:
    key = dict(headers)["sec-websocket-key"].encode("latin-1")
    return base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode("ascii")


def handshake_headers(
    request: list[tuple[str, str]], extra: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The 101 answer's headers: the protocol's, then the handler's (less those three)."""
    headers = [
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-accept", accept_key(request)),
    ]
    return headers + [(n, v) for n, v in extra if n.lower() not in _PROTOCOL_HEADERS]


class Session:
    """One upgraded connection. The HTTP thread attaches the socket after writing 101; the
    Lua handler's calls wait for that, then run on worker threads."""

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self._attached = threading.Event()
        self.finished = threading.Event()
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self.closed = False

    def attach(self, sock: socket.socket) -> None:
        from websockets.protocol import State
        from websockets.server import ServerProtocol
        from websockets.sync.connection import Connection

        protocol = ServerProtocol(state=State.OPEN, max_size=MAX_MESSAGE)
        self._conn = Connection(sock, protocol)
        self._attached.set()

    def detach_failed(self) -> None:
        """The 101 could not be written: reads see a closed connection."""
        self.closed = True
        self._attached.set()

    def _connection(self) -> Connection | None:
        self._attached.wait()
        return self._conn

    def read(self) -> bytes | None:
        from websockets.exceptions import ConnectionClosedOK, WebSocketException

        conn = self._connection()
        if conn is None:
            return None
        try:
            message = conn.recv()
        except ConnectionClosedOK:
            self.closed = True
            return None
        except (OSError, WebSocketException) as exc:
            self.closed = True
            raise ConnectionError(f"conn:read: {exc}") from None
        return message.encode("utf-8") if isinstance(message, str) else bytes(message)

    def write(self, data: str | bytes) -> None:
        from websockets.exceptions import WebSocketException

        conn = self._connection()
        if conn is None:
            raise ConnectionError("conn:write: connection closed")
        try:
            conn.send(data)
        except (OSError, WebSocketException) as exc:
            raise ConnectionError(f"conn:write: {exc}") from None

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        conn = self._connection()
        if conn is not None:
            if code is None and reason is None:
                conn.close()
            else:
                conn.close(code if code is not None else 1000, reason or "")

    def end(self) -> None:
        """The handler returned: close what it left open and let the HTTP thread go."""
        try:
            self.close()
        finally:
            self.finished.set()


def _methods(vm: LuaVM, handles: Handles) -> dict[str, Any]:
    def read(conn: Any = None, *_: Any) -> Pending:
        session: Session = handles.get(conn, "conn:read", "self")
        return Pending(session.read)

    def write(conn: Any = None, data: Any = None, opts: Any = None) -> Pending:
        from assay_py.host._engine import lupa_engine

        session: Session = handles.get(conn, "conn:write", "self")
        payload = lua_text(data, "conn:write: data")
        binary = False
        if opts is not None and lupa_engine().lua_type(opts) == "table":
            # Lua truth, as the original reads it: binary = 1 sends a binary frame.
            binary = opts[b"binary"] not in (None, False)
        message: str | bytes = payload
        if not binary:
            try:
                message = payload.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    "conn:write: text frames must be UTF-8 (use opts.binary=true for raw"
                    f" bytes): {exc}"
                ) from None
        return Pending(lambda: session.write(message))

    def close(conn: Any = None, code: Any = None, reason: Any = None) -> Pending:
        session: Session = handles.get(conn, "conn:close", "self")
        if code is not None and (isinstance(code, bool) or not isinstance(code, (int, float))):
            raise TypeError(f"conn:close: code must be a number, got {lua_type_name(code)}")
        text = (
            None
            if reason is None
            else lua_text(reason, "conn:close: reason").decode("utf-8", "replace")
        )
        number = None if code is None else int(code)
        return Pending(lambda: session.close(number, text))

    def is_closed(conn: Any = None, *_: Any) -> bool:
        session: Session = handles.get(conn, "conn:is_closed", "self")
        return session.closed

    return {
        "read": awaitable(vm, read),
        "write": awaitable(vm, write),
        "close": awaitable(vm, close),
        "is_closed": vm.function(is_closed),
    }


_handles: weakref.WeakKeyDictionary[LuaVM, Handles] = weakref.WeakKeyDictionary()


def handle_for(vm: LuaVM, session: Session) -> Any:
    """A Lua handle for the session (on the Lua thread)."""
    handles = _handles.get(vm)
    if handles is None:
        handles = Handles(vm, KIND)
        handles.methods = functools.partial(_methods, vm, handles)
        _handles[vm] = handles
    return handles.new(session, {"peer_addr": session.peer})
