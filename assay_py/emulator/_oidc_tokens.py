"""Token sets as Rauthy builds them: the claims (and their order) of access, ID and refresh
tokens, each signed with the newest key of the algorithm Rauthy picks for it.

- access token: the client's ``access_token_alg``; ``sub`` is the user id, or ``null`` for
  ``client_credentials``; ``roles`` always for a user, ``email``/``groups`` by scope.
- ID token: the client's ``id_token_alg``; profile/email/groups claims by scope; ``at_hash``.
- refresh token: always EdDSA; usable from 60 s before the access token expires (Rauthy's
  ``nbf``), for 48 h after that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _oidc_jwt as jwt
from ._app import ApiError
from ._clients import Client, is_head
from ._keys import KeyStore
from ._oidc_state import OidcState, RefreshRecord, TestUser, random_alnum

REFRESH_LIFETIME_H = 48
REFRESH_GRACE_S = 5
_RESERVED = (
    "iss sub aud exp nbf iat jti auth_time nonce acr amr azp at_hash c_hash sid name given_name "
    "family_name middle_name nickname preferred_username profile picture website email "
    "email_verified gender birthdate zoneinfo locale phone_number phone_number_verified "
    "address updated_at typ scope did cnf allowed_origins roles groups custom webid"
)
RESERVED_ROOT_CLAIMS = frozenset(_RESERVED.split())
_AT_HASH = {"RS256": hashlib.sha256, "RS384": hashlib.sha384}


@dataclass
class Minter:
    keys: KeyStore
    issuer: str
    clock: Callable[[], float]
    state: OidcState
    version: str

    def _common(
        self, client: Client, now: int, exp: int, sub: str | None, typ: str, scope: str | None
    ) -> dict[str, Any]:
        aud: list[str] = [client.id]
        if is_head(self.version):
            aud += [a for a in client.default_aud or [] if a not in aud]
        claims: dict[str, Any] = {"iat": now, "nbf": now, "exp": exp, "iss": self.issuer}
        if typ == "Bearer":
            claims["jti"] = random_alnum(32)
        claims.update(aud=aud[0] if len(aud) == 1 else aud, sub=sub, typ=typ, azp=client.id)
        if scope is not None:
            claims["scope"] = scope
        return claims

    def access_token(
        self, client: Client, user: TestUser | None, scope: str, lifetime: int
    ) -> tuple[str, str]:
        """``(jti, token)``."""
        now = int(self.clock())
        sub = user.id if user is not None else None
        claims = self._common(client, now, now + lifetime, sub, "Bearer", scope)
        if user is not None:
            roles, groups = self.state.memberships(user.id)
            if "email" in scope:
                claims["email"] = user.email
                claims["email_verified"] = user.email_verified
            claims["roles"] = roles
            if "groups" in scope:
                claims["groups"] = groups
        elif is_head(self.version) and client.claims:
            _client_claims(claims, client.claims, client.claims_at_root)
        return claims["jti"], jwt.encode(claims, self.keys.latest(client.access_token_alg))

    def for_client(self, client: Client) -> dict[str, Any]:
        scope = " ".join(client.default_scopes)
        lifetime = client.access_token_lifetime
        _, token = self.access_token(client, None, scope, lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}

    def for_user(
        self,
        client: Client,
        user: TestUser,
        auth_time: int,
        nonce: str | None,
        scopes: str | None,
        sid: str | None,
    ) -> dict[str, Any]:
        scope = scopes if scopes is not None else " ".join(client.default_scopes)
        lifetime = abs(client.access_token_lifetime)
        jti, access = self.access_token(client, user, scope, lifetime)
        now = int(self.clock())
        claims = self._common(client, now, now + lifetime, user.id, "Id", scope)
        claims.update(amr=["pwd"], auth_time=auth_time, at_hash=_at_hash(access, client))
        if sid is not None:
            claims["sid"] = sid
        if "email" in scope:
            claims["email"] = user.email
            claims["email_verified"] = user.email_verified
        if "profile" in scope:
            # Rauthy's default `email_fallback` fills preferred_username with the e-mail.
            claims["preferred_username"] = user.preferred_username or user.email
            claims["given_name"] = user.given_name
            if user.family_name is not None:
                claims["family_name"] = user.family_name
            claims["locale"] = user.language
        if nonce is not None:
            claims["nonce"] = nonce
        roles, groups = self.state.memberships(user.id)
        claims["roles"] = roles
        if "groups" in scope:
            claims["groups"] = groups
        out: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "id_token": jwt.encode(claims, self.keys.latest(client.id_token_alg)),
            "expires_in": client.access_token_lifetime,
        }
        if "refresh_token" in client.flows_enabled:
            out["refresh_token"] = self._refresh_token(
                client, user, auth_time, lifetime, scopes, sid, jti
            )
        return out

    def _refresh_token(
        self,
        client: Client,
        user: TestUser,
        auth_time: int,
        access_lifetime: int,
        scopes: str | None,
        sid: str | None,
        access_jti: str,
    ) -> str:
        now = int(self.clock())
        nbf = now + access_lifetime - 60
        exp = nbf + 3600 * REFRESH_LIFETIME_H
        claims: dict[str, Any] = {
            "iat": now,
            "nbf": nbf,
            "exp": exp,
            "iss": self.issuer,
            "jti": random_alnum(8),
            "aud": client.id,
            "sub": None,
            "typ": "Refresh",
            "azp": client.id,
            "uid": user.id,
            "auth_time": auth_time,
        }
        token = jwt.encode(claims, self.keys.latest("EdDSA"))
        with self.state.lock:
            self.state.refresh[token[-49:]] = RefreshRecord(user.id, sid, scopes, exp, access_jti)
        return token


def _at_hash(access_token: str, client: Client) -> str:
    digest = _AT_HASH.get(client.access_token_alg, hashlib.sha512)(access_token.encode()).digest()
    return jwt.b64url(digest[: len(digest) // 2])


def _client_claims(claims: dict[str, Any], extra: dict[str, Any], at_root: bool) -> None:
    """HEAD: a client's own ``claims`` in its ``client_credentials`` tokens."""
    if not at_root:
        claims["custom"] = dict(extra)
        return
    clash = sorted(k for k in extra if k in RESERVED_ROOT_CLAIMS)
    if clash:
        raise ApiError(
            500,
            "Internal",
            f"Custom attribute(s) {clash} are configured for root emission (scope "
            "`claims_at_root`) but collide with reserved JWT claims. The token was not issued "
            "to avoid shadowing a registered claim. Disable `claims_at_root` for the affected "
            "scope or rename the attribute(s).",
        )
    claims.update(extra)
