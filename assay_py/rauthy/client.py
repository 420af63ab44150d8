"""``RauthyClient``: ``.sys``, ``.discovery`` and ``.clients`` over one pooled httpx client.

Every public method returns plain JSON-like values (dicts, lists, str, bool, None), so the Lua
binding can pass them on unchanged. The underlying ``httpx.Client`` is thread-safe and its pool
is sized for parallel use, so one ``RauthyClient`` may serve several threads.
"""

from __future__ import annotations

import builtins
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from . import _schema as s
from ._transport import ApiKey, Retry, RetrySettings, Transport, WriteGuard
from .errors import (
    RauthyError,
    RauthyNotFound,
    RauthyUnreachable,
    RauthyValidationError,
    RebuildIncomplete,
    RotationUncertain,
    SecretUnread,
)
from .kinds import attributes as attributes_kind
from .kinds import groups as groups_kind
from .kinds import roles as roles_kind
from .kinds import scopes as scopes_kind
from .kinds.api_keys import ApiKeysApi
from .kinds.attributes import AttributesApi
from .kinds.blacklist import BlacklistApi
from .kinds.branding import BrandingApi
from .kinds.groups import GroupsApi
from .kinds.password_policy import PasswordPolicyApi
from .kinds.providers import ProvidersApi
from .kinds.roles import RolesApi
from .kinds.scopes import ScopesApi
from .kinds.users import UsersApi
from .options import check_options
from .reconcile import (
    Plan,
    complete_put_body,
    create_body,
    diff,
    dropped_scope_warnings,
    plan,
)
from .validate import check_path_id, require_create_fields, validate_payload

__all__ = ["RauthyClient", "client"]

Client = dict[str, Any]


class RauthyClient:
    """A client for the Rauthy admin API at ``url`` (e.g. ``https://iam.example.com/auth/v1``).

    ``retries`` is the most attempts one request gets (1 = never retried); ``backoff_base`` is
    the first backoff in seconds (doubling, with jitter); ``sleep`` waits between attempts.
    Also a context manager; ``close()`` releases the connections.
    """

    def __init__(
        self,
        url: str,
        api_key: str | ApiKey,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        verify: bool = True,
        ca_bundle: str | None = None,
        retries: int = 4,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        network: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
    ) -> None:
        """``network``: wraps the transport that reaches the network, so a caller (the Lua
        host's policy) sees every request before it leaves, probes and discovery included,
        and every response before the client reads it."""
        from .. import __version__

        key = _wrap_key(api_key)
        del api_key  # from here on only the redacting wrapper shows up in tracebacks
        if not isinstance(url, str) or not url.strip():
            raise RauthyValidationError(
                [("url", "required: the API base, e.g. https://iam.example.com/auth/v1")],
                f"rauthy.client: url must be a non-empty string, got {type(url).__name__}",
            )
        check_options(
            "rauthy.client",
            none_ok=("ca_bundle",),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=verify,
            ca_bundle=ca_bundle,
            retries=retries,
            backoff_base=backoff_base,
            sleep=sleep,
        )
        self.url = url.rstrip("/")
        if ca_bundle is not None and not verify:
            raise RauthyValidationError([("ca_bundle", "cannot be combined with verify=False")])
        tls: bool | ssl.SSLContext = (
            ssl.create_default_context(cafile=ca_bundle) if ca_bundle else verify
        )
        self._transport = Transport(
            self.url,
            key,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=tls,
            user_agent=f"assay-py/{__version__}",
            retry=RetrySettings(attempts=max(1, retries), backoff_base=backoff_base),
            sleep=sleep,
            network=network,
        )
        self.sys = SysApi(self._transport, sleep)
        self.discovery = DiscoveryApi(self._transport)
        self.clients = ClientsApi(self._transport, self.discovery)
        self.scopes = ScopesApi(self._transport, scopes_kind.KIND)
        self.attributes = AttributesApi(self._transport, attributes_kind.KIND)
        self.roles = RolesApi(self._transport, roles_kind.KIND)
        self.groups = GroupsApi(self._transport, groups_kind.KIND)
        self.api_keys = ApiKeysApi(self._transport)
        self.users = UsersApi(self._transport)
        self.password_policy = PasswordPolicyApi(self._transport)
        self.branding = BrandingApi(self._transport)
        self.blacklist = BlacklistApi(self._transport)
        self.providers = ProvidersApi(self._transport)

    def close(self) -> None:
        self._transport.close()

    def guard_writes(self, guard: WriteGuard | None) -> None:
        """Have ``guard(method, url, path, body, files)`` asked before every request that is
        not a GET (once per request, retries included); what it raises stops the request
        before anything is sent. ``None`` removes it."""
        self._transport.write_guard = guard

    def __enter__(self) -> RauthyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RauthyClient(url={getattr(self, 'url', None)!r})"

    # -- the whole instance (assay_py.rauthy.declarative.instance) ------------------------------

    def plan(self, doc: Any, **options: Any) -> Any:
        """Plan a whole-instance document (mapping of kinds, or a list of clients):
        ``declarative.instance.plan_instance(self, doc, **options)``."""
        from .declarative.instance import plan_instance

        return plan_instance(self, doc, **options)

    def apply(self, doc_or_plan: Any, **options: Any) -> Any:
        """Converge on a whole-instance document, or carry out a plan of one:
        ``declarative.instance.apply_instance(self, doc_or_plan, **options)``."""
        from .declarative.instance import apply_instance

        return apply_instance(self, doc_or_plan, **options)


