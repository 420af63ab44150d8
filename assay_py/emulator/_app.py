"""What Rauthy answers, independent of sockets: ``App.dispatch(request) -> Response``.

Evaluation order as in Rauthy: API-key middleware errors, then JSON body errors (text/plain),
then the handler's auth check, then validation, then the database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, unquote

from . import _clients as c
from ._jsonbody import BodyError, Field, read_struct
from ._keys import KeyStore
from ._state import ApiKey, Store

if TYPE_CHECKING:
    from ._oidc import Oidc

JSON = "application/json"
_SCOPES = ["email", "openid", "profile", "groups", "address", "phone"]
_ALGS = ["RS256", "RS384", "RS512", "EdDSA"]
_LOCALES_0352 = ["de", "en", "fr", "ko", "nb", "ru", "uk", "zhhans"]
_LOCALES_HEAD = ["de", "en", "fr", "ko", "nb", "nl", "ru", "uk", "zhhans"]
_HEAD_VERSION = "0.36.0-20260603"
_WELL_KNOWN = ("openid-configuration", "oauth-authorization-server")


@dataclass
class Request:
    method: str
    path: str  # full path, no query
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    oversize: str | None = None  # actix's 413 text when the body was over the JSON limit
    peer: str | None = None  # the client's address (the blacklist middleware reads it)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class ApiError(Exception):
    """A Rauthy JSON error ``{timestamp, error, message}``."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def response(self) -> Response:
        body = {"timestamp": int(time.time()), "error": self.error, "message": self.message}
        extra = [("www-authenticate", "OAuth")] if self.status == 401 else []
        return Response(self.status, _dumps(body), JSON, extra)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _ok(value: Any) -> Response:
    return Response(200, _dumps(value), JSON)


def _not_found_row() -> ApiError:
    return ApiError(404, "NotFound", "no rows returned")


_EMPTY_404 = Response(404)
_Route = Callable[["App", "Request", "ApiKey | None", str], "Response"]
_Principal = ApiKey | None


