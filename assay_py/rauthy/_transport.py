"""One pooled httpx client, the API-key auth, retries with backoff, and error mapping."""

from __future__ import annotations

import email.utils
import enum
import json
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._scrub import Scrubber
from .errors import (
    RauthyError,
    RauthyForbidden,
    RauthyNotFound,
    RauthyUnauthorized,
    RauthyUnreachable,
    RauthyValidationError,
)

_MAX_BODY_TEXT = 500
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Nothing reached the server: safe to send again whatever the request.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# The connection broke before an answer: safe to resend only idempotent requests.
_BROKEN = (*_NOT_SENT, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class Retry(enum.Enum):
    """How a request may be repeated."""

    #: GET, PUT /clients/{id}, DELETE, the secret read: connect errors and 429/502/503/504.
    IDEMPOTENT = "idempotent"
    #: POST /clients, the rotation: only when nothing was sent.
    UNSENT_ONLY = "unsent-only"


class ApiKey(httpx.Auth):
    """Adds ``Authorization: API-Key <key>``; its repr never shows the key."""

    def __init__(self, key: str) -> None:
        self._header = f"API-Key {key}"
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    @property
    def name(self) -> str:
        """The key's name (the part before ``$``), which is not secret."""
        return self._key.partition("$")[0]

    def secrets(self) -> tuple[str, str]:
        """The key and its secret half, for a :class:`Scrubber`."""
        return self._key, self._key.partition("$")[2]

    def scrub(self, text: str) -> str:
        """``text`` with the key (and its secret half) replaced, whole or in part."""
        return Scrubber(*self.secrets()).scrub(text)

    def __repr__(self) -> str:
        return "ApiKey(<redacted>)"


@dataclass(frozen=True)
class RetrySettings:
    attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 30.0


# The CLI's --parallel goes up to 64.
_POOL_SIZE = 64
_KEEPALIVE_S = 30.0


class _TlsWhenNeeded(httpx.BaseTransport):
    """Plain HTTP at once; the TLS transport only for the first https:// request.

    httpx builds its TLS context (loading the CA bundle, about 26 ms) when a client is made,
    which an ``http://`` Rauthy (the emulator, a cluster-internal URL) never uses. Proxies
    from the environment are the client's own mounts and are not affected.
    """

    def __init__(self, verify: bool | ssl.SSLContext, limits: httpx.Limits) -> None:
        self._verify = verify
        self._limits = limits
        # verify=False: the plain pool is never asked for TLS, so no CA bundle is loaded.
        self._plain = httpx.HTTPTransport(verify=False, limits=limits)
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return self._plain.handle_request(request)
        tls = self._tls
        if tls is None:
            with self._lock:
                if self._tls is None:
                    self._tls = httpx.HTTPTransport(verify=self._verify, limits=self._limits)
                tls = self._tls
        return tls.handle_request(request)

    def close(self) -> None:
        self._plain.close()
        if self._tls is not None:
            self._tls.close()


# (method, url, path, body, files) -> None; raises to refuse the request.
WriteGuard = Callable[[str, str, str, Any, Mapping[str, tuple[str, bytes, str]] | None], None]


class Transport:
    """Sends requests relative to a base URL and turns failures into ``RauthyError``s."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        connect_timeout: float,
        read_timeout: float,
        verify: bool | ssl.SSLContext,
        user_agent: str,
        retry: RetrySettings,
        sleep: Callable[[float], None],
        network: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
    ) -> None:
        self.base_url = base_url
        self._auth = api_key
        self.write_guard: WriteGuard | None = None
        """Asked once per request that is not a GET, before anything is sent (and before any
        retry): ``guard(method, url, path, body, files)``; whatever it raises stops the
        request. The Lua host's read-only and approval modes use it."""
        self._retry = retry
        self._sleep = sleep
        self._scrubber = Scrubber(*api_key.secrets())
        self._sent = 0
        self._sent_lock = threading.Lock()
        # Every connection stays pooled: with fewer keep-alive slots than workers, each burst
        # closed and reopened connections (hundreds per apply at --parallel 32). The pool
        # opens only as many as requests run at once, so this is sized by the parallelism.
        # The pool hands out its first idle connections, so the last ones of a wide pool sit
        # idle for seconds between bursts: with httpx's 5 s expiry they were dropped and
        # reopened over and over on a busy machine. A connection the server has closed in the
        # meantime (actix keeps idle ones 5 s) reads as closed and is dropped, not reused.
        limits = httpx.Limits(
            max_connections=_POOL_SIZE,
            max_keepalive_connections=_POOL_SIZE,
            keepalive_expiry=_KEEPALIVE_S,
        )
        wire: httpx.BaseTransport = _TlsWhenNeeded(verify, limits)
        self.http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            verify=verify,
            headers={"User-Agent": user_agent},
            transport=wire if network is None else network(wire),
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    @property
    def key_name(self) -> str:
        return self._auth.name

    @property
    def sent(self) -> int:
        """Requests sent so far, every attempt counted (what a command reports as its cost)."""
        return self._sent

    def remember_secret(self, secret: str) -> None:
        """Secrets seen in answers are scrubbed from any later error text."""
        self._scrubber.add(secret)

    def _remember_sent_credentials(self, body: Any) -> None:
        # Rauthy's validation errors quote offending values: a bad scim field's answer could
        # carry the bearer token sent with it.
        scim = body.get("scim") if isinstance(body, dict) else None
        token = scim.get("bearer_token") if isinstance(scim, dict) else None
        if isinstance(token, str) and token:
            self._scrubber.add(token)

    def add_secret(self, secret: str) -> None:
        """Keep ``secret`` (a password about to be sent) out of every later error text."""
        self._scrubber.add(secret)

    def scrub(self, text: str) -> str:
        """Every secret this transport knows, whole or in part, taken out of ``text``."""
        return self._scrubber.scrub(text)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        retry: Retry = Retry.IDEMPOTENT,
        allow: frozenset[int] = frozenset(),
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send with the API key; 2xx (or a status in ``allow``) returns, anything else raises.

        ``files`` (``{part: (filename, bytes, content type)}``) sends a multipart body instead
        of JSON; httpx builds it, with the ``Content-Length`` Rauthy insists on.
        """
        return self.send(method, path, body=body, retry=retry, allow=allow, files=files)[0]

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        retry: Retry = Retry.IDEMPOTENT,
        allow: frozenset[int] = frozenset(),
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> tuple[httpx.Response, int]:
        """Like :meth:`request`, also telling how many attempts it took."""
        if self.write_guard is not None and method != "GET":
            self.write_guard(method, self.base_url + path, path, body, files)
        self._remember_sent_credentials(body)
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._retry.attempts
            with self._sent_lock:
                self._sent += 1
            try:
                response = self.http.request(
                    method, self.base_url + path, json=body, files=files, auth=self._auth
                )
            except httpx.TransportError as exc:
                resendable = _NOT_SENT if retry is Retry.UNSENT_ONLY else _BROKEN
                if last or not isinstance(exc, resendable):
                    raise self.unreachable(method, path, exc) from None
                self._sleep(self._backoff(attempt, None))
                continue
            if (
                response.status_code in _RETRY_STATUSES
                and retry is Retry.IDEMPOTENT
                and not last
                and not self._blocked_for_long(response)
            ):
                self._sleep(self._backoff(attempt, response))
                continue
            if response.is_success or response.status_code in allow:
                return response, attempt
            raise self.error(method, path, response)

    def _blocked_for_long(self, response: httpx.Response) -> bool:
        """Rauthy's blacklist answer (429 + ``x-retry-not-before``) for longer than we would
        wait: retrying only delays the error."""
        until = _not_before(response)
        return until is not None and until - time.time() > self._retry.max_retry_after

    def probe(self, path: str, timeout: float) -> httpx.Response:
        """One unauthenticated GET, no retries (health and discovery)."""
        return self.http.get(self.base_url + path, timeout=timeout)

    def get_public(self, url: str, path_for_errors: str) -> httpx.Response:
        """An unauthenticated GET with the usual retries (discovery documents)."""
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._retry.attempts
            try:
                response = self.http.get(url)
            except httpx.TransportError as exc:
                if last or not isinstance(exc, _BROKEN):
                    raise self.unreachable("GET", path_for_errors, exc) from None
                self._sleep(self._backoff(attempt, None))
                continue
            if response.status_code in _RETRY_STATUSES and not last:
                self._sleep(self._backoff(attempt, response))
                continue
            if response.is_success:
                return response
            raise self.error("GET", path_for_errors, response)

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        hinted = _retry_after(response) if response is not None else None
        if hinted is not None:
            return min(hinted, self._retry.max_retry_after)
        ceiling = min(self._retry.backoff_max, self._retry.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter keeps parallel callers apart

    def unreachable(self, method: str, path: str, exc: Exception) -> RauthyUnreachable:
        reason = self.scrub(f"{type(exc).__name__}: {exc}")
        return RauthyUnreachable(
            f"rauthy {method} {path}: unreachable: {reason}", method=method, path=path
        )

    def error(self, method: str, path: str, response: httpx.Response) -> RauthyError:
        error, message, from_json = _parse_error_body(response)
        # Scrub first, cut after: a cut made first could keep most of a secret.
        message = self.scrub(message) if from_json else _cut(self.scrub(message))
        error = self.scrub(error) if error is not None else None
        kwargs: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": response.status_code,
            "error": error,
        }
        status = response.status_code
        until = _not_before(response) if status == 429 else None
        if until is not None:
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until))
            message = (
                f"too many requests; retry not before {when}. Rauthy answers this way to an"
                " address on its IP blacklist: this machine's may be blocked"
            )
        if status == 404:
            return RauthyNotFound(message, **kwargs)
        if status == 401:
            return RauthyUnauthorized(message, **kwargs)
        if status == 403:
            return RauthyForbidden(message, **kwargs)
        if status == 400 and "validation error" in message.lower():
            return RauthyValidationError(_parse_violations(message), message, **kwargs)
        return RauthyError(message, **kwargs)


def _parse_error_body(response: httpx.Response) -> tuple[str | None, str, bool]:
    """(Rauthy's error name, its message, whether it came from a JSON error body)."""
    text = response.text
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        error = data.get("error")
        return (error if isinstance(error, str) else None), data["message"], True
    if not text:
        return None, response.reason_phrase or "(empty body)", False
    # Bounded before scrubbing so a huge page costs little; a secret cut here lies far past
    # the final cut, and its piece at the edge is scrubbed anyway.
    return None, text[: _MAX_BODY_TEXT * 128], False


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_BODY_TEXT else text[:_MAX_BODY_TEXT] + "..."


def _parse_violations(message: str) -> list[tuple[str, str]]:
    """Best effort over Rauthy's Rust-Debug text: ``"field": Field([ValidationError { code:``."""
    found = re.findall(r'"([A-Za-z_]+)":\s*\w+\(\[ValidationError \{ code: "([^"]*)"', message)
    return [(field, code) for field, code in found] or [("payload", message)]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is not None:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    not_before = _not_before(response)  # Rauthy's own 429 hint
    if not_before is not None:
        return max(0.0, not_before - time.time())
    return None


def _not_before(response: httpx.Response) -> float | None:
    """Rauthy's ``x-retry-not-before`` (unix seconds), if the answer has one."""
    value = response.headers.get("x-retry-not-before")
    if value is not None and value.strip().isdigit():
        return float(value.strip())
    return None
