"""``/oidc/userinfo``, ``/oidc/introspect`` and ``/oidc/logout``, with Rauthy's defaults
(``userinfo_strict`` on, introspection needs client auth, no token revocation on logout)."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from . import _oidc_rules as rules
from ._app import ApiError, Request, Response, _dumps
from ._clients import Client
from ._oidc_forms import URI, Checks, read_form, read_query
from ._oidc_jwt import JwtError, verify
from ._oidc_state import TestUser
from ._oidc_tokens import Minter
from ._state import Store

JSON = "application/json"
_LOGOUT_FIELDS = ("id_token_hint", "post_logout_redirect_uri", "state", "logout_token")
_LOGOUT_SKEW = 600


class WwwAuthError(ApiError):
    """Rauthy's ``WWWAuthenticate(reason)``: 401, the reason in ``www-authenticate`` and as
    the ``error`` object ``{"WWWAuthenticate": reason}``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(401, "WWWAuthenticate", message)
        self.reason = reason

    def response(self) -> Response:
        body = {
            "timestamp": int(time.time()),
            "error": {"WWWAuthenticate": self.reason},
            "message": self.message,
        }
        return Response(401, _dumps(body), JSON, [("www-authenticate", self.reason)])


def _as_api(err: JwtError) -> ApiError:
    return ApiError(err.status, err.error, err.message)


