"""``POST /oidc/token``: the four grants Rauthy answers here, each with its checks in
Rauthy's order (``src/service/src/oidc/grant_types/*.rs``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any

from . import _oidc_rules as rules
from ._app import ApiError, Request, Response, _dumps
from ._clients import Client
from ._oidc_forms import ALNUM, CLIENT_ID, CODE_VERIFIER, GRANT_TYPES, URI, Checks, read_form
from ._oidc_jwt import JwtError, b64url, verify
from ._oidc_state import TestUser
from ._oidc_tokens import REFRESH_GRACE_S, Minter
from ._state import Store

_FIELDS = (
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "code_verifier",
    "device_code",
    "username",
    "password",
    "refresh_token",
    "resource",
)
JSON = "application/json"


def read_token_request(request: Request) -> dict[str, str]:
    form = read_form(request, _FIELDS, ("grant_type",))
    checks = Checks(form)
    checks.regex("grant_type", GRANT_TYPES)
    checks.regex("code", ALNUM)
    checks.regex("redirect_uri", URI)
    checks.regex("client_id", CLIENT_ID)
    checks.regex("client_secret", ALNUM)
    checks.regex("code_verifier", CODE_VERIFIER)
    checks.max_len("device_code", 256)
    checks.email("username")
    checks.max_len("password", 256)
    checks.regex("refresh_token", URI)
    checks.regex("resource", URI)
    checks.raise_if_any()
    return form


def client_credentials_from(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """``Authorization: <any> base64(id:secret)`` wins over the body's fields, as in Rauthy."""
    header = request.headers.get("authorization")
    if header is None:
        return form.get("client_id", ""), form.get("client_secret")
    _, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "BadRequest", "Bad Authorization header") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise ApiError(400, "BadRequest", "Bad Authorization header")
    return client_id, secret


