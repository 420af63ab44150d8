"""Spec 4.2: POST /clients body, validation and defaults, one test per table row."""

from __future__ import annotations

import re

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


def _validation(r: httpx.Response, field: str) -> str:
    status, kind, message = error(r)
    assert (status, kind) == (400, "BadRequest")
    assert message.startswith("Payload validation error: ValidationErrors({")
    assert f'"{field}": Field([ValidationError {{ code: ' in message
    return message


# --- id ---


@pytest.mark.parametrize("client_id", ["a", "bad id", "x" * 257, "tab\tid"])
def test_id_rejected_by_regex(api: httpx.Client, client_id: str) -> None:
    message = _validation(api.post("/clients", json=new_client(client_id)), "id")
    assert "{2,256}" in message


@pytest.mark.parametrize("client_id", ["https://app.example.com/cb?x=1", "My.App_1", "ab"])
def test_id_url_like_accepted_in_0_35_2(api: httpx.Client, client_id: str) -> None:
    assert api.post("/clients", json=new_client(client_id)).status_code == 200


def test_id_strict_in_nightly() -> None:
    with (
        RauthyEmulator(version="0.36") as emu,
        httpx.Client(base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"}) as api,
    ):
        assert api.post("/clients", json=new_client("My.App-1_x")).status_code == 200
        message = _validation(api.post("/clients", json=new_client("https://x.io")), "id")
        assert "^[a-zA-Z0-9._\\\\-]{2,256}$" in message


def test_id_required(api: httpx.Client) -> None:
    body = new_client()
    del body["id"]
    r = api.post("/clients", json=body)
    assert r.status_code == 400 and "missing field `id`" in r.text


# --- name ---


@pytest.mark.parametrize(
    # Hangul syllables and Bopomofo are outside Rauthy's ranges; U+001F is not Rust whitespace.
    "name",
    ["App (dev)", "my_app", "a", "x.y", "서울 App", "ㄅㄆ App", "App\x1fOne"],
)
def test_name_rejected(api: httpx.Client, name: str) -> None:
    _validation(api.post("/clients", json=new_client(name=name)), "name")


@pytest.mark.parametrize(
    "name",
    ["Immich mobile", "Ärger-App", "日本語 クライアント", "ｱﾌﾟﾘ", "⺀⺁ App", "豈 App", "ﾡﾢ App"],
)
def test_name_accepted(api: httpx.Client, name: str) -> None:
    assert api.post("/clients", json=new_client(name=name)).json()["name"] == name


def test_name_optional(api: httpx.Client) -> None:
    body = new_client()
    del body["name"]
    assert "name" not in api.post("/clients", json=body).json()


# --- confidential ---


def test_confidential_required(api: httpx.Client) -> None:
    body = new_client()
    del body["confidential"]
    r = api.post("/clients", json=body)
    assert r.status_code == 400 and "missing field `confidential`" in r.text


def test_confidential_generates_a_secret_not_returned(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    r = api.post("/clients", json=new_client())
    assert "secret" not in r.text
    secret = rauthy_emulator.client_secret("app1")
    assert secret is not None and re.fullmatch(r"[A-Za-z0-9]{64}", secret)


def test_public_client_has_no_secret(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    api.post("/clients", json=new_client(confidential=False))
    assert rauthy_emulator.client_secret("app1") is None


# --- redirect_uris ---


def test_redirect_uris_required_but_may_be_empty(api: httpx.Client) -> None:
    body = new_client()
    del body["redirect_uris"]
    assert "missing field `redirect_uris`" in api.post("/clients", json=body).text
    r = api.post("/clients", json=new_client(redirect_uris=[]))
    assert r.json()["redirect_uris"] == []


@pytest.mark.parametrize("uri", ["", "http://x/ y", "http://x/<script>"])
def test_redirect_uri_rejected(api: httpx.Client, uri: str) -> None:
    _validation(api.post("/clients", json=new_client(redirect_uris=[uri])), "redirect_uris")


def test_redirect_uri_with_at_accepted(api: httpx.Client) -> None:
    uri = "https://user@app.example.com/cb"
    assert api.post("/clients", json=new_client(redirect_uris=[uri])).status_code == 200


# --- post_logout_redirect_uris ---


def test_post_logout_uris_validated(api: httpx.Client) -> None:
    r = api.post("/clients", json=new_client(post_logout_redirect_uris=["bad uri"]))
    _validation(r, "post_logout_redirect_uris")


def test_post_logout_uris_empty_becomes_omitted(api: httpx.Client) -> None:
    r = api.post("/clients", json=new_client(post_logout_redirect_uris=[]))
    assert "post_logout_redirect_uris" not in r.json()


# --- secret / other fields ---


def test_secret_and_other_fields_ignored(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    body = new_client(secret="s" * 64, enabled=False, auth_code_lifetime=5)
    r = api.post("/clients", json=body).json()
    assert rauthy_emulator.client_secret("app1") != "s" * 64
    assert (r["enabled"], r["auth_code_lifetime"]) == (True, 60)


def test_defaults_on_create(api: httpx.Client) -> None:
    body = api.post("/clients", json=new_client()).json()
    assert body == {
        "id": "app1",
        "name": "App One",
        "enabled": True,
        "confidential": True,
        "redirect_uris": ["https://app.example.com/callback"],
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
