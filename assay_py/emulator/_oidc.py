"""The OIDC endpoints of one emulator, wired together: ``App`` hands them every
``/auth/v1/oidc/...`` request it does not answer itself (JWKS and key rotation are in _app)."""

from __future__ import annotations

from collections.abc import Callable

from ._app import Request, Response
from ._keys import KeyStore
from ._oidc_info import Info
from ._oidc_login import Authorize
from ._oidc_revoke import Revoke
from ._oidc_state import OidcState
from ._oidc_token import TokenEndpoint
from ._oidc_tokens import Minter
from ._state import Store


class Oidc:
    def __init__(
        self,
        store: Store,
        keys: KeyStore,
        issuer: str,
        clock: Callable[[], float],
        version: str,
    ) -> None:
        self.state = OidcState(store)
        self.minter = Minter(keys, issuer, clock, self.state, version)
        public = store.public_url
        self._token = TokenEndpoint(store, self.minter, public)
        self._authorize = Authorize(store, self.state, clock, public)
        self._info = Info(store, self.minter, public)
        self._revoke = Revoke(store, self.minter, public)
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/oidc/authorize"): self._authorize.get,
            ("POST", "/oidc/authorize"): self._authorize.post,
            ("POST", "/oidc/token"): self._token.handle,
            ("POST", "/oidc/token/revoke"): self._revoke.handle,
            ("GET", "/oidc/userinfo"): self._info.userinfo,
            ("POST", "/oidc/userinfo"): self._info.userinfo,
            ("POST", "/oidc/introspect"): self._info.introspect,
            ("GET", "/oidc/logout"): self._info.logout,
            ("POST", "/oidc/logout"): self._info.logout,
        }

    def handle(self, request: Request, route: str) -> Response:
        return self._routes[(request.method, route)](request)
