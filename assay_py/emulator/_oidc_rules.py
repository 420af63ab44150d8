"""The client rules Rauthy checks on the OIDC endpoints, each with its status and message.

Each takes a snapshot of the stored client (``Client``) and raises ``ApiError``; the order in
which a handler calls them is Rauthy's order for that endpoint.
"""

from __future__ import annotations

import dataclasses
import hmac

from ._app import ApiError, Request
from ._clients import Client
from ._state import Store

SECRET_LEN = 64


def find_client(store: Store, client_id: str, missing: str = "no rows returned") -> Client:
    with store.lock:
        client = store.clients.get(client_id)
        if client is None:
            raise ApiError(404, "NotFound", missing)
        return dataclasses.replace(
            client,
            redirect_uris=list(client.redirect_uris),
            cached_secrets=list(client.cached_secrets),
        )


def enabled(client: Client) -> None:
    if not client.enabled:
        raise ApiError(400, "BadRequest", "client is disabled")


def flow(client: Client, name: str) -> None:
    if name not in client.flows_enabled:
        raise ApiError(400, "BadRequest", f"'{name}' flow is not allowed for this client")


def secret(client: Client, given: str, now: float) -> None:
    """The live secret, or a rotated one still inside its ``cache_current_hours`` grace."""
    if not client.confidential or client.secret is None:
        raise ApiError(500, "Internal", "Cannot validate 'client_secret' for public client")
    if len(given) != SECRET_LEN:
        raise ApiError(401, "Unauthorized", "Invalid 'client_secret'")
    if hmac.compare_digest(given.encode(), client.secret.encode()):
        return
    for cached, until in client.cached_secrets:
        if until > now and hmac.compare_digest(given.encode(), cached.encode()):
            return
    raise ApiError(401, "Unauthorized", "Invalid 'client_secret'")


def _uri_allowed(registered: list[str], uri: str) -> bool:
    return any(
        (r.endswith("*") and uri.startswith(r.split("*", 1)[0])) or r == uri for r in registered
    )


def redirect_uri(client: Client, uri: str) -> None:
    if not _uri_allowed(client.redirect_uris, uri):
        raise ApiError(400, "BadRequest", "Invalid redirect uri")


def post_logout_redirect_uri(client: Client, uri: str) -> None:
    if not _uri_allowed(client.post_logout_redirect_uris or [], uri):
        raise ApiError(400, "BadRequest", "Invalid post_logout_redirect_uri")


def origin(client: Client, request: Request, public_url: str) -> list[tuple[str, str]]:
    """An ``Origin`` other than Rauthy's own must be in ``allowed_origins``; then it is echoed
    in ``access-control-allow-origin``."""
    given = request.headers.get("origin")
    if given is None or given == public_url:
        return []
    if given not in (client.allowed_origins or []):
        raise ApiError(
            400, "BadRequest", f"Coming from an external Origin '{given}' which is not allowed"
        )
    return [("access-control-allow-origin", given)]


def challenge_at_authorize(client: Client, challenge: str | None, method: str | None) -> None:
    """``GET /oidc/authorize``: a client with ``challenges`` needs a challenge; a missing
    method means ``plain`` (the OAuth default), which then must be allowed."""
    if client.challenges is None:
        return
    if challenge is None:
        raise ApiError(400, "BadRequest", "'code_challenge' is missing")
    method = method or "plain"
    if method not in client.challenges:
        raise ApiError(400, "BadRequest", f"code_challenge_method '{method}' is not allowed")


def challenge_at_login(client: Client, challenge: str | None, method: str | None) -> None:
    """The login (``POST /oidc/authorize``) needs the method spelled out."""
    if client.challenges is not None:
        if challenge is None:
            raise ApiError(400, "BadRequest", "'code_challenge' is missing")
        if method is None:
            raise ApiError(400, "BadRequest", "'code_challenge_method' is missing")
        if method not in client.challenges:
            raise ApiError(400, "BadRequest", f"code_challenge_method '{method}' is not allowed")
    elif challenge is not None or method is not None:
        raise ApiError(400, "BadRequest", "'code_challenge' not enabled for this client")


def user_groups(client: Client, groups: list[str]) -> None:
    prefix = client.restrict_group_prefix
    if prefix is not None and not any(g.startswith(prefix) for g in groups):
        raise ApiError(
            403,
            "Forbidden",
            "You don't have access to this client, please contact your Administrator",
        )


def login_scopes(client: Client, requested: list[str] | None) -> list[str]:
    """Rauthy's ``sanitize_login_scopes``: default scopes always, then requested ones the
    client allows; without a request, the default scopes."""
    if requested is None:
        return list(client.default_scopes)
    out = list(client.default_scopes)
    for scope in requested:
        if scope not in client.default_scopes and scope in client.scopes:
            out.append(scope)
    return out
