"""``/oidc/authorize``: the start of the ``authorization_code`` flow, and the emulator's
non-interactive login.

``GET /oidc/authorize`` checks the request's parameters against the client as Rauthy does
(client, origin, enabled, redirect URI, PKCE) and answers an HTML page, or an HTML error with
the status Rauthy uses. ``POST /oidc/authorize`` takes Rauthy's ``LoginRequest`` JSON and, for a
test user with the right password, answers 202 with ``Location: <redirect_uri>?code=...``.

Where the emulator is simpler than Rauthy: no session cookie, CSRF token or proof of work is
needed for the POST (``pow`` may be sent and is ignored), and users have no passkeys, so a client
with ``force_mfa`` refuses them (406) as Rauthy refuses a password-only account.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from . import _oidc_rules as rules
from ._app import ApiError, Request, Response
from ._clients import Client
from ._jsonbody import Field, read_struct
from ._oidc_forms import CHALLENGE_METHOD, CLIENT_ID, URI, Checks, read_query
from ._oidc_state import AuthCode, OidcState, random_alnum
from ._state import Store

_AUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "max_age",
    "prompt",
    "resource",
)
_LOGIN_FIELDS = (
    Field("email", "string", True),
    Field("password", "string"),
    Field("pow", "string"),
    Field("client_id", "string", True),
    Field("redirect_uri", "string", True),
    Field("scopes", "strings"),
    Field("state", "string"),
    Field("nonce", "string"),
    Field("code_challenge", "string"),
    Field("code_challenge_method", "string"),
    Field("resource", "string"),
)
_MASKED = "Invalid user credentials"


def _html(status: int, title: str, text: str) -> Response:
    body = f"<!DOCTYPE html><title>{html.escape(title)}</title><p>{html.escape(text)}</p>"
    return Response(status, body.encode(), "text/html;charset=utf-8")


class Authorize:
    def __init__(
        self, store: Store, state: OidcState, clock: Callable[[], float], public_url: str
    ) -> None:
        self.store, self.state, self.clock, self.public_url = store, state, clock, public_url

    def get(self, request: Request) -> Response:
        params = read_query(request, _AUTH_FIELDS, ("client_id", "redirect_uri", "response_type"))
        checks = Checks(params)
        checks.regex("client_id", CLIENT_ID)
        checks.regex("redirect_uri", URI)
        checks.max_len("state", 2048)
        checks.regex("code_challenge", URI)
        checks.regex("code_challenge_method", CHALLENGE_METHOD)
        checks.raise_if_any()
        client_id = params["client_id"]
        try:
            client = rules.find_client(
                self.store, client_id, f"Client '{client_id}' does not exist"
            )
            headers = rules.origin(client, request, self.public_url)
            rules.enabled(client)
            rules.redirect_uri(client, params["redirect_uri"])
            rules.challenge_at_authorize(
                client, params.get("code_challenge"), params.get("code_challenge_method")
            )
        except ApiError as err:
            return _html(err.status, err.error, err.message)
        if "none" in params.get("prompt", ""):
            # prompt=none needs a live browser session, which the emulator never has.
            uri = params["redirect_uri"]
            location = f"{uri}{'&' if '?' in uri else '?'}error=login_required"
            if "state" in params:
                location += "&state=" + params["state"]
            return Response(302, headers=[("location", location)])
        page = _html(200, client.name or client.id, "Rauthy emulator: log in with POST")
        page.headers.extend(headers)
        return page

    def post(self, request: Request) -> Response:
        content_type = request.headers.get("content-type")
        body = read_struct(request.body, content_type, _LOGIN_FIELDS, request.oversize)
        values = {k: v for k, v in body.items() if isinstance(v, str)}
        checks = Checks(values)
        checks.email("email")
        checks.max_len("password", 256)
        checks.regex("pow", CLIENT_ID)
        checks.regex("client_id", CLIENT_ID)
        checks.regex("redirect_uri", URI)
        checks.max_len("state", 2048)
        checks.regex("nonce", URI)
        checks.regex("code_challenge", URI)
        checks.regex("code_challenge_method", CHALLENGE_METHOD)
        checks.regex("resource", URI)
        checks.raise_if_any()
        try:
            return self._login(request, body)
        except ApiError as err:
            # Rauthy answers every failed login the same, bar these three (MFA needed, an
            # expired password, a group-prefix mismatch), so that nothing can be enumerated.
            if err.error in ("MfaRequired", "PasswordRefresh", "Forbidden"):
                raise
            raise ApiError(401, "Unauthorized", _MASKED) from None

    def _login(self, request: Request, body: dict[str, object]) -> Response:
        email = str(body["email"])
        user = self.state.user_by_email(email)
        password = body.get("password")
        if user is None:
            raise ApiError(404, "NotFound", "no rows returned")
        if not isinstance(password, str):
            raise ApiError(401, "Unauthorized", "User needs to provide a password")
        if not user.enabled:
            raise ApiError(401, "Disabled", "User is not enabled")
        if not user.password_matches(password):
            raise ApiError(401, "Unauthorized", _MASKED)
        client = rules.find_client(self.store, str(body["client_id"]))
        headers = rules.origin(client, request, self.public_url)
        rules.enabled(client)
        if client.force_mfa and client.id != "rauthy":
            raise ApiError(406, "MfaRequired", "MFA is required for this client")
        rules.user_groups(client, self.state.memberships(user.id)[1])
        redirect_uri = str(body["redirect_uri"])
        rules.redirect_uri(client, redirect_uri)
        challenge = _opt_str(body, "code_challenge")
        method = _opt_str(body, "code_challenge_method")
        rules.challenge_at_login(client, challenge, method)
        scopes = body.get("scopes")
        requested = [str(s) for s in scopes] if isinstance(scopes, list) else None
        return self._issue_code(client, user.id, redirect_uri, body, requested, headers)

    def _issue_code(
        self,
        client: Client,
        user_id: str,
        redirect_uri: str,
        body: dict[str, object],
        requested: list[str] | None,
        headers: list[tuple[str, str]],
    ) -> Response:
        sid = random_alnum(32)
        code = AuthCode(
            id=random_alnum(64),
            client_id=client.id,
            user_id=user_id,
            session_id=sid,
            challenge=_opt_str(body, "code_challenge"),
            challenge_method=_opt_str(body, "code_challenge_method"),
            nonce=_opt_str(body, "nonce"),
            scopes=rules.login_scopes(client, requested),
            exp=int(self.clock()) + client.auth_code_lifetime,
        )
        with self.state.lock:
            self.state.sessions[sid] = user_id
            self.state.codes[code.id] = code
        # Rauthy appends `code` and `state` as they are, without URL-encoding them.
        location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}code={code.id}"
        state = _opt_str(body, "state")
        if state is not None:
            location += "&state=" + state
        out = [("location", location), *headers]
        if headers:
            out += [
                ("access-control-allow-methods", "POST"),
                ("access-control-allow-credentials", "true"),
            ]
        return Response(202, headers=out)


def _opt_str(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None