class App:
    def __init__(
        self,
        store: Store,
        version: str,
        issuer: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.version = version
        self.issuer = issuer
        self.clock = clock
        self.keys = KeyStore()
        self._oidc_endpoints: Oidc | None = None
        self._discovery = _dumps(self._discovery_doc())
        self._discovery_scopes: list[str] = list(_SCOPES)
        from ._kind_routes import ROUTES

        self._kind_routes = ROUTES

    # --- entry ---------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        path = request.path
        from ._blacklist import refused

        blocked = refused(self, request)  # Rauthy's outermost middleware
        if blocked is not None:
            return blocked
        try:
            _check_sec_fetch(request)
            principal = None
            if not (path.startswith("/auth/v1/_app/") or path == "/auth/v1/"):
                principal = self._principal(request.headers.get("authorization"))
            return self._route(request, principal)
        except ApiError as err:
            return err.response()
        except BodyError as err:
            return Response(err.status, err.message.encode(), "text/plain; charset=utf-8")

    def _route(self, request: Request, principal: _Principal) -> Response:
        method, path = request.method, request.path
        if path.startswith("/.well-known/") and path[len("/.well-known/") :] in _WELL_KNOWN:
            return self._well_known(method, path[len("/.well-known/") :])
        if path == "/auth/v1" or not path.startswith("/auth/"):
            if method == "GET":
                return Response(301, headers=[("location", "/auth/v1/")])
            return _EMPTY_404
        if not path.startswith("/auth/v1/"):
            return _EMPTY_404
        route = path[len("/auth/v1") :]
        if route == "/" and method == "GET":
            return Response(200, b"<!DOCTYPE html><title>Rauthy emulator</title>", "text/html")
        simple = self._simple_routes.get((method, route))
        if simple is not None:
            return simple(self, request, principal, route)
        parts = route.split("/")
        if route.startswith("/.well-known/"):
            return self._well_known(method, route[len("/.well-known/") :])
        if parts[1] == "clients" and len(parts) in (3, 4) and parts[2]:
            client_id = unquote(parts[2])
            if len(parts) == 3:
                handler = self._client_routes.get(method)
            elif parts[3] == "secret":
                handler = self._secret_routes.get(method)
            else:
                handler = None
            if handler is not None:
                return handler(self, request, principal, client_id)
        if method == "GET" and parts[1:3] == ["oidc", "certs"] and len(parts) == 4 and parts[3]:
            return self._cert(unquote(parts[3]))
        for kind_route in self._kind_routes:
            answer: Response | None = kind_route(self, request, principal, route)
            if answer is not None:
                return answer
        return _EMPTY_404

    # --- auth ----------------------------------------------------------------------------

    def _principal(self, header: str | None) -> _Principal:
        if header is None:
            return None
        if " " not in header:
            raise ApiError(400, "BadRequest", "Malformed 'Authorization' header")
        scheme, token = header.split(" ", 1)
        if scheme != "API-Key":
            return None
        name, dollar, secret = token.partition("$")
        if not dollar:
            raise ApiError(400, "BadRequest", "Malformed API-Key")
        with self.store.lock:
            outcome = self.store.check_api_key(name, secret)
        if outcome == "missing":
            raise _not_found_row()
        if outcome == "expired":
            raise ApiError(401, "Unauthorized", "API Key has expired")
        if outcome == "invalid":
            raise ApiError(401, "Unauthorized", "Invalid API-Key")
        assert isinstance(outcome, ApiKey)
        return outcome

    @staticmethod
    def _require(principal: _Principal, group: str, right: str) -> None:
        if principal is None:
            raise ApiError(401, "Unauthorized", "No valid session")
        if right not in principal.access.get(group, ()):
            raise ApiError(
                403,
                "Forbidden",
                f"Bad permissions for given ApiKey. Needed: {group} / {right.capitalize()}",
            )

    # --- generic and discovery -----------------------------------------------------------

    def _health(self, request: Request, principal: _Principal, route: str) -> Response:
        return _ok({"db_healthy": True, "cache_healthy": True})

    def _empty_ok(self, request: Request, principal: _Principal, route: str) -> Response:
        return Response(200)

    def _version(self, request: Request, principal: _Principal, route: str) -> Response:
        current = _HEAD_VERSION if c.is_head(self.version) else self.version
        return _ok(
            {
                "current": current,
                "last_check": None,
                "latest": None,
                "latest_url": None,
                "update_available": False,
            }
        )

    def _well_known(self, method: str, name: str) -> Response:
        if method != "GET" or name not in _WELL_KNOWN:
            return _EMPTY_404
        with self.store.lock:
            scopes = self.store.kinds.scope_names()
        if scopes != self._discovery_scopes:
            # Rauthy rebuilds the document whenever a scope is created, renamed or deleted.
            self._discovery_scopes = scopes
            self._discovery = _dumps(self._discovery_doc())
        return Response(200, self._discovery, JSON, [("access-control-allow-origin", "*")])

    def _discovery_doc(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": i + "oidc/authorize",
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "device_authorization_endpoint": i + "oidc/device",
            "token_endpoint": i + "oidc/token",
            "introspection_endpoint": i + "oidc/introspect",
            "revocation_endpoint": i + "oidc/token/revoke",
            "userinfo_endpoint": i + "oidc/userinfo",
            "end_session_endpoint": i + "oidc/logout",
            "jwks_uri": i + "oidc/certs",
            "grant_types_supported": [
                "authorization_code",
                "client_credentials",
                "password",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": _ALGS,
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "token_endpoint_auth_signing_alg_values_supported": _ALGS,
            "claims_supported": [
                "iss",
                "azp",
                "amr",
                "sub",
                "preferred_username",
                "email",
                "email_verified",
                "given_name",
                "family_name",
                "roles",
                "groups",
                "custom",
            ],
            "claim_types_supported": ["normal", "aggregated", "distributed"],
            "scopes_supported": list(getattr(self, "_discovery_scopes", _SCOPES)),
            "code_challenge_methods_supported": ["plain", "S256"],
            "dpop_signing_alg_values_supported": _ALGS,
            "service_documentation": "https://sebadob.github.io/rauthy/",
            "ui_locales_supported": _LOCALES_HEAD if c.is_head(self.version) else _LOCALES_0352,
            "claims_parameter_supported": True,
            "client_id_metadata_document_supported": True,
        }

    def _certs(self, request: Request, principal: _Principal, route: str) -> Response:
        keys = self.keys.jwks()
        if parse_qs(request.query).get("skip_okp", [""])[0] == "true":
            keys = [k for k in keys if k["kty"] != "OKP"]
        return Response(200, _dumps({"keys": keys}), JSON, [("access-control-allow-origin", "*")])

    def _cert(self, kid: str) -> Response:
        pair = self.keys.find(kid)
        if pair is None:
            return _not_found_row().response()
        return Response(200, _dumps(pair.jwk), JSON, [("access-control-allow-origin", "*")])

    @property
    def oidc(self) -> Oidc:
        """The sign-in endpoints (built on first use, so admin-only runs never load them)."""
        if self._oidc_endpoints is None:
            from ._oidc import Oidc

            self._oidc_endpoints = Oidc(
                self.store, self.keys, self.issuer, self.clock, self.version
            )
        return self._oidc_endpoints

    def _oidc(self, request: Request, principal: _Principal, route: str) -> Response:
        return self.oidc.handle(request, route)

    def _rotate_jwk(self, request: Request, principal: _Principal, route: str) -> Response:
        self._require(principal, "Secrets", "update")
        self.keys.rotate()
        return Response(200)

    # --- clients -------------------------------------------------------------------------

    def _list_clients(self, request: Request, principal: _Principal, route: str) -> Response:
        self._require(principal, "Clients", "read")
        with self.store.lock:
            out = [c.to_response(x, self.version, False) for x in self.store.clients.values()]
        return _ok(out)

    def _create_client(self, request: Request, principal: _Principal, route: str) -> Response:
        body = _read_body(request, c.NEW_CLIENT_FIELDS)
        self._require(principal, "Clients", "create")
        errors = c.validate_new(body, self.version)
        if errors:
            raise ApiError(400, "BadRequest", errors.message())
        client = c.new_client(body)
        with self.store.lock:
            if client.id in self.store.clients:
                raise ApiError(
                    400,
                    "BadRequest",
                    "Database error: ConstraintViolation: UNIQUE constraint failed: clients.id",
                )
            self.store.clients[client.id] = client
            out = c.to_response(client, self.version, False)
            self.store.changed()
        self.store.persist()
        return _ok(out)

    def _get_client(self, request: Request, principal: _Principal, client_id: str) -> Response:
        self._require(principal, "Clients", "read")
        with self.store.lock:
            client = self.store.clients.get(client_id)
            if client is None:
                raise _not_found_row()
            return _ok(c.to_response(client, self.version, True))

    def _put_client(self, request: Request, principal: _Principal, client_id: str) -> Response:
        fields = c.update_fields(self.version)
        body = _read_body(request, fields)
        self._require(principal, "Clients", "update")
        errors = c.validate_update(body, self.version)
        if errors:
            raise ApiError(400, "BadRequest", errors.message())
        with self.store.lock:
            client = self.store.clients.get(client_id)
            if client is None:
                raise _not_found_row()
            if not c.is_head(self.version) and body["id"] != client_id:
                raise ApiError(400, "BadRequest", "The 'id' cannot be changed")
            c.apply_update(client, body, self.version, self.store.kinds.scope_names())
            out = c.to_response(client, self.version, True)
            self.store.changed()
        self.store.persist()
        return _ok(out)

    def _delete_client(self, request: Request, principal: _Principal, client_id: str) -> Response:
        self._require(principal, "Clients", "delete")
        with self.store.lock:
            if client_id not in self.store.clients:
                raise _not_found_row()
            if client_id == "rauthy":
                raise ApiError(400, "BadRequest", "The `rauthy` client must not be deleted")
            del self.store.clients[client_id]
            from ._branding import forget_client

            forget_client(self, client_id)
            self.store.changed()
        self.store.persist()
        return Response(200)

    def _read_secret(self, request: Request, principal: _Principal, client_id: str) -> Response:
        self._require(principal, "Secrets", "read")
        with self.store.lock:
            client = self.store.clients.get(client_id)
            if client is None:
                raise _not_found_row()
            if not client.confidential or client.secret is None:
                raise ApiError(404, "NotFound", f"'{client_id}' is a public client")
            return _ok({"id": client.id, "confidential": True, "secret": client.secret})

    def _rotate_secret(self, request: Request, principal: _Principal, client_id: str) -> Response:
        hours = _optional_cache_hours(request)
        self._require(principal, "Secrets", "update")
        if hours is not None and not 1 <= hours <= 24:
            from ._validation import Errors

            errors = Errors()
            errors.range("cache_current_hours", hours, 1, 24)
            raise ApiError(400, "BadRequest", errors.message())
        with self.store.lock:
            client = self.store.clients.get(client_id)
            if client is None:
                raise _not_found_row()
            now = self.clock()
            kept = [(s, until) for s, until in client.cached_secrets if until > now]
            if hours is not None and client.secret is not None:
                kept.append((client.secret, now + hours * 3600))
            client.cached_secrets = kept
            client.confidential = True
            client.secret = c.random_secret()
            out = {"id": client.id, "confidential": True, "secret": client.secret}
            self.store.changed()
        self.store.persist()
        return _ok(out)

    _simple_routes: ClassVar[dict[tuple[str, str], _Route]] = {
        ("GET", "/health"): _health,
        ("GET", "/ping"): _empty_ok,
        ("GET", "/ready"): _empty_ok,
        ("GET", "/version"): _version,
        ("GET", "/oidc/certs"): _certs,
        ("POST", "/oidc/rotate_jwk"): _rotate_jwk,
        ("GET", "/oidc/authorize"): _oidc,
        ("POST", "/oidc/authorize"): _oidc,
        ("POST", "/oidc/token"): _oidc,
        ("POST", "/oidc/token/revoke"): _oidc,
        ("GET", "/oidc/userinfo"): _oidc,
        ("POST", "/oidc/userinfo"): _oidc,
        ("POST", "/oidc/introspect"): _oidc,
        ("GET", "/oidc/logout"): _oidc,
        ("POST", "/oidc/logout"): _oidc,
        ("GET", "/clients"): _list_clients,
        ("POST", "/clients"): _create_client,
    }
    _client_routes: ClassVar[dict[str, _Route]] = {
        "GET": _get_client,
        "PUT": _put_client,
        "DELETE": _delete_client,
    }
    _secret_routes: ClassVar[dict[str, _Route]] = {
        "POST": _read_secret,
        "PUT": _rotate_secret,
    }


# Paths the Sec-Fetch check lets through from any site (the OIDC endpoints other apps call).
# Rauthy's `is_path_csrf_exception`: these have their own checks (origin, PKCE, tokens).
_CROSS_ORIGIN_PATHS = (
    "/auth/v1/oidc/authorize",
    "/auth/v1/oidc/token",
    "/auth/v1/oidc/token/revoke",
    "/auth/v1/oidc/logout",
    "/auth/v1/oidc/userinfo",
)
_CROSS_ORIGIN_PREFIXES = (
    "/auth/v1/oidc/certs",
    "/auth/v1/.well-known/",
    "/.well-known/",
)


def _check_sec_fetch(request: Request) -> None:
    """Rauthy's CSRF middleware, which runs before the API-key one: a browser's cross-origin
    write is refused. Scripts send no ``sec-fetch-site``, so they never meet it."""
    site = request.headers.get("sec-fetch-site")
    if (
        site is not None
        and site != "same-origin"
        and request.method not in ("GET", "OPTIONS")
        and request.path not in _CROSS_ORIGIN_PATHS
        and not request.path.startswith(_CROSS_ORIGIN_PREFIXES)
    ):
        raise ApiError(400, "BadRequest", "cross-origin request forbidden for this resource")


def _read_body(request: Request, fields: tuple[Field, ...]) -> dict[str, Any]:
    content_type = request.headers.get("content-type")
    return read_struct(request.body, content_type, fields, request.oversize)


def _optional_cache_hours(request: Request) -> int | None:
    """Rauthy's optional ``Json<ClientSecretRequest>``: any extractor error means None."""
    if not request.body and request.oversize is None:
        return None
    try:
        body = _read_body(request, (Field("cache_current_hours", "u8"),))
    except BodyError:
        return None
    hours = body.get("cache_current_hours")
    return hours if isinstance(hours, int) else None