class TokenEndpoint:
    def __init__(self, store: Store, minter: Minter, public_url: str) -> None:
        self.store = store
        self.minter = minter
        self.public_url = public_url
        self._grants: dict[str, Callable[[Request, dict[str, str]], Response]] = {
            "client_credentials": self._client_credentials,
            "authorization_code": self._authorization_code,
            "refresh_token": self._refresh_token,
            "password": self._password,
        }

    @property
    def now(self) -> float:
        return self.minter.clock()

    def handle(self, request: Request) -> Response:
        form = read_token_request(request)
        grant = form["grant_type"]
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            raise ApiError(400, "BadRequest", "the device_code grant is not emulated")
        return self._grants[grant](request, form)

    def _ok(self, token_set: dict[str, Any], headers: list[tuple[str, str]]) -> Response:
        return Response(200, _dumps(token_set), JSON, headers)

    def _cors(self, client: Client, request: Request) -> list[tuple[str, str]]:
        headers = rules.origin(client, request, self.public_url)
        if headers:
            headers += [
                ("access-control-allow-methods", "POST"),
                ("access-control-allow-credentials", "true"),
            ]
        return headers

    def _confidential_secret(
        self, client: Client, secret: str | None, missing: str = "'client_secret' is missing"
    ) -> None:
        if client.confidential:
            if secret is None:
                raise ApiError(400, "BadRequest", missing)
            rules.secret(client, secret, self.now)

    # --- grants --------------------------------------------------------------------------

    def _client_credentials(self, request: Request, form: dict[str, str]) -> Response:
        # Rauthy wants `client_secret` in the body even when the header carries the secret.
        if "client_secret" not in form:
            raise ApiError(400, "BadRequest", "'client_secret' is missing")
        client_id, secret = client_credentials_from(request, form)
        client = rules.find_client(self.store, client_id)
        rules.enabled(client)
        if not client.confidential:
            raise ApiError(
                400,
                "BadRequest",
                "'client_credentials' flow is allowed for confidential clients only",
            )
        if secret is None:
            raise ApiError(400, "BadRequest", "'client_secret' is missing")
        rules.secret(client, secret, self.now)
        rules.flow(client, "client_credentials")
        rules.origin(client, request, self.public_url)  # checked, but never echoed here
        return self._ok(self.minter.for_client(client), [])

    def _authorization_code(self, request: Request, form: dict[str, str]) -> Response:
        code_id, redirect_uri = form.get("code"), form.get("redirect_uri")
        if code_id is None:
            raise ApiError(400, "BadRequest", "'code' is missing")
        if redirect_uri is None:
            raise ApiError(400, "BadRequest", "'redirect_uri' is missing")
        client_id, secret = client_credentials_from(request, form)
        client = rules.find_client(self.store, client_id, f"Client '{client_id}' not found")
        rules.enabled(client)
        headers = self._cors(client, request)
        self._confidential_secret(client, secret)
        rules.flow(client, "authorization_code")
        rules.redirect_uri(client, redirect_uri)
        state = self.minter.state
        with state.lock:
            code = state.codes.get(code_id)
        if code is None:
            raise ApiError(401, "Unauthorized", "'auth_code' could not be found inside the cache")
        if code.client_id != client_id:
            raise ApiError(401, "Unauthorized", f"Wrong 'code' for client_id '{client_id}'")
        if code.exp < int(self.now):
            raise ApiError(401, "SessionExpired", "The Authorization Code has expired")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if verifier is None:
                raise ApiError(400, "BadRequest", "'code_verifier' is missing")
            if code.challenge_method == "plain":
                matches = verifier == code.challenge
            else:
                matches = b64url(hashlib.sha256(verifier.encode()).digest()) == code.challenge
            if not matches:
                raise ApiError(401, "Unauthorized", "'code_verifier' does not match the challenge")
        user = self._user(code.user_id)
        token_set = self.minter.for_user(
            client, user, int(self.now), code.nonce, " ".join(code.scopes), code.session_id
        )
        with state.lock:
            state.codes.pop(code_id, None)
        return self._ok(token_set, headers)

    def _refresh_token(self, request: Request, form: dict[str, str]) -> Response:
        token = form.get("refresh_token")
        if token is None:
            raise ApiError(400, "BadRequest", "'refresh_token' is missing")
        client_id, secret = client_credentials_from(request, form)
        client = rules.find_client(self.store, client_id)
        rules.enabled(client)
        headers = self._cors(client, request)
        self._confidential_secret(client, secret)
        rules.flow(client, "refresh_token")
        try:
            claims = verify(token, self.minter.keys, self.minter.issuer, self.now, "Refresh")
        except JwtError as err:
            raise ApiError(err.status, err.error, err.message) from None
        user = self._user(str(claims["uid"]))
        _check_user(user)
        rules.user_groups(client, self.minter.state.memberships(user.id)[1])
        now = int(self.now)
        state = self.minter.state
        with state.lock:
            record = state.refresh.get(token[-49:])
            if record is None or record.exp <= now:
                raise ApiError(404, "NotFound", "Refresh Token does not exist")
            # A used refresh token lives on for a short grace, then is gone.
            record.exp = min(record.exp, now + REFRESH_GRACE_S)
        auth_time = int(claims.get("auth_time") or now)
        token_set = self.minter.for_user(client, user, auth_time, None, record.scope, None)
        return self._ok(token_set, headers)

    def _password(self, request: Request, form: dict[str, str]) -> Response:
        email, password = form.get("username"), form.get("password")
        if email is None:
            raise ApiError(400, "BadRequest", "Missing 'username'")
        if password is None:
            raise ApiError(400, "BadRequest", "Missing 'password")  # sic: Rauthy's text
        client_id, secret = client_credentials_from(request, form)
        client = rules.find_client(self.store, client_id)
        rules.enabled(client)
        headers = self._cors(client, request)
        self._confidential_secret(client, secret, "Missing 'client_secret'")
        rules.flow(client, "password")
        user = self.minter.state.user_by_email(email)
        if user is None:
            raise ApiError(404, "NotFound", "no rows returned")
        _check_user(user)
        if not user.password_matches(password):
            raise ApiError(401, "Unauthorized", "Invalid user credentials")
        rules.user_groups(client, self.minter.state.memberships(user.id)[1])
        token_set = self.minter.for_user(client, user, int(self.now), None, None, None)
        return self._ok(token_set, headers)

    def _user(self, user_id: str) -> TestUser:
        user = self.minter.state.user_by_id(user_id)
        if user is None:
            raise ApiError(404, "NotFound", "no rows returned")
        return user


def _check_user(user: TestUser) -> None:
    if not user.enabled:
        raise ApiError(401, "Disabled", "User is not enabled")
