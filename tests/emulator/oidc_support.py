"""Helpers for the OIDC tests: configured clients, and token checks with PyJWT (an
independent JOSE library) against the emulator's published JWKS."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import jwt

from assay_py.emulator import RauthyEmulator

REDIRECT = "https://app.example.com/callback"


def configure(emu: RauthyEmulator, client_id: str = "app1", **changes: Any) -> str | None:
    """Create a confidential client, PUT ``changes`` over Rauthy's defaults; its secret."""
    headers = {"Authorization": f"API-Key {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=headers) as api:
        body = {"id": client_id, "confidential": True, "redirect_uris": [REDIRECT]}
        assert api.post("/clients", json=body).status_code == 200
        full = api.get(f"/clients/{client_id}").json()
        full.update(changes)
        payload = {k: v for k, v in full.items() if v is not None or k in changes}
        r = api.put(f"/clients/{client_id}", json=payload)
        assert r.status_code == 200, r.text
    return emu.client_secret(client_id)


def claims_of(token: str) -> dict[str, Any]:
    """The payload, unverified (for checks that come after a verification)."""
    payload = token.split(".")[1]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return result


def header_of(token: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    return result


def verified(
    emu: RauthyEmulator, token: str, alg: str, audience: str, times: bool = True
) -> dict[str, Any]:
    """Verify like an app does: key by ``kid`` from the JWKS, the expected algorithm only.
    ``sub`` may be null (Rauthy's client_credentials tokens), which PyJWT would refuse;
    ``times=False`` skips exp/nbf/iat (PyJWT reads the real clock, not the emulator's)."""
    keys = httpx.get(emu.url + "/oidc/certs").json()["keys"]
    kid = header_of(token)["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    result: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=[alg],
        audience=audience,
        issuer=emu.url + "/",
        options={
            "verify_sub": False,
            "verify_exp": times,
            "verify_nbf": times,
            "verify_iat": times,
        },
    )
    return result


def token_post(emu: RauthyEmulator, **form: str) -> httpx.Response:
    return httpx.post(emu.url + "/oidc/token", data=form)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["message"]
