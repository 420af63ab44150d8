"""Payloads and live answers shared by the Rauthy tests."""

from __future__ import annotations

from typing import Any


def live_openbao(**changes: Any) -> dict[str, Any]:
    """``GET /clients/openbao`` as a real Rauthy answers after reconciling the preset."""
    live: dict[str, Any] = {
        "id": "openbao",
        "name": "OpenBao",
        "enabled": True,
        "confidential": True,
        "redirect_uris": [
            "https://vault.example.com/ui/vault/auth/oidc/oidc/callback",
            "http://localhost:8250/oidc/callback",
        ],
        "post_logout_redirect_uris": ["https://vault.example.com"],
        "allowed_origins": ["https://vault.example.com"],
        "flows_enabled": ["authorization_code", "refresh_token"],
        "access_token_alg": "RS256",
        "id_token_alg": "RS256",
        "auth_code_lifetime": 60,
        "access_token_lifetime": 1800,
        # Rauthy rebuilds scopes in its table order
        "scopes": ["email", "openid", "profile", "groups"],
        "default_scopes": ["email", "openid", "profile", "groups"],
        "challenges": ["S256"],
        "force_mfa": False,
    }
    live.update(changes)
    return {k: v for k, v in live.items() if v is not None}


def fresh_client(client_id: str, **changes: Any) -> dict[str, Any]:
    """What ``POST /clients`` answers: Rauthy's defaults plus the create subset."""
    fresh: dict[str, Any] = {
        "id": client_id,
        "enabled": True,
        "confidential": False,
        "redirect_uris": [],
        "flows_enabled": ["authorization_code"],
        "access_token_alg": "EdDSA",
        "id_token_alg": "EdDSA",
        "auth_code_lifetime": 60,
        "access_token_lifetime": 1800,
        "scopes": ["openid", "email", "profile", "groups"],
        "default_scopes": ["openid"],
        "challenges": ["S256"],
        "force_mfa": False,
    }
    fresh.update(changes)
    return fresh