class SysApi:
    """Liveness. ``/health`` is called without the API key: Rauthy needs none there."""

    def __init__(self, transport: Transport, sleep: Callable[[float], None]) -> None:
        self._t = transport
        self._sleep = sleep

    def health(self, *, timeout: float | None = None) -> bool:
        """True on a 2xx ``GET /health``; False on any other status and on transport errors."""
        check_options("health", none_ok=("timeout",), timeout=timeout)
        try:
            response = self._t.probe("/health", timeout or self._t.http.timeout.read or 30.0)
        except httpx.HTTPError:
            return False
        return response.is_success

    def wait_healthy(
        self, timeout_secs: float = 120, *, interval: float = 2.0, probe_timeout: float = 3.0
    ) -> bool:
        """Poll ``/health`` until 2xx, through connection errors, never past the deadline."""
        check_options(
            "wait_healthy",
            timeout_secs=timeout_secs,
            interval=interval,
            probe_timeout=probe_timeout,
        )
        deadline = time.monotonic() + timeout_secs
        reason = "no answer"
        while True:
            remaining = deadline - time.monotonic()
            try:
                response = self._t.probe("/health", max(0.05, min(probe_timeout, remaining)))
            except httpx.HTTPError as exc:
                reason = self._t.scrub(f"{type(exc).__name__}: {exc}")
            else:
                if response.is_success:
                    return True
                reason = f"HTTP {response.status_code}"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._sleep(min(interval, remaining))
            if deadline - time.monotonic() <= 0:
                break
        raise RauthyUnreachable(
            f"rauthy: never became reachable at {self._t.base_url}/health (last: {reason})"
        )