class Info:
    def __init__(self, store: Store, minter: Minter, public_url: str) -> None:
        self.store, self.minter, self.public_url = store, minter, public_url

    def _verify(self, token: str, typ: str, skew: int = 0) -> dict[str, Any]:
        m = self.minter
        try:
            return verify(token, m.keys, m.issuer, m.clock(), typ, skew)
        except JwtError as err:
            raise _as_api(err) from None

    def _revoked(self, claims: dict[str, Any]) -> bool:
        state = self.minter.state
        with state.lock:
            return claims.get("jti") in state.revoked

    # --- userinfo ------------------------------------------------------------------------

    def userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization")
        if header is None:
            raise ApiError(401, "Unauthorized", "Authorization header missing")
        scheme, space, token = header.partition(" ")
        if not space:
            raise ApiError(
                401, "Unauthorized", "Malformed Authorization Header. Could not extract token."
            )
        if scheme != "Bearer" or not token:
            raise ApiError(401, "Unauthorized", "No bearer token given")
        claims = self._verify(token, "Bearer")
        if claims.get("sub") is None:
            raise ApiError(400, "BadRequest", "Not a user token")
        if self._revoked(claims):
            raise WwwAuthError("token-revoked", "The token has been revoked")
        scope = str(claims.get("scope") or "openid")
        user = self.minter.state.user_by_id(str(claims["sub"]))
        if user is None:
            raise WwwAuthError("user-not-found", "The user has not been found")
        if not user.enabled:
            raise WwwAuthError("user-disabled", "The user has been disabled")
        try:
            client = rules.find_client(self.store, str(claims["azp"]))
        except ApiError:
            raise WwwAuthError("client-not-found", "The client has not been found") from None
        if not client.enabled:
            raise WwwAuthError("client-disabled", "The client has been disabled")
        headers = rules.origin(client, request, self.public_url)
        if headers:
            headers += [
                ("access-control-allow-methods", request.method),
                ("access-control-allow-headers", "Authorization"),
            ]
        roles, groups = self.minter.state.memberships(user.id)
        return Response(200, _dumps(_userinfo(user, scope, roles, groups)), JSON, headers)

    # --- introspection -------------------------------------------------------------------

    def introspect(self, request: Request) -> Response:
        form = read_form(request, ("token",), ("token",))
        checks = Checks(form)
        checks.regex("token", URI)
        checks.raise_if_any()
        try:
            claims = self._verify(form["token"], "Bearer")
        except ApiError:
            return Response(200, b'{"active":false}', JSON)
        if self._revoked(claims):
            raise ApiError(401, "Unauthorized", "token was revoked")
        if not claims.get("aud"):
            return Response(200, b'{"active":false}', JSON)
        info: dict[str, Any] = {"active": True}
        if claims.get("sub") is not None:
            info["sub"] = claims["sub"]
        if "scope" in claims:
            info["scope"] = claims["scope"]
        info.update(
            client_id=claims["azp"],
            aud=claims["aud"],
            iat=claims["iat"],
            nbf=claims["nbf"],
            exp=claims["exp"],
        )
        client = self._introspect_auth(request, str(claims["azp"]))
        headers = rules.origin(client, request, self.public_url)
        if headers:
            headers += [
                ("access-control-allow-methods", "POST"),
                ("access-control-allow-headers", "Authorization"),
            ]
        return Response(200, _dumps(info), JSON, headers)

    def _enabled_client(self, client_id: str) -> Client:
        try:
            client = rules.find_client(self.store, client_id)
        except ApiError:
            raise WwwAuthError("client-not-found", "client does not exist anymore") from None
        if not client.enabled:
            raise WwwAuthError("client-disabled", "client has been disabled")
        return client

    def _introspect_auth(self, request: Request, client_id: str) -> Client:
        """The caller proves itself with a Bearer token or the Basic secret of any client."""
        token_client = self._enabled_client(client_id)
        header = request.headers.get("authorization")
        if header is None:
            raise WwwAuthError("authorization-header-missing", "Authorization header is missing")
        if header.startswith("Bearer "):
            caller = self._verify(header[len("Bearer ") :], "Bearer")
            azp = str(caller["azp"])
            return token_client if azp == token_client.id else self._enabled_client(azp)
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[len("Basic ") :], validate=True)
            except binascii.Error:
                raise ApiError(400, "BadRequest", "Bad Authorization header") from None
            caller_id, colon, secret = decoded.decode("utf-8", "replace").partition(":")
            if not colon:
                raise WwwAuthError(
                    "invalid-authorization-header",
                    "invalid Authorization header: cannot split into client_id:client_secret",
                )
            caller_client = (
                token_client if caller_id == token_client.id else self._enabled_client(caller_id)
            )
            rules.secret(caller_client, secret, self.minter.clock())
            return caller_client
        raise WwwAuthError("invalid-authorization-header", "invalid AUTHORIZATION header")

    # --- end session ---------------------------------------------------------------------

    def logout(self, request: Request) -> Response:
        if request.method == "GET":
            params = read_query(request, _LOGOUT_FIELDS, ())
        else:
            params = read_form(request, _LOGOUT_FIELDS, ())
        checks = Checks(params)
        checks.regex("id_token_hint", URI)
        checks.regex("post_logout_redirect_uri", URI)
        checks.max_len("state", 2048)
        checks.regex("logout_token", URI)
        checks.raise_if_any()
        if "id_token_hint" not in params:
            if request.method == "GET":
                # No session cookie in the emulator: Rauthy sends such a browser home.
                return Response(302, headers=[("location", "/auth/v1/")])
            if "logout_token" in params:
                raise ApiError(400, "BadRequest", "backchannel logout tokens are not emulated")
            raise ApiError(
                400,
                "BadRequest",
                "need at least one of `id_token_hint`, `logout_token`, or a valid session",
            )
        return self._end_session(request, params)

    def _end_session(self, request: Request, params: dict[str, str]) -> Response:
        backchannel = "logout_token" in params or "sec-fetch-site" not in request.headers
        claims = self._verify(params["id_token_hint"], "Id", _LOGOUT_SKEW)
        client = rules.find_client(self.store, str(claims["azp"]))
        cors = rules.origin(client, request, self.public_url)
        redirect = params.get("post_logout_redirect_uri")
        if redirect is not None:
            rules.post_logout_redirect_uri(client, redirect)
        state = self.minter.state
        sid, sub = claims.get("sid"), claims.get("sub")
        with state.lock:
            user_id = state.sessions.pop(str(sid), None) if sid is not None else None
            if user_id is None and sub is None:
                raise ApiError(400, "BadRequest", "neither Session nor User found")
            user_id = user_id or str(sub)
            for other in [s for s, u in state.sessions.items() if u == user_id]:
                del state.sessions[other]
        if backchannel:
            return Response(200)
        location = (redirect or self.minter.issuer) + (
            f"?state={params['state']}" if "state" in params else ""
        )
        headers = [("location", location)]
        if cors:
            headers += [*cors, ("access-control-allow-methods", "POST")]
        return Response(302, headers=headers)


def _userinfo(user: TestUser, scope: str, roles: list[str], groups: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": user.id,
        "sub": user.id,
        "name": user.name,
        "roles": roles,
        "mfa_enabled": False,
    }
    if "email" in scope:
        info["email"] = user.email
        info["email_verified"] = user.email_verified
    if "groups" in scope:
        info["groups"] = groups
    if "profile" in scope:
        if user.preferred_username is not None:
            info["preferred_username"] = user.preferred_username
        info["given_name"] = user.given_name
        if user.family_name is not None:
            info["family_name"] = user.family_name
        info["locale"] = user.language
    return info
