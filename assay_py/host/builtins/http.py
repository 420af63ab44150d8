"""The ``http`` global: get/post/put/patch/delete and ``http.client`` (spec §3.1).

Every HTTP status comes back as ``{status, headers, body}`` (lowercase header names, raw body
bytes); only transport failures raise (``http.<m> failed: ...``). A table body is sent as
compact JSON with sorted keys and one ``Content-Type: application/json``; a caller's header
of the same name replaces it. Unlike the original, ``opts.timeout`` (seconds) is honoured.

httpx is imported on the first request, so scripts that never call ``http`` start fast.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assay_py.host._engine import lupa_engine
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

    def httpx_client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            client = httpx.Client(
                timeout=self.options.timeout,
                follow_redirects=self.options.follow_redirects,
                max_redirects=MAX_REDIRECTS,
                verify=self.options.verify,
            )
            # Like the original (reqwest defaults): no User-Agent, no Accept-Encoding.
            for name in ("user-agent", "accept-encoding"):
                if name in client.headers:
                    del client.headers[name]
            self._client = client
            self.vm.on_close(client.close)
        return self._client

    def request(self, method: str, url: Any, body: Any, opts: Any) -> Pending:
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
            timeout = _timeout(name, opts[b"timeout"])
        text_url = url.decode("utf-8", "replace")
        self.httpx_client()  # created here, on the Lua thread, not by a worker
        return Pending(
            lambda: self._send(name, method.upper(), text_url, content, headers, timeout)
        )

    def _send(
        self,
        name: str,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, tuple[bytes, bytes]],
        timeout: float | None,
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
        try:
            raw = b"".join(response.iter_raw())
        except httpx.HTTPError as exc:
            raise ConnectionError(f"{name}: reading body failed: {_describe(exc, url)}") from None
        finally:
            response.close()
        return {
            "status": response.status_code,
            "headers": _response_headers(response.headers.raw),
            "body": raw,
        }


def _caller_headers(name: str, table: Any) -> dict[str, tuple[bytes, bytes]]:
    if table is None:
        return {}
    if lupa_engine().lua_type(table) != "table":
        raise ValueError(f"{name}: opts.headers must be a table")
    headers: dict[str, tuple[bytes, bytes]] = {}
    for key, value in table.items():
        header = _scalar_text(key)
        if header is None or not _TOKEN.match(header):
            shown = header.decode("utf-8", "replace") if header is not None else str(key)
            raise ValueError(f'{name}: invalid header name "{shown}": not a valid HTTP token')
        label = header.decode("ascii")
        text = _scalar_text(value)
        if text is None:
            raise ValueError(f'{name}: invalid value for header "{label}": must be a string')
        if _BAD_VALUE.search(text):
            raise ValueError(
                f'{name}: invalid value for header "{label}": control characters are not allowed'
            )
        # Bytes, not text: values may carry obs-text (0x80-0xff), which goes out unchanged.
        headers[label.lower()] = (header, text)
    return headers


def _scalar_text(value: Any) -> bytes | None:
    """Strings as they are, numbers as Lua 5.5 would print them (whole numbers as integers)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer():
            return str(int(value)).encode()
        return repr(float(value)).encode()
    return None


def _timeout(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: opts.timeout must be a positive number of seconds")
    return float(value)


def _response_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    # Lowercase names; a repeated header keeps its last value; non-visible values are dropped.
    return {key.lower(): value for key, value in raw if _VISIBLE.match(value)}


def _describe(exc: Exception, url: str) -> str:
    reason = str(exc) or type(exc).__name__
    return f"error sending request for url ({_redact(url)}): {reason}"


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
        raise ValueError("http.client: argument must be a table or nil")
    timeout = _timeout("http.client", opts[b"timeout"])
    if timeout is not None:
        options.timeout = timeout
    follow = opts[b"follow_redirects"]
    if follow is not None:
        if not isinstance(follow, bool):
            raise ValueError("http.client: opts.follow_redirects must be a boolean")
        options.follow_redirects = follow
    ca_file, ca_pem = opts[b"ca_cert_file"], opts[b"ca_cert"]
    if ca_file is not None or ca_pem is not None:
        import ssl

        for label, value in (("ca_cert_file", ca_file), ("ca_cert", ca_pem)):
            if value is not None and not isinstance(value, bytes):
                raise ValueError(f"http.client: opts.{label} must be a string")
        try:
            options.verify = ssl.create_default_context(
                cafile=ca_file.decode() if ca_file else None,
                cadata=ca_pem.decode("ascii") if ca_pem else None,
            )
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ValueError(f"http.client: cannot load CA certificate: {exc}") from None
    return options


def _methods(vm: LuaVM, client: _Client, *, bound: bool) -> Any:
    """The five verbs as Lua functions; ``bound`` ones take the object first (``c:get``)."""

    def verb(method: str) -> Callable[..., Any]:
        call: Callable[..., Any]
        if method in _BODY_METHODS:

            def send_body(url: Any = None, body: Any = None, opts: Any = None) -> Any:
                return client.request(method, url, body, opts)

            call = send_body
        else:

            def send(url: Any = None, opts: Any = None) -> Any:
                return client.request(method, url, None, opts)

            call = send
        if bound:
            return lambda _self=None, *args: call(*args)
        return call

    return vm.table({method: awaitable(vm, verb(method)) for method in _METHODS})


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
        value = opts[b"timeout"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            timeout = float(value) if value != float("inf") else None
        size = opts[b"max_size"]
        if isinstance(size, (int, float)) and not isinstance(size, bool):
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
                    reason = response.reason_phrase
                    raise ConnectionError(
                        f"http.download: HTTP {response.status_code} {reason} for {shown}".replace(
                            "  ", " "
                        )
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


def _io_reason(exc: OSError) -> str:
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def install(vm: LuaVM) -> None:
    client = _Client(vm, _Options())
    http = _methods(vm, client, bound=False)

    def new_client(opts: Any = None) -> Any:
        return _methods(vm, _Client(vm, _client_options(opts)), bound=True)

    def download(url: Any = None, path: Any = None, opts: Any = None) -> Pending:
        return _download(client, url, path, opts)

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
