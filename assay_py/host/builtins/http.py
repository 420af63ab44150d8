"""The ``http`` global: get/post/put/patch/delete and ``http.client`` (spec §3.1).

Every HTTP status comes back as ``{status, headers, body}`` (lowercase header names, raw body
bytes); only transport failures raise (``http.<m> failed: ...``). A table body is sent as
compact JSON with sorted keys and one ``Content-Type: application/json``; a caller's header
of the same name replaces it. Unlike the original, ``opts.timeout`` (seconds) is honoured;
like it, options of the wrong type are ignored rather than refused. With ``opts.on_event``
and a ``text/event-stream`` answer, each event goes to that function (see ``_VERB``).
``http.client(opts)`` follows redirects when called without a table, or when the table's
``follow_redirects`` is truthy (the original's rule: a table without it turns them off).

httpx is imported on the first request, so scripts that never call ``http`` start fast.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import (
    bad_argument,
    coerced_number,
    coerced_text,
    conversion_error,
    rust_debug,
)
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 10
_METHODS = ("get", "post", "put", "patch", "delete")
_BODY_METHODS = frozenset({"post", "put", "patch"})
_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_VISIBLE = re.compile(rb"^[\t\x20-\x7e]*$")


class _Options:
    """Client-wide settings, from ``http.client(opts)`` (defaults for the module functions)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, follow_redirects: bool = True) -> None:
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.verify: Any = True


