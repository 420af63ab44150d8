"""A test's relying party: ``emu.token(...)`` and ``emu.login(...)`` drive the emulator's real
OIDC endpoints over HTTP, exactly as an app would, and return the token set.

``login`` is the non-interactive login: ``GET /oidc/authorize`` (parameter checks), ``POST
/oidc/authorize`` with the test user's e-mail and password (202 + ``Location``), then ``POST
/oidc/token`` with the code, the PKCE verifier and, for a confidential client, its secret.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit


class OidcFlowError(Exception):
    """An endpoint answered something else than success; ``status`` and ``body`` tell what."""

    def __init__(self, step: str, status: int, body: str) -> None:
        super().__init__(f"{step}: HTTP {status}: {body}")
        self.step, self.status, self.body = step, status, body


def pkce_pair(method: str) -> tuple[str, str]:
    """``(verifier, challenge)`` for ``S256`` or ``plain``."""
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(
    url: str,
    client_id: str,
    secret: str,
    scopes: Sequence[str] | None = None,
    auth: str = "post",
) -> dict[str, Any]:
    """A ``client_credentials`` grant. ``auth="basic"`` sends the secret in the header, and
    also in the body, because Rauthy refuses this grant without a body ``client_secret``."""
    import httpx

    if auth not in ("post", "basic"):
        raise ValueError("auth: must be 'post' or 'basic'")
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scopes is not None:
        form["scope"] = " ".join(scopes)  # Rauthy grants the client's default_scopes anyway
    basic = (client_id, secret) if auth == "basic" else None
    r = httpx.post(f"{url}/oidc/token", data=form, auth=basic)
    if r.status_code != 200:
        raise OidcFlowError("POST /oidc/token", r.status_code, r.text)
    result: dict[str, Any] = r.json()
    return result


def login(
    url: str,
    client_id: str,
    email: str,
    password: str,
    secret: str | None,
    redirect_uri: str,
    pkce: str | None,
    scopes: Sequence[str] | None = None,
    nonce: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    import httpx

    params: dict[str, str] = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes or ["openid"]),
    }
    verifier = challenge = None
    if pkce is not None:
        verifier, challenge = pkce_pair(pkce)
        params.update(code_challenge=challenge, code_challenge_method=pkce)
    login_body: dict[str, Any] = {
        "email": email,
        "password": password,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
    }
    optional = {"nonce": nonce, "state": state, "code_challenge": challenge}
    login_body.update({k: v for k, v in optional.items() if v is not None})
    if scopes is not None:
        login_body["scopes"] = list(scopes)
    if pkce is not None:
        login_body["code_challenge_method"] = pkce
    with httpx.Client(base_url=url) as http:
        r = http.get("/oidc/authorize", params=params)
        if r.status_code != 200:
            raise OidcFlowError("GET /oidc/authorize", r.status_code, r.text)
        r = http.post("/oidc/authorize", json=login_body)
        if r.status_code != 202:
            raise OidcFlowError("POST /oidc/authorize", r.status_code, r.text)
        query = parse_qs(urlsplit(r.headers["location"]).query)
        form = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": redirect_uri,
            "client_id": client_id,
        }
        if secret is not None:
            form["client_secret"] = secret
        if verifier is not None:
            form["code_verifier"] = verifier
        r = http.post("/oidc/token", data=form)
        if r.status_code != 200:
            raise OidcFlowError("POST /oidc/token", r.status_code, r.text)
        result: dict[str, Any] = r.json()
        return result
