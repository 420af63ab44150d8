"""Spec section 3: OpenID configuration (3.1) and JWKS (3.2)."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

_ALGS = ["RS256", "RS384", "RS512", "EdDSA"]


def _issuer(emu: RauthyEmulator) -> str:
    return emu.url + "/"


def _expected(i: str, locales: list[str]) -> list[tuple[str, Any]]:
    return [
        ("issuer", i),
        ("authorization_endpoint", i + "oidc/authorize"),
        ("backchannel_logout_supported", True),
        ("backchannel_logout_session_supported", True),
        ("device_authorization_endpoint", i + "oidc/device"),
        ("token_endpoint", i + "oidc/token"),
        ("introspection_endpoint", i + "oidc/introspect"),
        ("revocation_endpoint", i + "oidc/token/revoke"),
        ("userinfo_endpoint", i + "oidc/userinfo"),
        ("end_session_endpoint", i + "oidc/logout"),
        ("jwks_uri", i + "oidc/certs"),
        (
            "grant_types_supported",
            [
                "authorization_code",
                "client_credentials",
                "password",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
        ),
        ("response_types_supported", ["code"]),
        ("subject_types_supported", ["public"]),
        ("id_token_signing_alg_values_supported", _ALGS),
        ("token_endpoint_auth_methods_supported", ["client_secret_post", "client_secret_basic"]),
        ("token_endpoint_auth_signing_alg_values_supported", _ALGS),
        (
            "claims_supported",
            [
                "iss",
                "azp",
                "amr",
                "sub",
                "preferred_username",
                "email",
                "email_verified",
                "given_name",
                "family_name",
                "roles",
                "groups",
                "custom",
            ],
        ),
        ("claim_types_supported", ["normal", "aggregated", "distributed"]),
        ("scopes_supported", ["email", "openid", "profile", "groups", "address", "phone"]),
        ("code_challenge_methods_supported", ["plain", "S256"]),
        ("dpop_signing_alg_values_supported", _ALGS),
        ("service_documentation", "https://sebadob.github.io/rauthy/"),
        ("ui_locales_supported", locales),
        ("claims_parameter_supported", True),
        ("client_id_metadata_document_supported", True),
    ]


_LOCALES = ["de", "en", "fr", "ko", "nb", "ru", "uk", "zhhans"]
_FIELDS = [name for name, _ in _expected("I/", _LOCALES)]


@pytest.fixture
def discovery(rauthy_emulator: RauthyEmulator) -> dict[str, Any]:
    r = httpx.get(rauthy_emulator.url + "/.well-known/openid-configuration")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("field", _FIELDS)
def test_discovery_field(
    rauthy_emulator: RauthyEmulator, discovery: dict[str, Any], field: str
) -> None:
    expected = dict(_expected(_issuer(rauthy_emulator), _LOCALES))
    assert discovery[field] == expected[field]


def test_discovery_field_order_and_no_registration(discovery: dict[str, Any]) -> None:
    assert list(discovery) == _FIELDS
    assert "registration_endpoint" not in discovery


def test_issuer_has_trailing_slash_and_host(
    rauthy_emulator: RauthyEmulator, discovery: dict[str, Any]
) -> None:
    assert discovery["issuer"] == f"http://127.0.0.1:{rauthy_emulator.port}/auth/v1/"


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-configuration",
        "/auth/v1/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/auth/v1/.well-known/oauth-authorization-server",
    ],
)
def test_discovery_served_at_root_base_and_alias(
    rauthy_emulator: RauthyEmulator, discovery: dict[str, Any], path: str
) -> None:
    r = httpx.get(rauthy_emulator.url.removesuffix("/auth/v1") + path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json() == discovery


def test_nightly_locales_include_nl() -> None:
    with RauthyEmulator(version="0.36") as emu:
        body = httpx.get(emu.url + "/.well-known/openid-configuration").json()
    assert body["ui_locales_supported"] == [
        "de",
        "en",
        "fr",
        "ko",
        "nb",
        "nl",
        "ru",
        "uk",
        "zhhans",
    ]


# --- 3.2 JWKS (the first key generation is shared by the process) ---------------------------


def _b64(text: str) -> bytes:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", text), "base64url without padding"
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def certs(anon: httpx.Client) -> httpx.Response:
    return anon.get("/oidc/certs")


def test_jwks_one_key_per_algorithm(certs: httpx.Response) -> None:
    assert certs.status_code == 200
    assert certs.headers["access-control-allow-origin"] == "*"
    keys = certs.json()["keys"]
    assert [k["alg"] for k in keys] == _ALGS


# Rauthy uses 3072 and 4096 bits for RS384/RS512; the emulator 2048 for all (see _keys.py).
@pytest.mark.parametrize(("alg", "bits"), [("RS256", 2048), ("RS384", 2048), ("RS512", 2048)])
def test_rsa_jwk_fields_and_modulus(certs: httpx.Response, alg: str, bits: int) -> None:
    key = next(k for k in certs.json()["keys"] if k["alg"] == alg)
    assert list(key) == ["kty", "use", "alg", "kid", "n", "e"]
    assert (key["kty"], key["use"]) == ("RSA", "sig")
    assert re.fullmatch(r"[A-Za-z0-9]{24}", key["kid"])
    n = int.from_bytes(_b64(key["n"]), "big")
    assert n.bit_length() == bits and n % 2 == 1
    assert int.from_bytes(_b64(key["e"]), "big") == 65537
    assert pow(2, n - 1, n) != 1, "a modulus p*q is not a Fermat probable prime"


def test_okp_jwk_fields(certs: httpx.Response) -> None:
    key = next(k for k in certs.json()["keys"] if k["kty"] == "OKP")
    assert list(key) == ["kty", "use", "alg", "crv", "kid", "x"]
    assert (key["alg"], key["crv"]) == ("EdDSA", "Ed25519")
    assert len(_b64(key["x"])) == 32


def test_skip_okp_drops_okp_keys(certs: httpx.Response, anon: httpx.Client) -> None:
    keys = anon.get("/oidc/certs", params={"skip_okp": "true"}).json()["keys"]
    assert [k["alg"] for k in keys] == ["RS256", "RS384", "RS512"]


def test_single_cert_by_kid(certs: httpx.Response, anon: httpx.Client) -> None:
    for key in certs.json()["keys"]:
        assert anon.get(f"/oidc/certs/{key['kid']}").json() == key
    assert anon.get("/oidc/certs/" + "Z" * 24).status_code == 404


def test_certs_with_empty_kid_is_no_route(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.get(rauthy_emulator.url + "/oidc/certs/")
    assert (r.status_code, r.content) == (404, b"")


def test_prepared_keys_are_the_ones_served(
    rauthy_emulator: RauthyEmulator, certs: httpx.Response
) -> None:
    rauthy_emulator.prepare_keys()
    served = httpx.get(f"{rauthy_emulator.url}/oidc/certs").json()["keys"]
    assert [k["kid"] for k in served] == [k["kid"] for k in certs.json()["keys"]]