class _Client:
    """One pooled httpx.Client, created on first use and closed with the VM."""

    def __init__(self, vm: LuaVM, options: _Options) -> None:
        self.vm = vm
        self.options = options
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._streams: dict[int, _EventStream] = {}
        self._next_stream = 0
        vm.on_close(self.close_streams)

    def httpx_client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            policy = self.vm.policy
            client = httpx.Client(
                timeout=self.options.timeout,
                follow_redirects=self.options.follow_redirects,
                max_redirects=MAX_REDIRECTS,
                verify=self.options.verify,
                # Every hop, redirects included, meets the policy's rules before it is sent.
                event_hooks=None if policy is None else {"request": [policy.check_request]},
            )
            # Like the original (reqwest defaults): no User-Agent, no Accept-Encoding.
            for name in ("user-agent", "accept-encoding"):
                if name in client.headers:
                    del client.headers[name]
            self._client = client
            self.vm.on_close(client.close)
        return self._client

    def request(
        self, method: str, url: Any, body: Any, opts: Any, *, events: bool = False
    ) -> Pending:
        """One call of a verb; with ``events`` (the script gave ``opts.on_event``) an event
        stream is left open for :meth:`next_event` instead of being read whole."""
        lua_type = lupa_engine().lua_type
        name = f"http.{method}"
        if not isinstance(url, bytes):
            raise ValueError(f"{name}: first argument must be a URL string")
        if method in _BODY_METHODS:
            if not (body is None or isinstance(body, bytes) or lua_type(body) == "table"):
                raise ValueError(f"{name}: second argument must be a string, table, or nil")
            if opts is not None and lua_type(opts) != "table":
                raise ValueError(f"{name}: third argument must be a table or nil")
        else:
            if opts is not None and lua_type(opts) != "table":
                raise ValueError(f"{name}: second argument must be a table or nil")
            body = None if opts is None else opts[b"body"]
            if not (body is None or isinstance(body, bytes) or lua_type(body) == "table"):
                raise ValueError(f"{name}: opts.body must be a string, table, or nil")

        headers: dict[str, tuple[bytes, bytes]] = {}
        content: bytes | None = None
        if isinstance(body, bytes):
            content = body or None
        elif body is not None:
            try:
                content = self.vm.json_encode(body)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            headers["content-type"] = (b"Content-Type", b"application/json")
        timeout: float | None = None
        if opts is not None:
            headers.update(_caller_headers(name, opts[b"headers"]))
            timeout = _timeout(opts[b"timeout"])
        text_url = url.decode("utf-8", "replace")
        self.httpx_client()  # created here, on the Lua thread, not by a worker
        return Pending(
            lambda: self._send(name, method.upper(), text_url, content, headers, timeout, events)
        )

    def _send(
        self,
        name: str,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, tuple[bytes, bytes]],
        timeout: float | None,
        events: bool = False,
    ) -> dict[str, Any]:
        import httpx

        client = self.httpx_client()
        try:
            request = client.build_request(
                method,
                url,
                content=content,
                headers=list(headers.values()),
                timeout=client.timeout if timeout is None else timeout,
            )
            response = client.send(request, stream=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ConnectionError(f"{name} failed: {_describe(exc, url)}") from None
        shape: dict[str, Any] = {
            "status": response.status_code,
            "headers": _response_headers(response.headers.raw),
        }
        if events and "text/event-stream" in shape["headers"].get(b"content-type", b"").decode():
            with self._lock:
                self._next_stream += 1
                self._streams[self._next_stream] = _EventStream(name, response)
                shape["stream"] = self._next_stream
            return shape
        try:
            raw = b"".join(response.iter_raw())
        except httpx.HTTPError as exc:
            raise ConnectionError(f"{name}: reading body failed: {_describe(exc, url)}") from None
        finally:
            response.close()
        shape["body"] = raw
        return shape

    def next_event(self, stream: int) -> Pending:
        events = self._streams.get(stream)
        if events is None:
            return Pending(lambda: None)
        return Pending(events.next_event)

    def close_stream(self, stream: int) -> None:
        with self._lock:
            events = self._streams.pop(stream, None)
        if events is not None:
            events.response.close()

    def close_streams(self) -> None:
        for stream in list(self._streams):
            self.close_stream(stream)


_RETRY = re.compile(r"[+-]?[0-9]+")


class _EventStream:
    """An open ``text/event-stream`` response, read one event at a time (off the Lua thread).

    Events end at a blank line (``\\n\\n``); the ``event``, ``data``, ``id`` and ``retry``
    (whole milliseconds) lines fill the table given to ``on_event``, a later line of a name
    replacing an earlier one; an event of only whitespace is skipped, as on the original.
    """

    def __init__(self, name: str, response: httpx.Response) -> None:
        import codecs

        self.name = name
        self.response = response
        self.chunks = response.iter_raw()
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.buffer = ""

    def next_event(self) -> dict[str, Any] | None:
        import httpx

        while True:
            end = self.buffer.find("\n\n")
            if end >= 0:
                text, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
                if text.strip():
                    return _event_fields(text)
                continue
            try:
                chunk = next(self.chunks, None)
            except httpx.HTTPError as exc:
                raise ConnectionError(f"{self.name}: SSE stream error: {exc}") from None
            except Exception:  # closed under us (on_event said "close", the VM closed)
                return None
            if chunk is None:
                return None
            self.buffer += self.decoder.decode(chunk)


def _event_fields(text: str) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        for field in ("event", "data", "id"):
            if line.startswith(f"{field}: "):
                event[field] = line[len(field) + 2 :]
        if line.startswith("retry: "):
            value = line[len("retry: ") :]
            if _RETRY.fullmatch(value) and -(2**63) <= int(value) < 2**63:
                event["retry"] = int(value)
    return event


def _caller_headers(name: str, table: Any) -> dict[str, tuple[bytes, bytes]]:
    # Like the original, a ``headers`` that is not a table is not looked at.
    if table is None or lupa_engine().lua_type(table) != "table":
        return {}
    headers: dict[str, tuple[bytes, bytes]] = {}
    for key, value in table.items():
        header = coerced_text(key)
        if header is None:
            raise ValueError(f"{name}: {conversion_error(key, 'String')}")
        text = coerced_text(value)
        if text is None:
            raise ValueError(f"{name}: {conversion_error(value, 'String')}")
        if not _TOKEN.match(header):
            raise ValueError(
                f"{name}: invalid header name {_quoted(header)}: invalid HTTP header name"
            )
        if _BAD_VALUE.search(text):
            raise ValueError(
                f"{name}: invalid value for header {_quoted(header)}: failed to parse header value"
            )
        label = header.decode("ascii")
        # Bytes, not text: values may carry obs-text (0x80-0xff), which goes out unchanged.
        headers[label.lower()] = (header, text)
    return headers


def _quoted(raw: bytes) -> str:
    """A name in double quotes with control characters escaped, as the original shows it."""
    return rust_debug(raw.decode("utf-8", "replace"))


def _timeout(value: Any) -> float | None:
    """``opts.timeout`` in seconds when it is a positive number (or a string of one); the
    original ignores the field on the module functions, so anything else is ignored too."""
    number = coerced_number(value)
    if number is None or not 0 < number < float("inf"):
        return None
    return float(number)


def _response_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    # Lowercase names; a repeated header keeps its last value; non-visible values are dropped.
    return {key.lower(): value for key, value in raw if _VISIBLE.match(value)}


def _describe(exc: Exception, url: str) -> str:
    """The failure worded as the original's (reqwest's) error, then our reason."""
    import httpx

    reason = str(exc) or type(exc).__name__
    shown = _redact(_normalised(url))
    if isinstance(exc, httpx.TooManyRedirects):
        return f"error following redirect for url ({shown}): {reason}"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        if "://" not in url:
            return f"builder error: {reason}"
        return f"builder error for url ({shown}): {reason}"
    return f"error sending request for url ({shown}): {reason}"


def _normalised(url: str) -> str:
    """The URL as a URL parser writes it back: an empty path becomes ``/``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut < 0:
        return f"{scheme}://{rest}/"
    if rest[cut] != "/":
        return f"{scheme}://{rest[:cut]}/{rest[cut:]}"
    return url


def _redact(url: str) -> str:
    """The URL without a password or a query, so credentials never reach an error message."""
    url, query_mark, _ = url.partition("?")
    suffix = "?..." if query_mark else ""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if sep and "@" in authority:
        url = f"{scheme}://***@{authority.rsplit('@', 1)[1]}{slash}{path}"
    return url + suffix


def _client_options(opts: Any) -> _Options:
    options = _Options()
    if opts is None:
        return options
    if lupa_engine().lua_type(opts) != "table":
        raise ValueError(f"http.client: {bad_argument(1, opts, 'table')}")
    timeout = coerced_number(opts[b"timeout"])
    if timeout is not None:
        if not 0 < timeout < float("inf"):
            raise ValueError("http.client: opts.timeout must be a positive number of seconds")
        options.timeout = float(timeout)
    # As on the original, an options table turns redirects off unless follow_redirects is
    # truthy: only ``http.client()`` without a table follows them by default.
    follow = opts[b"follow_redirects"]
    options.follow_redirects = follow is not None and follow is not False
    ca_file, ca_pem = coerced_text(opts[b"ca_cert_file"]), coerced_text(opts[b"ca_cert"])
    if ca_file is not None or ca_pem is not None:
        import ssl

        context = ssl.create_default_context()
        if ca_file is not None:
            shown = _quoted(ca_file)
            try:
                with open(ca_file, "rb") as handle:
                    pem = handle.read()
            except OSError as exc:
                raise ValueError(
                    f"http.client: failed to read CA cert file {shown}: {_io_reason(exc)}"
                ) from None
            _add_roots(context, pem, f"http.client: invalid PEM in {shown}")
        if ca_pem is not None:
            _add_roots(context, ca_pem, "http.client: invalid CA cert PEM")
        options.verify = context
    return options


def _add_roots(context: Any, pem: bytes, what: str) -> None:
    import ssl

    try:
        context.load_verify_locations(cadata=pem.decode("ascii"))
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError(f"{what}: {exc}") from None


# A verb as scripts see it. With ``opts.on_event`` a function and an event-stream answer,
# the events are handed to it one by one (it may itself wait: it runs as Lua, between the
# reads) until the stream ends or it returns "close"; the call then returns {status, headers}.
# Every other call goes straight (a tail call, so errors name the script's line) to ``plain``.
_VERB = rb"""
local type, select, pcall, error = type, select, pcall, error
return function(plain, streaming, next_event, close_stream, at)
return function(...)
  local opts = select(at, ...)
  if type(opts) ~= "table" or type(opts.on_event) ~= "function" then return plain(...) end
  local on_event = opts.on_event
  local out = streaming(...)
  local stream = out.stream
  if stream == nil then return out end
  out.stream = nil
  local ok, err = pcall(function()
    while true do
      local event = next_event(stream)
      if event == nil or on_event(event) == "close" then return end
    end
  end)
  close_stream(stream)
  if not ok then error(err, 0) end
  return out
end
end
"""
_KEPT = "http verb"


def _methods(vm: LuaVM, client: _Client, *, bound: bool) -> Any:
    """The five verbs as Lua functions; ``bound`` ones take the object first (``c:get``)."""
    next_event = awaitable(vm, client.next_event)
    close_stream = vm.function(client.close_stream)

    def verb(method: str, events: bool) -> Callable[..., Any]:
        call: Callable[..., Any]
        if method in _BODY_METHODS:

            def send_body(url: Any = None, body: Any = None, opts: Any = None, *_: Any) -> Any:
                return client.request(method, url, body, opts, events=events)

            call = send_body
        else:

            def send(url: Any = None, opts: Any = None, *_: Any) -> Any:
                return client.request(method, url, None, opts, events=events)

            call = send
        if vm.policy is not None:  # refused requests are never built (see host/policy)
            call = vm.policy.guard_http(vm, method, call)
        if bound:
            return lambda _self=None, *args: call(*args)
        return call

    make = vm.kept(_KEPT)
    if make is None:
        vm.keep(_KEPT, vm.run_host_chunk(_VERB, "=[assay http]"))
        make = vm.kept(_KEPT)

    def lua_verb(method: str) -> Any:
        at = (3 if method in _BODY_METHODS else 2) + (1 if bound else 0)
        return make(
            awaitable(vm, verb(method, False)),
            awaitable(vm, verb(method, True)),
            next_event,
            close_stream,
            at,
        )

    return vm.table({method: lua_verb(method) for method in _METHODS})


DOWNLOAD_MAX_SIZE = 1024**3


def _download(client: _Client, url: Any, path: Any, opts: Any) -> Pending:
    """``http.download(url, path, opts?)``: GET into ``path`` through a temp file and an
    atomic rename; returns the number of bytes. opts: headers, timeout, max_size (0 = none)."""
    if not isinstance(url, bytes):
        raise ValueError("http.download: first arg must be url string")
    if not isinstance(path, bytes):
        raise ValueError("http.download: second arg must be dest path string")
    headers: dict[str, tuple[bytes, bytes]] = {}
    timeout: float | None = None
    max_size = DOWNLOAD_MAX_SIZE
    if opts is not None and lupa_engine().lua_type(opts) == "table":
        headers = _caller_headers("http.download", opts[b"headers"])
        timeout = _timeout(opts[b"timeout"])
        size = coerced_number(opts[b"max_size"])
        if size is not None and -(2**63) <= size < 2**63:
            max_size = int(size)
    httpx_client = client.httpx_client()
    text_url = url.decode("utf-8", "replace")
    dest = path.decode("utf-8", "surrogateescape")
    return Pending(lambda: _fetch_to_file(httpx_client, text_url, dest, headers, timeout, max_size))


def _fetch_to_file(
    client: httpx.Client,
    url: str,
    dest: str,
    headers: dict[str, tuple[bytes, bytes]],
    timeout: float | None,
    max_size: int,
) -> int:
    import os
    import secrets

    import httpx

    parent = os.path.dirname(dest)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise OSError(f"http.download: mkdir parent: {_io_reason(exc)}") from None
    # A random suffix, not the pid: another local user cannot plant a link at a guessable name.
    temp = f"{dest}.tmp.{secrets.token_hex(8)}"
    try:
        handle = open(temp, "xb")  # noqa: SIM115 (closed below, before the rename)
    except OSError as exc:
        raise OSError(f'http.download: create temp "{temp}": {_io_reason(exc)}') from None
    shown = _redact(url)
    try:
        with handle:
            try:
                request = client.build_request(
                    "GET",
                    url,
                    headers=list(headers.values()),
                    timeout=client.timeout if timeout is None else timeout,
                )
                response = client.send(request, stream=True)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise ConnectionError(f"http.download: request: {_describe(exc, url)}") from None
            try:
                if not 200 <= response.status_code < 300:
                    raise ConnectionError(
                        f"http.download: HTTP {_status_text(response.status_code)} for {shown}"
                    )
                total = 0
                for chunk in response.iter_bytes():
                    total += len(chunk)
                    if max_size > 0 and total > max_size:
                        raise ValueError(
                            f"http.download: response exceeds max_size ({total} > {max_size}"
                            f" bytes) for {shown}"
                        )
                    handle.write(chunk)
            except httpx.HTTPError as exc:
                raise ConnectionError(f"http.download: stream: {_describe(exc, url)}") from None
            finally:
                response.close()
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(temp, dest)
        except OSError as exc:
            raise OSError(
                f'http.download: rename "{temp}" -> "{dest}": {_io_reason(exc)}'
            ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return total


def _status_text(code: int) -> str:
    """``404 Not Found``: the standard reason for the code, whatever the server said."""
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} <unknown status code>"


def _io_reason(exc: OSError) -> str:
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def install(vm: LuaVM) -> None:
    client = _Client(vm, _Options())
    http = _methods(vm, client, bound=False)

    def new_client(opts: Any = None) -> Any:
        return _methods(vm, _Client(vm, _client_options(opts)), bound=True)

    def download(url: Any = None, path: Any = None, opts: Any = None) -> Pending:
        return _download(client, url, path, opts)

    if vm.policy is not None:
        download = vm.policy.guard_http(vm, "get", download)

    def serve(port: Any = None, routes: Any = None, *_: Any) -> Pending:
        from assay_py.host.builtins._http_serve import serve

        return serve(vm, "http.serve", port, routes)

    def serve_with_extra(port: Any = None, routes: Any = None, extra: Any = None) -> Pending:
        from assay_py.host.builtins._http_serve import serve

        return serve(vm, "http.serve_with_extra", port, routes, extra)

    http[b"client"] = vm.function(new_client)
    http[b"download"] = awaitable(vm, download)
    http[b"serve"] = awaitable(vm, serve)
    http[b"serve_with_extra"] = awaitable(vm, serve_with_extra)
    vm.set_global("http", http)
