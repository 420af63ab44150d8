"""Spec 4.4: ClientResponse key order, omitted optionals, the built-in rauthy client."""

from __future__ import annotations

import httpx

from assay_py.emulator import RauthyEmulator

from .helpers import new_client

ORDER = [
    "id", "name", "enabled", "confidential", "redirect_uris", "post_logout_redirect_uris",
    "allowed_origins", "flows_enabled", "access_token_alg", "id_token_alg", "auth_code_lifetime",
    "access_token_lifetime", "scopes", "default_scopes", "challenges", "force_mfa", "client_uri",
    "contacts", "backchannel_logout_uri", "restrict_group_prefix", "scim",
]  # fmt: skip


def test_every_field_set_serialises_in_spec_order(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    body = api.get("/clients/app1").json()
    body.update(
        post_logout_redirect_uris=["https://a.example.com/bye"],
        allowed_origins=["https://a.example.com"],
        client_uri="https://a.example.com",
        contacts=["a@example.com"],
        backchannel_logout_uri="https://a.example.com/bc",
        restrict_group_prefix="app",
        scim={"bearer_token": "t", "base_uri": "https://s.example.com", "sync_groups": True},
    )
    r = api.put("/clients/app1", json=body)
    assert list(r.json()) == ORDER
    assert list(api.get("/clients/app1").json()) == ORDER


def test_optional_fields_are_omitted_never_null(api: httpx.Client) -> None:
    body = api.post("/clients", json=new_client(confidential=False)).json()
    assert None not in body.values()
    assert list(body) == [k for k in ORDER if k in body]
    for key in ("allowed_origins", "client_uri", "contacts", "backchannel_logout_uri", "scim"):
        assert key not in body


def test_example_from_the_spec(api: httpx.Client) -> None:
    r = api.post(
        "/clients",
        json={
            "id": "test123",
            "name": "Test Client 123",
            "confidential": True,
            "redirect_uris": ["http://test.client.io/callback"],
            "post_logout_redirect_uris": ["http://test.client.io/logout"],
        },
    )
    assert r.content == (
        b'{"id":"test123","name":"Test Client 123","enabled":true,"confidential":true,'
        b'"redirect_uris":["http://test.client.io/callback"],'
        b'"post_logout_redirect_uris":["http://test.client.io/logout"],'
        b'"flows_enabled":["authorization_code"],"access_token_alg":"EdDSA","id_token_alg":"EdDSA",'
        b'"auth_code_lifetime":60,"access_token_lifetime":1800,'
        b'"scopes":["openid","email","profile","groups"],"default_scopes":["openid"],'
        b'"challenges":["S256"],"force_mfa":false}'
    )


def test_nightly_adds_claims_at_root() -> None:
    with RauthyEmulator(version="0.36") as emu:
        r = httpx.post(
            emu.url + "/clients",
            json=new_client(),
            headers={"Authorization": f"API-Key {emu.api_key}"},
        )
    body = r.json()
    assert list(body)[-2:] == ["force_mfa", "claims_at_root"]
    assert body["claims_at_root"] is False


def test_builtin_rauthy_client(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    clients = api.get("/clients").json()
    assert [c["id"] for c in clients] == ["rauthy"]
    rauthy = clients[0]
    public_url = rauthy_emulator.url.removesuffix("/auth/v1")
    assert rauthy["confidential"] is False
    assert rauthy["flows_enabled"] == ["authorization_code"]
    assert (rauthy["access_token_alg"], rauthy["id_token_alg"]) == ("EdDSA", "EdDSA")
    assert (rauthy["auth_code_lifetime"], rauthy["access_token_lifetime"]) == (10, 10)
    assert rauthy["scopes"] == rauthy["default_scopes"] == ["openid"]
    assert rauthy["challenges"] == ["S256"]
    assert rauthy["force_mfa"] is True
    assert rauthy["client_uri"] == public_url
    assert rauthy_emulator.get_client("rauthy") == api.get("/clients/rauthy").json()
