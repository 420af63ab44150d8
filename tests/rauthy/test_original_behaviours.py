"""The original module's tests (assay-runtime.md §7), re-expressed in Python over real sockets.

Beyond the original, which matched method and path only, these also check headers and bodies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assay_py import rauthy
from assay_py.rauthy import client_presets
from tests.support.recorder import Recorder, Reply

KEY = "test-name$test-secret"
AUTH = f"API-Key {KEY}"
CB = "https://vault.example.com/ui/vault/auth/oidc/oidc/callback"


@pytest.fixture
def c(rec: Recorder) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rec.url, KEY, backoff_base=0.001) as client:
        yield client


def openbao_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "openbao",
        "name": "OpenBao",
        "confidential": True,
        "challenges": ["S256"],
        "redirect_uris": [CB],
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


# --- sys and discovery -------------------------------------------------------------------------


def test_health_ok(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("GET", "/health", Reply(200, {"db_healthy": True, "cache_healthy": True}))
    assert c.sys.health() is True
    (call,) = rec.calls("GET", "/health")
    assert "authorization" not in call.headers  # an unknown key name would make it a 404


def test_health_false_on_5xx(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("GET", "/health", Reply(503))
    assert c.sys.health() is False


def test_discovery_config(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on(
        "GET",
        "/.well-known/openid-configuration",
        Reply(
            200,
            {
                "issuer": rec.url,
                "authorization_endpoint": rec.url + "/oidc/authorize",
                "token_endpoint": rec.url + "/oidc/token",
                "jwks_uri": rec.url + "/oidc/certs",
                "id_token_signing_alg_values_supported": ["RS256", "EdDSA"],
            },
        ),
    )
    cfg = c.discovery.config()
    assert cfg["issuer"] == rec.url
    assert cfg["token_endpoint"] == rec.url + "/oidc/token"
    assert "authorization" not in rec.calls("GET")[0].headers


# --- clients -----------------------------------------------------------------------------------


def test_clients_get_existing(rec: Recorder, c: rauthy.RauthyClient) -> None:
    body = {"id": "openbao", "name": "OpenBao", "confidential": True, "challenges": ["S256"]}
    rec.on("GET", "/clients/openbao", Reply(200, body))
    got = c.clients.get("openbao")
    assert got is not None
    assert (got["id"], got["confidential"], got["challenges"][0]) == ("openbao", True, "S256")
    assert rec.calls("GET", "/clients/openbao")[0].headers["authorization"] == AUTH


def test_clients_get_missing_returns_none(rec: Recorder, c: rauthy.RauthyClient) -> None:
    assert c.clients.get("missing") is None
    assert len(rec.calls("GET", "/clients/missing")) == 1


def test_secret_read_is_a_post_with_an_empty_body(rec: Recorder, c: rauthy.RauthyClient) -> None:
    # The original's rotate_secret sent this POST, which only reads; ours calls it get_secret.
    secret = "freshly-rotated-secret-value"
    rec.on("POST", "/clients/openbao/secret", Reply(200, {"id": "openbao", "secret": secret}))
    assert c.clients.get_secret("openbao") == secret
    (call,) = rec.calls("POST", "/clients/openbao/secret")
    assert call.body == b""
    assert call.headers["authorization"] == AUTH


# --- reconcile ---------------------------------------------------------------------------------


def test_reconcile_noop_when_no_drift(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, openbao_payload()))
    result = c.clients.reconcile(openbao_payload())
    assert result == {"action": "noop"}
    assert "secret" not in result
    assert [(r.method, r.path) for r in rec.requests] == [("GET", "/clients/openbao")]


def test_reconcile_put_when_payload_omits_field_present_on_server(
    rec: Recorder, c: rauthy.RauthyClient
) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, openbao_payload()))
    rec.on("PUT", "/clients/openbao", Reply(200))
    result = c.clients.reconcile(openbao_payload(challenges=None))
    assert result["action"] == "put"
    assert result["drift_on"] == "challenges"
    (put,) = rec.calls("PUT", "/clients/openbao")
    assert "challenges" not in put.json()  # omitted = PKCE off; [] would be a 400
    assert put.headers["content-type"] == "application/json"


def test_reconcile_create_on_404(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("POST", "/clients", Reply(200))
    rec.on("PUT", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients/openbao/secret", Reply(200, {"secret": "minted-on-create"}))
    result = c.clients.reconcile(openbao_payload())
    assert result == {"action": "create", "secret": "minted-on-create"}
    assert [(r.method, r.path) for r in rec.requests] == [
        ("GET", "/clients/openbao"),
        ("POST", "/clients"),
        ("PUT", "/clients/openbao"),
        ("POST", "/clients/openbao/secret"),
    ]
    post = rec.calls("POST", "/clients")[0].json()
    assert post == {"id": "openbao", "name": "OpenBao", "confidential": True, "redirect_uris": [CB]}
    put = rec.calls("PUT", "/clients/openbao")[0].json()
    assert put["id"] == "openbao"
    assert put["challenges"] == ["S256"]
    assert put["enabled"] is True  # a complete body: required fields from Rauthy's defaults
    assert all(r.headers["authorization"] == AUTH for r in rec.requests)


def test_reconcile_rebuild_on_challenges_drift(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, openbao_payload(challenges=[])))
    rec.on("DELETE", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients", Reply(200))
    rec.on("PUT", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients/openbao/secret", Reply(200, {"secret": "rotated-after-rebuild"}))
    result = c.clients.reconcile(openbao_payload())
    assert result["action"] == "rebuild"
    assert result["reason"] == "challenges-drift"
    assert result["secret"] == "rotated-after-rebuild"
    assert [(r.method, r.path) for r in rec.requests] == [
        ("GET", "/clients/openbao"),
        ("DELETE", "/clients/openbao"),
        ("POST", "/clients"),
        ("PUT", "/clients/openbao"),
        ("POST", "/clients/openbao/secret"),
    ]


def test_reconcile_put_only_on_non_challenges_drift(rec: Recorder, c: rauthy.RauthyClient) -> None:
    live = openbao_payload(id_token_alg="EdDSA")
    rec.on("GET", "/clients/openbao", Reply(200, live))
    rec.on("PUT", "/clients/openbao", Reply(200))
    result = c.clients.reconcile(openbao_payload(id_token_alg="RS256"))
    assert result == {"action": "put", "drift_on": "id_token_alg", "drift": ["id_token_alg"]}
    assert rec.calls("PUT", "/clients/openbao")[0].json()["id_token_alg"] == "RS256"
    assert not rec.calls("POST")


# --- presets -----------------------------------------------------------------------------------


def test_client_preset_openbao() -> None:
    p = client_presets.openbao(host="vault.example.com")
    assert (p["id"], p["confidential"], p["id_token_alg"], p["access_token_alg"]) == (
        "openbao", True, "RS256", "RS256",
    )  # fmt: skip
    assert p["challenges"][0] == "S256"
    assert p["redirect_uris"] == [CB, "http://localhost:8250/oidc/callback"]


def test_client_preset_argocd() -> None:
    p = client_presets.argocd(host="argo.example.com")
    assert (p["id"], p["confidential"], p["id_token_alg"]) == ("argocd", False, "EdDSA")
    assert p["challenges"] == ["S256"]
    assert p["redirect_uris"] == [
        "https://argo.example.com/auth/callback",
        "http://localhost:8085/auth/callback",
    ]


def test_client_preset_outline() -> None:
    p = client_presets.outline(host="wiki.example.com")
    assert (p["id"], p["name"], p["confidential"]) == ("outline", "Outline", True)
    assert (p["id_token_alg"], p["access_token_alg"]) == ("RS256", "RS256")
    assert "challenges" not in p
    assert p["redirect_uris"] == ["https://wiki.example.com/auth/oidc.callback"]
    assert p["scopes"] == ["openid", "email", "profile"]


def test_client_preset_seafile() -> None:
    p = client_presets.seafile(host="files.example.com")
    assert (p["id"], p["name"], p["confidential"], p["id_token_alg"]) == (
        "seafile", "Seafile", True, "RS256",
    )  # fmt: skip
    assert "challenges" not in p
    assert p["redirect_uris"] == ["https://files.example.com/oauth/callback/"]
    assert p["scopes"][3] == "groups"


def test_client_preset_paperless() -> None:
    p = client_presets.paperless(host="docs.example.com")
    assert (p["id"], p["name"], p["confidential"], p["id_token_alg"]) == (
        "paperless", "Paperless-ngx", True, "RS256",
    )  # fmt: skip
    assert p["challenges"] == ["S256"]
    assert p["redirect_uris"] == ["https://docs.example.com/accounts/oidc/rauthy/login/callback/"]
    assert p["scopes"][3] == "groups"


def test_client_preset_immich() -> None:
    p = client_presets.immich(host="photos.example.com")
    assert (p["id"], p["name"], p["confidential"], p["id_token_alg"]) == (
        "immich", "Immich", True, "RS256",
    )  # fmt: skip
    assert p["challenges"] == ["S256"]
    assert p["redirect_uris"] == [
        "https://photos.example.com/auth/login",
        "https://photos.example.com/user-settings",
    ]
    assert p["scopes"][3] == "groups"


def test_client_preset_immich_mobile() -> None:
    p = client_presets.immich_mobile(host="photos.example.com")
    assert (p["id"], p["confidential"]) == ("immich-mobile", False)
    assert p["name"] == "Immich Mobile"  # "Immich (mobile)" breaks Rauthy's name rule
    assert p["challenges"] == ["S256"]
    assert p["redirect_uris"] == ["app.immich:///oauth-callback"]
    assert p["post_logout_redirect_uris"][0] == "https://photos.example.com"
    assert p["scopes"][3] == "groups"


@pytest.mark.parametrize(
    "name", ["openbao", "outline", "seafile", "paperless", "immich", "immich_mobile", "argocd"]
)
def test_client_preset_requires_host(name: str) -> None:
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        client_presets.get(name)({})
    assert str(caught.value) == f"rauthy.client_presets.{name}: opts.host required"


def test_original_presets_share_the_common_shape() -> None:
    for name in ("openbao", "argocd", "outline", "seafile", "paperless", "immich"):
        p = client_presets.get(name)({"host": "h.example.com"})
        assert p["enabled"] is True
        assert p["post_logout_redirect_uris"] == ["https://h.example.com"]
        assert p["allowed_origins"] == ["https://h.example.com"]
        assert p["flows_enabled"] == ["authorization_code", "refresh_token"]
        assert (p["auth_code_lifetime"], p["access_token_lifetime"]) == (60, 1800)
        assert p["force_mfa"] is False
        assert p["default_scopes"] == p["scopes"]


def test_preset_id_and_name_can_be_overridden() -> None:
    p = client_presets.openbao({"host": "v.example.com", "id": "bao-2", "name": "Bao Two"})
    assert (p["id"], p["name"]) == ("bao-2", "Bao Two")
