"""``RauthyEmulator``: the public face (context manager, start/stop, assertions helpers)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from ._app import App
from ._clients import to_response
from ._clock import Clock
from ._faults import Faults
from ._request_log import DEFAULT_MAXLEN, RequestLog, RequestRecord
from ._server import EmulatorServer
from ._state import Store, full_access, make_api_key

DEFAULT_KEY_NAME = "ansible"


class RauthyEmulator:
    """A Rauthy admin API on ``http://127.0.0.1:<port>/auth/v1``.

    ``version`` is ``"0.35.2"`` (the release, default) or ``"0.36"`` (the nightly). ``api_key``
    is a full token ``name$secret``; without one, a key named ``ansible`` with every group and
    right is made (or reused from ``state_file``). ``requests`` keeps the last
    ``request_log_size`` requests (2,000 by default) so that a long run stays the same size;
    ``request_count`` counts every request.

    ``clock`` is what every expiry reads (a ``Clock``: wall time that tests move with
    ``emu.clock.advance(seconds)``; pass one to share it between emulators). Sign-in:
    ``add_user(..., password=...)``, ``token``, ``login`` (docs/oidc-emulation.md).
    """

    def __init__(
        self,
        port: int = 0,
        api_key: str | None = None,
        version: str = "0.35.2",
        state_file: str | os.PathLike[str] | None = None,
        request_log_size: int = DEFAULT_MAXLEN,
        clock: Clock | None = None,
    ) -> None:
        if not (version == "0.35.2" or version.startswith("0.36")):
            raise ValueError("version: must be '0.35.2' or '0.36'")
        self.version = version
        self.faults = Faults()
        self._log = RequestLog(request_log_size)
        self._server = EmulatorServer(port, self.faults, self._log)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/auth/v1"
        self._store = Store(f"http://127.0.0.1:{self.port}", state_file)
        self.clock = clock if clock is not None else Clock()
        self._server.app = App(self._store, version, self.url + "/", self.clock)
        self._key_name = self._install_default_key(api_key)
        self._thread: threading.Thread | None = None

    def _install_default_key(self, api_key: str | None) -> str:
        if api_key is not None:
            name, dollar, secret = api_key.partition("$")
            if not dollar:
                raise ValueError("api_key: must be 'NAME$SECRET'")
            key = make_api_key(name, full_access(), secret=secret)
        elif DEFAULT_KEY_NAME in self._store.api_keys:
            return DEFAULT_KEY_NAME
        else:
            key = make_api_key(DEFAULT_KEY_NAME, full_access())
        with self._store.lock:
            self._store.api_keys[key.name] = key
            self._store.changed()
        self._store.persist()
        return key.name

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> RauthyEmulator:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"rauthy-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def prepare_keys(self) -> None:
        """Build the JWKS signing keys now instead of on first use (a fraction of a second).

        The first generation is shared by every emulator in the process; a long-running
        emulator calls this from an idle thread so its first JWKS request answers at once.
        """
        assert self._server.app is not None
        self._server.app.keys.jwks()

    def rotate_keys(self) -> None:
        """``POST /oidc/rotate_jwk`` without the HTTP: new keys sign, old ones stay published."""
        assert self._server.app is not None
        self._server.app.keys.rotate()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> RauthyEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RauthyEmulator(url={self.url!r}, version={self.version!r})"

    # --- keys ----------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The full token ``name$secret`` of the emulator's own key."""
        return f"{self._key_name}${self.api_key_secret}"

    @property
    def api_key_secret(self) -> str:
        with self._store.lock:
            return self._store.api_keys[self._key_name].secret

    def add_api_key(
        self,
        name: str,
        access: Mapping[str, Sequence[str]] | None = None,
        expires: float | None = None,
        secret: str | None = None,
    ) -> str:
        """Add (or replace) a key; ``expires`` is unix seconds. Returns the token."""
        if access is None:
            access = {"Clients": ["read", "create", "update", "delete"], "Secrets": ["read"]}
        key = make_api_key(name, access, expires, secret)
        with self._store.lock:
            self._store.api_keys[key.name] = key
            self._store.changed()
        self._store.persist()
        return f"{key.name}${key.secret}"

    # --- assertions ----------------------------------------------------------------------

    def client_secret(self, client_id: str) -> str | None:
        with self._store.lock:
            client = self._store.clients.get(client_id)
            return None if client is None else client.secret

    def valid_client_secrets(self, client_id: str) -> list[str]:
        """The live secret first, then rotated ones still cached (``cache_current_hours``)."""
        now = self.clock()
        with self._store.lock:
            client = self._store.clients.get(client_id)
            if client is None or client.secret is None:
                return []
            cached = [s for s, until in client.cached_secrets if until > now]
            return [client.secret, *cached]

    def get_client(self, client_id: str) -> dict[str, Any] | None:
        with self._store.lock:
            client = self._store.clients.get(client_id)
            return None if client is None else to_response(client, self.version, True)

    # --- sign-in -------------------------------------------------------------------------

    def token(
        self,
        client_id: str,
        secret: str,
        scopes: Sequence[str] | None = None,
        auth: str = "post",
    ) -> dict[str, Any]:
        """A ``client_credentials`` grant over HTTP; the token set, or ``OidcFlowError``."""
        from ._oidc_client import token

        return token(self.url, client_id, secret, scopes, auth)

    def login(
        self,
        client_id: str,
        email: str,
        password: str | None = None,
        redirect_uri: str | None = None,
        pkce: str | None = "auto",
        scopes: Sequence[str] | None = None,
        nonce: str | None = None,
        state: str | None = None,
    ) -> dict[str, Any]:
        """A browserless ``authorization_code`` login of a test user; the token set.

        ``redirect_uri`` defaults to the client's first; ``pkce="auto"`` uses ``S256`` when the
        client allows it, else ``plain``, and none for a client without ``challenges``; a
        confidential client's secret is sent for it.
        """
        from ._oidc_client import login

        assert self._server.app is not None
        if password is None:
            known = self._server.app.oidc.state.user_by_email(email)
            if known is None:
                raise ValueError(f"user: no test user {email!r}; add it with add_user()")
            password = known.password
        with self._store.lock:
            client = self._store.clients.get(client_id)
            if client is None:
                raise ValueError(f"client_id: no client {client_id!r}")
            challenges, secret = client.challenges, client.secret
            uris = list(client.redirect_uris)
        if pkce == "auto":
            pkce = None if challenges is None else ("S256" if "S256" in challenges else "plain")
        if redirect_uri is None:
            if not uris:
                raise ValueError(f"redirect_uri: client {client_id!r} has none registered")
            redirect_uri = uris[0]
        return login(
            self.url, client_id, email, password, secret, redirect_uri, pkce, scopes, nonce, state
        )

    @property
    def requests(self) -> list[RequestRecord]:
        """The most recent requests (at most ``request_log_size``), oldest first."""
        return self._log.snapshot()

    def request_count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """Every request seen since start or ``reset``, filtered; ``path_prefix`` may include
        ``/auth/v1`` or not. Exact however many requests the log itself has let go."""
        return self._log.count(method, path_prefix)

    def connections_opened(self) -> int:
        """TCP connections accepted since start: how well a client reuses its pool."""
        with self._server.connections_lock:
            return self._server.connections_opened

    def handler_stats(self) -> tuple[int, float]:
        """``(requests handled, seconds spent server-side)`` since start, for benchmarks."""
        with self._server.stats_lock:
            return self._server.handled, self._server.handler_seconds

    def add_user(
        self,
        email: str,
        roles: Sequence[str] = (),
        groups: Sequence[str] = (),
        *,
        password: str | None = None,
        given_name: str = "Test",
        family_name: str | None = "User",
        **extra: Any,
    ) -> str:
        """Seed a user holding ``roles``/``groups`` (stored comma-joined, as Rauthy does); its id.

        The row is the one the ``/users`` routes serve (seeded directly: no mail is recorded);
        with a ``password`` it can sign in (``login``, the password grant): its tokens carry
        the row's roles and groups as they are at issue time.
        """
        import time

        from ._named import User, new_id

        user = User(
            new_id(),
            email.lower(),
            ",".join(roles),
            ",".join(groups) or None,
            given_name=given_name or None,
            family_name=family_name,
            created_at=int(time.time()),
            password_set=password is not None,
        )
        with self._store.lock:
            self._store.kinds.users.append(user)
            self._store.changed()
        self._store.persist()
        if password is not None:
            from ._oidc_state import TestUser

            login = TestUser(
                email=email,
                password=password,
                given_name=given_name,
                family_name=family_name,
                id=user.id,
                **extra,
            )
            assert self._server.app is not None
            self._server.app.oidc.state.add_user(login)
        return user.id

    @property
    def mails(self) -> list[dict[str, Any]]:
        """What Rauthy would have e-mailed, oldest first: ``{to, template, link}``."""
        with self._store.lock:
            return [dict(m) for m in self._store.kinds.mails]

    def user_attrs(self, email: str) -> dict[str, Any] | None:
        """A user's stored attribute values, or None when there is no such user."""
        with self._store.lock:
            for user in self._store.kinds.users:
                if user.email == email.lower():
                    return dict(user.attrs)
        return None

    @property
    def password_policy(self) -> dict[str, Any]:
        """The stored password policy (an API key cannot read it over HTTP)."""
        with self._store.lock:
            return dict(self._store.kinds.password_policy)

    def user_memberships(self, email: str) -> dict[str, list[str]] | None:
        """``{"roles": [...], "groups": [...]}`` as Rauthy would read the user's CSV back."""
        with self._store.lock:
            for user in self._store.kinds.users:
                if user.email == email.lower():
                    return {
                        "roles": [r for r in user.roles.split(",") if r],
                        "groups": [g for g in (user.groups or "").split(",") if g],
                    }
        return None

    def stored_scope(self, name: str) -> dict[str, Any] | None:
        """The stored scope row (mappings as Rauthy's CSV), or None."""
        import dataclasses

        with self._store.lock:
            for scope in self._store.kinds.scopes:
                if scope.name == name:
                    return dataclasses.asdict(scope)
        return None

    def stored_logo(self, client_id: str) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of the client's own logo as stored (and served), or None."""
        import base64

        with self._store.lock:
            found = self._store.kinds.logos.get(client_id)
        return (found["content_type"], base64.b64decode(found["data"])) if found else None

    def stored_theme(self, client_id: str) -> dict[str, Any] | None:
        """The client's own theme, or None (Rauthy's default applies)."""
        import copy

        with self._store.lock:
            return copy.deepcopy(self._store.kinds.themes.get(client_id))

    @property
    def blacklist(self) -> dict[str, int]:
        """Every stored block: ``{ip: end in unix seconds}`` (ended ones included)."""
        with self._store.lock:
            return dict(self._store.kinds.blacklist)

    def block(self, ip: str, until: int) -> None:
        """Blacklist ``ip`` without a request (as Rauthy's own brute-force detection does)."""
        with self._store.lock:
            self._store.kinds.blacklist[ip] = int(until)
            self._store.changed()
        self._store.persist()

    def stored_providers(self) -> list[dict[str, Any]]:
        """Every stored upstream provider as ``POST /providers`` serves it (secret in clear,
        scope ``+``-joined), in insertion order."""
        from ._providers import response

        with self._store.lock:
            return [response(p) for p in self._store.kinds.providers]

    def link_user(self, email: str, provider_name: str) -> None:
        """Link a seeded user to the first provider called ``provider_name`` (as a sign-in
        through it would)."""
        with self._store.lock:
            provider = next(
                p for p in self._store.kinds.providers if p.fields["name"] == provider_name
            )
            user = next(u for u in self._store.kinds.users if u.email == email.lower())
            user.auth_provider_id = provider.id
            self._store.changed()
        self._store.persist()

    def reset(self) -> None:
        """Fresh state (only the ``rauthy`` client, no users, codes or tokens); faults and
        log cleared; API keys and signing keys kept."""
        with self._store.lock:
            self._store.reset_clients()
            self._store.reset_kinds()
            self._store.changed()
        self._store.persist()
        assert self._server.app is not None
        self._server.app.oidc.state.clear()
        self.faults.clear()
        self._log.clear()