class DiscoveryApi:
    """OpenID discovery; public documents, fetched without the API key."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def config(self) -> dict[str, Any]:
        path = "/.well-known/openid-configuration"
        response = self._t.get_public(self._t.base_url + path, path)
        return _json_object(response, "GET", path)

    def jwks(self) -> dict[str, Any]:
        uri = self.config().get("jwks_uri")
        if not isinstance(uri, str) or not uri:
            raise RauthyError("rauthy.discovery: response missing jwks_uri")
        path = urlsplit(uri).path or uri
        return _json_object(self._t.get_public(uri, path), "GET", path)


class ClientsApi:
    """The ``/clients`` admin API, plus reconcile (``plan`` + ``execute``)."""

    def __init__(self, transport: Transport, discovery: DiscoveryApi) -> None:
        self._t = transport
        self._discovery = discovery

    # -- plain calls ---------------------------------------------------------------------------

    def list(self) -> builtins.list[Client]:
        response = self._t.request("GET", "/clients")
        data = _json_or_none(response)
        if not isinstance(data, list):
            raise _bad_answer("GET", "/clients", "expected a JSON array")
        return data

    def get(self, id: str) -> Client | None:
        """The client, or None when Rauthy answers 404."""
        path = _client_path(id)
        response = self._t.request("GET", path, allow=frozenset({404}))
        if response.status_code == 404:
            return None
        return _json_object(response, "GET", path)

    def create(self, payload: Mapping[str, Any]) -> Client:
        """POST the ``NewClientRequest`` subset, then PUT the full state unless already equal."""
        validate_payload(payload)
        require_create_fields(payload)
        return self._create(dict(payload))

    def put(self, id: str, payload: Mapping[str, Any]) -> Client:
        """Replace the client with ``payload``; required fields it leaves out keep live values."""
        desired = {**payload, "id": payload.get("id", id)}
        validate_payload(desired)
        if desired["id"] != id:
            raise RauthyValidationError([("id", f"must equal the client id '{id}' (path)")])
        if all(name in desired for name in s.REQUIRED_ON_PUT):
            body = complete_put_body(desired, {})
        else:
            live = self.get(id)
            if live is None:
                raise RauthyNotFound(
                    "no rows returned", method="GET", path=_client_path(id), status=404
                )
            body = complete_put_body(desired, live)
        return self._put(id, body)

    def delete(self, id: str) -> None:
        """Delete; a 404 counts as done. The built-in ``rauthy`` client is refused unsent."""
        if id == s.BUILTIN_CLIENT:
            raise RauthyValidationError(
                [("id", "the built-in 'rauthy' client must not be deleted")],
                "rauthy: refusing to delete the built-in 'rauthy' client",
            )
        self._t.request("DELETE", _client_path(id), allow=frozenset({404}))

    def rebuild(self, payload: Mapping[str, Any]) -> Client:
        """Delete and create again. If the create fails the error carries the old snapshot."""
        validate_payload(payload)
        require_create_fields(payload)
        desired = dict(payload)
        snapshot = self.get(desired["id"])
        return self._rebuild(desired, snapshot)

    def get_secret(self, id: str) -> str:
        """Read the current secret (``POST /clients/{id}/secret``; needs Secrets / read)."""
        path = _client_path(id) + "/secret"
        return self._secret(self._t.request("POST", path), "POST", path, id)

    def rotate_secret(self, id: str, *, cache_current_hours: int | None = None) -> str:
        """Mint a new secret (``PUT .../secret``); the old one stays valid the given hours.

        Raises ``RotationUncertain`` when the request was sent but no usable answer came back
        (dropped connection, timeout, 5xx, no secret in the body): the rotation may have
        happened. A 4xx is Rauthy refusing, and raises as usual.
        """
        check_options(
            "rotate_secret",
            none_ok=("cache_current_hours",),
            cache_current_hours=cache_current_hours,
        )
        path = _client_path(id) + "/secret"
        body = None if cache_current_hours is None else {"cache_current_hours": cache_current_hours}
        try:
            response = self._t.request("PUT", path, body=body, retry=Retry.UNSENT_ONLY)
            return self._secret(response, "PUT", path, id)
        except RauthyError as exc:
            if exc.status is not None and exc.status < 500:
                raise  # Rauthy refused it: nothing was rotated
            if exc.status is None and _never_sent(exc):
                raise  # no connection was made: nothing was rotated
            raise RotationUncertain(id, cache_current_hours, exc) from exc

    # -- reconcile -----------------------------------------------------------------------------

    def plan_one(self, payload: Mapping[str, Any]) -> Plan:
        """Read the live client and decide what reconcile would do (no mutating request)."""
        validate_payload(payload)
        require_create_fields(payload)
        live = self.get(payload["id"])
        decided = plan(payload, live)
        if _scopes_may_be_dropped(decided):
            known = self._known_scopes()
            if known is not None:
                decided = plan(payload, live, known_scopes=known)
        return decided

    def reconcile(self, payload: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one client on ``payload``; see the README for the result shape."""
        check_options("reconcile", dry_run=dry_run)
        decided = self.plan_one(payload)
        if dry_run:
            return {**decided.to_dict(), "planned": True}
        return self.execute(decided)

    def execute(self, decided: Plan, *, read_secret: bool = True) -> dict[str, Any]:
        """Send the mutating requests of ``decided``; returns the reconcile result dict.

        ``secret`` is added when a confidential client was created or rebuilt.
        """
        result = decided.to_dict()
        if decided.action == "noop":
            return result
        if decided.action == "put":
            answer = self._put(decided.client_id, decided.put_body)
        elif decided.action == "create":
            answer = self._create(decided.desired)
        else:
            answer = self._rebuild(decided.desired, decided.live)
        warnings = list(decided.warnings)
        for text in dropped_scope_warnings(decided.desired, answer):
            if text not in warnings:
                warnings.append(text)
        if warnings:
            result["warnings"] = warnings
        if decided.action in ("create", "rebuild") and read_secret and decided.confidential:
            try:
                result["secret"] = self.get_secret(decided.client_id)
            except RauthyError as exc:
                # A reconcile run again would be a noop and never hand this secret back.
                raise SecretUnread(decided.client_id, decided.action, exc) from exc
        return result

    # -- many clients (assay_py.rauthy.declarative) -------------------------------------------

    def plan(self, entries: Iterable[Mapping[str, Any]], **options: Any) -> Any:
        """Plan many clients at once: ``declarative.plan_clients(self, entries, **options)``."""
        from .declarative import plan_clients

        return plan_clients(self, entries, **options)

    def apply(self, entries_or_plan: Any, **options: Any) -> Any:
        """Converge many clients: ``declarative.apply_clients(self, entries_or_plan, ...)``."""
        from .declarative import apply_clients

        return apply_clients(self, entries_or_plan, **options)

    # -- internals -----------------------------------------------------------------------------

    def _create(self, desired: Client) -> Client:
        return self._finish_create(desired, self._post_client(create_body(desired)))

    def _finish_create(self, desired: Client, answer: Client) -> Client:
        client_id: str = desired["id"]
        if answer and not diff(desired, answer)[0]:
            return answer  # Rauthy's defaults already match: the PUT would change nothing
        base = answer or {"id": client_id, **s.CREATE_DEFAULTS, **create_body(desired)}
        return self._put(client_id, complete_put_body(desired, base))

    def _post_client(self, body: Client) -> Client:
        """``POST /clients``; resent only when nothing was sent. A duplicate-id 400 after such
        a resend means the first attempt did land, so the client is read back instead."""
        response, attempts = self._t.send(
            "POST", "/clients", body=body, retry=Retry.UNSENT_ONLY, allow=frozenset({400})
        )
        if response.status_code == 400:
            if attempts > 1:
                existing = self.get(body["id"])
                if existing is not None:
                    return existing
            raise self._t.error("POST", "/clients", response)
        data = _json_or_none(response)
        return data if isinstance(data, dict) else {}

    def _put(self, client_id: str, body: Client) -> Client:
        response = self._t.request("PUT", _client_path(client_id), body=body)
        data = _json_or_none(response)
        return data if isinstance(data, dict) else dict(body)

    def _rebuild(self, desired: Client, snapshot: Client | None) -> Client:
        client_id: str = desired["id"]
        self.delete(client_id)
        try:
            answer = self._post_client(create_body(desired))
        except Exception as exc:
            raise RebuildIncomplete(client_id, snapshot, str(exc)) from exc
        try:
            return self._finish_create(desired, answer)
        except Exception as exc:
            # The POST landed: the client exists again, on Rauthy's defaults (and, when
            # confidential, with a secret nobody has read yet).
            raise RebuildIncomplete(
                client_id,
                snapshot,
                str(exc),
                recreated=True,
                confidential=bool(desired.get("confidential")),
            ) from exc

    def _secret(self, response: httpx.Response, method: str, path: str, client_id: str) -> str:
        data = _json_or_none(response)
        secret = data.get("secret") if isinstance(data, dict) else None
        if not isinstance(secret, str) or not secret:
            raise RauthyError(
                f"rauthy: empty secret returned for {client_id}", method=method, path=path
            )
        self._t.remember_secret(secret)
        return secret

    def _known_scopes(self) -> frozenset[str] | None:
        try:
            supported = self._discovery.config().get("scopes_supported")
        except RauthyError:
            return None
        if isinstance(supported, list) and all(isinstance(x, str) for x in supported):
            return frozenset(supported)
        return None


