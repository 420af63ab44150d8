"""The ``ws`` global: a WebSocket client (``connect``, ``send``, ``send_binary``, ``recv``,
``protocol``, ``close``).

``ws.connect(url, {subprotocols = {...}, headers = {...}, insecure = bool})`` → a connection
handle; ``insecure`` skips TLS certificate checks. ``recv`` returns the next text or binary
message as a string (binary frames byte for byte) and raises ``ws.recv: connection closed``
once the peer has closed. Inside an ``async`` task, ``connect`` and ``recv`` wait off the Lua
thread. The protocol is the ``websockets`` library's (its synchronous client), imported on
first connect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import bad_argument, coerced_text, conversion_error, lua_text
from assay_py.host.handles import Handles
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

KIND = "ws connection"
OPEN_TIMEOUT = 30.0
MAX_MESSAGE = 64 * 1024 * 1024  # the original's (tungstenite's) default message limit
_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _text(value: Any, what: str) -> bytes:
    text = coerced_text(value)
    if text is None:
        raise TypeError(f"{what}: {conversion_error(value, 'String')}")
    return text


def _options(opts: Any) -> tuple[list[str], list[tuple[str, str]], bool]:
    """The original's reading of ``opts``: ``subprotocols`` and ``headers`` that are not
    tables are ignored, ``insecure`` is Lua truth."""
    subprotocols: list[str] = []
    headers: list[tuple[str, str]] = []
    if opts is None:
        return subprotocols, headers, False
    lua_type = lupa_engine().lua_type
    if lua_type(opts) != "table":
        raise TypeError(f"ws.connect: {bad_argument(2, opts, 'table')}")
    listed = opts[b"subprotocols"]
    if listed is not None and lua_type(listed) == "table":
        index = 1
        while listed[index] is not None:
            name = _text(listed[index], "ws.connect: opts.subprotocols")
            if not _TOKEN.match(name):
                raise ValueError(
                    f"ws.connect: invalid subprotocol: {name.decode('utf-8', 'replace')!r}"
                )
            subprotocols.append(name.decode("ascii"))
            index += 1
    table = opts[b"headers"]
    if table is not None and lua_type(table) == "table":
        for key, value in table.items():
            name = _text(key, "ws.connect: opts.headers")
            text = _text(value, "ws.connect: opts.headers")
            shown = name.decode("utf-8", "replace")
            if not _TOKEN.match(name):
                raise ValueError(
                    f"ws.connect: invalid header name '{shown}': invalid HTTP header name"
                )
            if _BAD_VALUE.search(text):
                raise ValueError(
                    f"ws.connect: invalid header value for '{shown}': failed to parse header value"
                )
            headers.append((shown, text.decode("latin-1")))
    flag = opts[b"insecure"]
    return subprotocols, headers, flag is not None and flag is not False


def _open(
    url: str, subprotocols: list[str], headers: list[tuple[str, str]], insecure: bool
) -> ClientConnection:
    from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException
    from websockets.sync.client import connect

    ssl_context = None
    if insecure and url.lower().startswith("wss:"):
        import ssl

        ssl_context = ssl.create_default_context()
        ssl_context.check_hostname = False
        ssl_context.verify_mode = ssl.CERT_NONE
    try:
        return connect(
            url,
            additional_headers=headers or None,
            subprotocols=[_subprotocol(p) for p in subprotocols] or None,
            ssl=ssl_context,
            # The original offers no compression and sends no User-Agent.
            compression=None,
            user_agent_header=None,
            open_timeout=OPEN_TIMEOUT,
            max_size=MAX_MESSAGE,
            # A connection that outlives this call (the script holds it): websockets 17's
            # name for returning it directly rather than as a context manager.
            legacy=True,
        )
    except InvalidURI as exc:
        raise ValueError(f"ws.connect: URL error: {exc}") from None
    except InvalidStatus as exc:
        status = exc.response.status_code
        reason = exc.response.reason_phrase
        raise ConnectionError(f"ws.connect: HTTP error: {status} {reason}".rstrip()) from None
    except (OSError, WebSocketException, TimeoutError) as exc:
        # Worded as the original's (tungstenite's) errors: "IO error: ..." for the socket.
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            reason = f"IO error: {exc.strerror} (os error {exc.errno})"
        raise ConnectionError(f"ws.connect: {reason}") from None


def _subprotocol(name: str) -> Any:
    from websockets.typing import Subprotocol

    return Subprotocol(name)


def _send(conn: ClientConnection, fn: str, message: str | bytes) -> None:
    from websockets.exceptions import ConnectionClosed, WebSocketException

    try:
        conn.send(message)
    except ConnectionClosed:
        raise ConnectionError(
            f"{fn}: connection closed (Trying to work with closed connection)"
        ) from None
    except (OSError, WebSocketException) as exc:
        raise ConnectionError(f"{fn}: {exc}") from None


def _recv(conn: ClientConnection) -> bytes:
    from websockets.exceptions import ConnectionClosedOK, WebSocketException

    try:
        message = conn.recv()
    except ConnectionClosedOK:
        raise ConnectionError("ws.recv: connection closed") from None
    except (OSError, WebSocketException) as exc:
        raise ConnectionError(f"ws.recv: {exc}") from None
    return message.encode("utf-8") if isinstance(message, str) else bytes(message)


def install(vm: LuaVM) -> None:
    handles = Handles(vm, KIND)

    def close_all() -> None:
        for conn in handles.objects.values():
            conn.close()

    vm.on_close(close_all)

    def connect(url: Any = None, opts: Any = None, *_: Any) -> Pending:
        raw = coerced_text(url)
        if raw is None:
            raise TypeError(f"ws.connect: {bad_argument(1, url, 'String')}")
        text = raw.decode("utf-8", "replace")
        subprotocols, headers, insecure = _options(opts)
        return Pending(lambda: _open(text, subprotocols, headers, insecure), handles.new)

    def send(conn: Any = None, message: Any = None) -> Pending:
        connection = handles.get(conn, "ws.send")
        data = lua_text(message, "ws.send: message")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                "ws.send: text messages must be UTF-8 (use ws.send_binary for raw bytes)"
            ) from None
        return Pending(lambda: _send(connection, "ws.send", text))

    def send_binary(conn: Any = None, data: Any = None) -> Pending:
        connection = handles.get(conn, "ws.send_binary")
        payload = lua_text(data, "ws.send_binary: data")
        return Pending(lambda: _send(connection, "ws.send_binary", payload))

    def recv(conn: Any = None) -> Pending:
        connection = handles.get(conn, "ws.recv")
        return Pending(lambda: _recv(connection))

    def protocol(conn: Any = None) -> str | None:
        connection: ClientConnection = handles.get(conn, "ws.protocol")
        return None if connection.subprotocol is None else str(connection.subprotocol)

    def close(conn: Any = None) -> Pending:
        connection: ClientConnection = handles.get(conn, "ws.close")
        return Pending(connection.close)

    blocking: dict[str, Callable[..., Pending]] = {
        "connect": connect,
        "send": send,
        "send_binary": send_binary,
        "recv": recv,
        "close": close,
    }
    table = vm.table({name: awaitable(vm, fn) for name, fn in blocking.items()})
    table[b"protocol"] = vm.function(protocol)
    vm.set_global("ws", table)
