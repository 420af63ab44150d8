"""``/providers`` (upstream auth providers) as Rauthy serves them.

0.35.2 guards every admin route with an admin-session check, so an API key (no session)
gets 401 ``No valid session``; 0.36 checks the ``AuthProviders`` access group. Both read
the JSON body first (actix's extractor), then authorise, then validate.

Quirks kept on purpose: the list is ``POST /providers`` sorted by name and carries every
secret in clear; ``scope`` is stored with its words joined by ``+``; names are not unique;
``PUT`` answers an empty 200, also for an unknown id (an UPDATE of no row); an update refuses
a secret without ``client_secret_basic``/``client_secret_post`` although a create accepts
it; ``DELETE`` unlinks users silently; ``delete_safe`` answers 406 with the linked users.
The provider image routes are not emulated.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from . import _clients as c
from ._kind_routes import (
    ApiError,
    App,
    Errors,
    Field,
    Request,
    Response,
    bad_request,
    invalid,
    ok,
    read_body,
    require,
)
from ._named import Provider, new_id
from ._state import ApiKey
from ._validation import RE_CLIENT_NAME, RE_URI

_GROUP = "AuthProviders"
_ATPROTO = "atproto"
RE_SCOPE_SPACE = r"^[a-zA-Z0-9-_/:\s*.]{0,512}$"
_URIS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_endpoint",
    "client_id",
)
_CLAIMS = ("admin_claim_path", "admin_claim_value", "mfa_claim_path", "mfa_claim_value")
_BOOLS = ("use_pkce", "client_secret_basic", "client_secret_post", "auto_onboarding", "auto_link")

REQUEST_FIELDS = (
    Field("name", "string", True),
    Field("typ", "provider_typ", True),
    Field("enabled", "bool", True),
    Field("issuer", "string", True),
    Field("authorization_endpoint", "string", True),
    Field("token_endpoint", "string", True),
    Field("userinfo_endpoint", "string", True),
    Field("jwks_endpoint", "string"),
    *(Field(name, "bool", True) for name in _BOOLS),
    Field("client_id", "string", True),
    Field("client_secret", "string"),
    Field("scope", "string", True),
    *(Field(name, "string") for name in _CLAIMS),
)
_LOOKUP_FIELDS = (Field("issuer", "string"), Field("metadata_url", "string"))
#: ``ProviderResponse``, in Rauthy's field order (optional fields as null).
_RESPONSE_ORDER = (
    "name",
    "typ",
    "enabled",
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_endpoint",
    "client_id",
    "client_secret",
    "scope",
    *_CLAIMS,
    *_BOOLS,
)


def _authorise(app: App, principal: ApiKey | None, right: str) -> None:
    if c.is_head(app.version):
        require(principal, _GROUP, right)
    else:
        # validate_admin_session(): an API key is no session.
        raise ApiError(401, "Unauthorized", "No valid session")


def _validate(body: dict[str, Any]) -> None:
    errors = Errors()
    errors.regex("name", RE_CLIENT_NAME, body["name"])
    for name in (*_URIS, *_CLAIMS):
        errors.regex(name, RE_URI, body.get(name))
    secret = body.get("client_secret")
    if secret is not None and len(secret) > 256:
        errors.add("client_secret", "length", secret, max=256)
    errors.regex("scope", RE_SCOPE_SPACE, body["scope"])
    if errors:
        raise invalid(errors)


def _stored_scope(scope: str) -> str:
    # Split on single blanks, drop the empty parts, trim each, join with '+' (as Rauthy).
    return "+".join(part.strip() for part in scope.split(" ") if part)


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    out = {name: body.get(name) for name in _RESPONSE_ORDER}
    out["scope"] = _stored_scope(body["scope"])
    return out


def response(row: Provider) -> dict[str, Any]:
    return {"id": row.id, **{name: row.fields.get(name) for name in _RESPONSE_ORDER}}


def _listed(app: App) -> list[Provider]:
    return sorted(app.store.kinds.providers, key=lambda p: str(p.fields["name"]))


def list_providers(app: App, principal: ApiKey | None) -> Response:
    _authorise(app, principal, "read")
    with app.store.lock:
        return ok([response(p) for p in _listed(app)])


def create(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = read_body(request, REQUEST_FIELDS)
    _authorise(app, principal, "create")
    _validate(body)
    if body["issuer"] == _ATPROTO:
        raise bad_request("Must not contain a reserved name")
    if not body["use_pkce"] and body.get("client_secret") is None:
        raise bad_request("Must at least be a confidential client or use PKCE")
    row = Provider(new_id(), _fields(body))
    with app.store.lock:
        app.store.kinds.providers.append(row)  # no name uniqueness in Rauthy
        out = response(row)
        app.store.changed()
    app.store.persist()
    return ok(out)


def update(app: App, request: Request, principal: ApiKey | None, provider_id: str) -> Response:
    body = read_body(request, REQUEST_FIELDS)
    _authorise(app, principal, "update")
    _validate(body)
    if not body["use_pkce"] and body.get("client_secret") is None:
        raise bad_request("Must at least be a confidential client or use PKCE")
    if body.get("client_secret") is not None and not (
        body["client_secret_basic"] or body["client_secret_post"]
    ):
        raise bad_request(
            "A confidential client must have a least one of"
            " 'client_secret_basic | client_secret_post'"
        )
    with app.store.lock:
        for row in app.store.kinds.providers:
            if row.id == provider_id:
                row.fields = _fields(body)  # a full replacement: a missing secret is erased
                app.store.changed()
    app.store.persist()
    return Response(200)


def delete(app: App, principal: ApiKey | None, provider_id: str) -> Response:
    _authorise(app, principal, "delete")
    with app.store.lock:
        rows = app.store.kinds.providers
        app.store.kinds.providers = [r for r in rows if r.id != provider_id]
        for user in app.store.kinds.users:
            if user.auth_provider_id == provider_id:
                user.auth_provider_id = None
        app.store.changed()
    app.store.persist()
    return Response(200)


def delete_safe(app: App, principal: ApiKey | None, provider_id: str) -> Response:
    _authorise(app, principal, "read")
    with app.store.lock:
        linked = [
            {"id": u.id, "email": u.email}
            for u in app.store.kinds.users
            if u.auth_provider_id == provider_id
        ]
    if not linked:
        return ok(linked)
    answer = ok(linked)
    return Response(406, answer.body, answer.content_type)


def lookup(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = read_body(request, _LOOKUP_FIELDS)
    _authorise(app, principal, "read")
    errors = Errors()
    for name in ("issuer", "metadata_url"):
        errors.regex(name, RE_URI, body.get(name))
    if errors:
        raise invalid(errors)
    url = body.get("metadata_url")
    if url is None:
        issuer = body.get("issuer")
        if issuer is None:
            raise bad_request("either `metadata_url` or `issuer` must be given")
        url = issuer + ("" if issuer.endswith("/") else "/") + ".well-known/openid-configuration"
    if not url.startswith(("http://", "https://")):
        url = "https://" + url
    return ok(_discover(url))


def _discover(url: str) -> dict[str, Any]:
    """Rauthy fetches the document itself, from the server."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        message = (
            f"HTTP {url} when trying provider config lookup to {exc.code} {exc.reason}: {text}"
        )
        raise ApiError(500, "Connection", message) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ApiError(500, "Connection", f"error sending request for url ({url}): {exc}") from None
    try:
        doc = json.loads(raw)
        known = {
            k: doc[k]
            for k in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint")
        }
        jwks = doc["jwks_uri"]
        scopes = list(doc["scopes_supported"])
        methods = list(doc["token_endpoint_auth_methods_supported"])
        challenges = list(doc.get("code_challenge_methods_supported") or [])
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request(
            f"The provider does not support the mandatory openid-configuration: {exc}"
        ) from None
    scope = "".join(f"{s} " for s in ("openid", "profile", "email") if s in scopes)
    return {
        **known,
        "jwks_endpoint": jwks,
        "scope": scope,
        "use_pkce": "S256" in challenges,
        "client_secret_basic": "client_secret_basic" in methods,
        "client_secret_post": "client_secret_post" in methods,
    }


def route(app: App, request: Request, principal: ApiKey | None, path: str) -> Response | None:
    if not (path == "/providers" or path.startswith("/providers/")):
        return None
    method = request.method
    parts = path.split("/")
    if path == "/providers" and method == "POST":
        return list_providers(app, principal)
    if path == "/providers/create" and method == "POST":
        return create(app, request, principal)
    if path == "/providers/lookup" and method == "POST":
        return lookup(app, request, principal)
    if len(parts) == 3 and parts[2] and parts[2] not in ("create", "lookup", "minimal"):
        provider_id = unquote(parts[2])
        if method == "PUT":
            return update(app, request, principal, provider_id)
        if method == "DELETE":
            return delete(app, principal, provider_id)
    if len(parts) == 4 and parts[3] == "delete_safe" and method == "GET":
        return delete_safe(app, principal, unquote(parts[2]))
    return None