def _wrap_key(api_key: object) -> ApiKey:
    if isinstance(api_key, ApiKey):
        return api_key
    if not isinstance(api_key, str) or not api_key:
        raise RauthyValidationError([("api_key", "required: '<name>$<secret>'")])
    if not _HEADER_SAFE.fullmatch(api_key):
        # httpx would refuse the header later with the whole value, key included, in its error.
        raise RauthyValidationError(
            [
                (
                    "api_key",
                    "must be printable ASCII with no spaces or line breaks"
                    " (a key read from a file may need its trailing newline stripped)",
                )
            ]
        )
    return ApiKey(api_key)


_HEADER_SAFE = re.compile(r"[!-~]+")


def _scopes_may_be_dropped(decided: Plan) -> bool:
    """Scope drift where we ask for a scope the live client lacks: maybe Rauthy dropped it."""
    if decided.action != "put" or decided.live is None:
        return False
    for name in s.SCOPE_FIELDS.intersection(decided.drift):
        live = set(decided.live.get(name) or ())
        if any(scope not in live for scope in decided.desired.get(name) or ()):
            return True
    return False


def _never_sent(exc: RauthyError) -> bool:
    """A transport error from before the request left (the transport names the httpx error
    type in its text, ``... unreachable: ConnectError: ...``)."""
    return any(f"unreachable: {name}" in exc.message for name in ("ConnectError", "ConnectTimeout"))


def _client_path(client_id: str) -> str:
    # Ids may be URL-like since 0.35: keep them one path segment. Every method that names
    # a client comes through here, so a bad id is refused before anything is sent.
    check_path_id(client_id)
    return "/clients/" + quote(client_id, safe="-._~:@!$&'()*+,;=")


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _json_object(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    data = _json_or_none(response)
    if not isinstance(data, dict):
        raise _bad_answer(method, path, "expected a JSON object")
    return data


def _bad_answer(method: str, path: str, what: str) -> RauthyError:
    return RauthyError(f"rauthy {method} {path}: {what}", method=method, path=path)


#: ``rauthy.client(url, api_key, ...)``: the usual way to make a :class:`RauthyClient`.
client = RauthyClient
