"""``POST /oidc/token/revoke`` (RFC 7009) as Rauthy answers it
(``src/service/src/oidc/token_revocation.rs``): the client authenticates, the token must be
its own; an access token's ``jti`` is revoked (userinfo and introspection refuse it after),
a refresh token is deleted together with the access token issued beside it."""

from __future__ import annotations

import base64
import binascii

from . import _oidc_rules as rules
from ._app import ApiError, Request, Response
from ._oidc_forms import read_form
from ._oidc_jwt import JwtError, verify
from ._oidc_tokens import Minter
from ._state import Store

_FIELDS = ("token", "token_type_hint", "client_id", "client_secret")
_SKEW = 10


class Revoke:
    def __init__(self, store: Store, minter: Minter, public_url: str) -> None:
        self.store, self.minter, self.public_url = store, minter, public_url

    def _caller(self, request: Request, form: dict[str, str]) -> tuple[str, str]:
        header = request.headers.get("authorization")
        if header is not None:
            if not header.startswith("Basic "):
                raise ApiError(401, "Unauthorized", "unexpected AUTHORIZATION header")
            try:
                decoded = base64.b64decode(header[len("Basic ") :], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise ApiError(400, "BadRequest", "Bad Authorization header") from None
            client_id, colon, secret = decoded.partition(":")
            if not colon:
                raise ApiError(401, "Unauthorized", "Bad Authorization header")
            return client_id, secret
        if "client_id" in form:
            return form["client_id"], form.get("client_secret", "")
        raise ApiError(401, "Unauthorized", "client_id neither in Authorization header nor in body")

    def handle(self, request: Request) -> Response:
        form = read_form(request, _FIELDS, ("token",))
        client_id, secret = self._caller(request, form)
        client = rules.find_client(self.store, client_id)
        cors = rules.origin(client, request, self.public_url)
        if client.confidential:
            rules.secret(client, secret, self.minter.clock())
        refresh = form.get("token_type_hint") == "refresh_token"
        token = form["token"]
        m = self.minter
        typ = "Refresh" if refresh else "Bearer"
        try:
            claims = verify(token, m.keys, m.issuer, m.clock(), typ, _SKEW)
        except JwtError as err:
            raise ApiError(err.status, err.error, err.message) from None
        if claims.get("azp") != client.id:
            raise ApiError(403, "Forbidden", "mismatch in aud / azp - client_id")
        state = m.state
        with state.lock:
            if refresh:
                record = state.refresh.pop(token[-49:], None)
                if record is not None and record.access_jti is not None:
                    state.revoked.add(record.access_jti)
            elif claims.get("jti") is not None:
                jti = str(claims["jti"])
                state.revoked.add(jti)
                for key in [k for k, r in state.refresh.items() if r.access_jti == jti]:
                    del state.refresh[key]
        headers = []
        if cors:
            headers = [
                *cors,
                ("access-control-allow-methods", "POST"),
                ("access-control-allow-headers", "authorization, content-type"),
            ]
        return Response(200, headers=headers)
