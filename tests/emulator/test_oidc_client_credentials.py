"""``client_credentials`` at ``POST /oidc/token``: Rauthy's client rules, secrets by body and
header, the rotation grace, and tokens that verify with PyJWT against the JWKS."""

from __future__ import annotations

import httpx
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._oidc_client import OidcFlowError

from .oidc_support import claims_of, configure, error_of, header_of, token_post, verified

CC = ["client_credentials"]


@pytest.fixture
def secret(rauthy_emulator: RauthyEmulator) -> str:
    value = configure(rauthy_emulator, flows_enabled=CC, access_token_lifetime=600)
    assert value is not None
    return value


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "EdDSA"])
def test_token_is_signed_with_the_clients_access_token_alg(
    rauthy_emulator: RauthyEmulator, alg: str
) -> None:
    secret = configure(rauthy_emulator, flows_enabled=CC, access_token_alg=alg)
    assert secret is not None
    token_set = rauthy_emulator.token("app1", secret)
    assert list(token_set) == ["access_token", "token_type", "expires_in"]
    assert token_set["token_type"] == "Bearer" and token_set["expires_in"] == 1800
    claims = verified(rauthy_emulator, token_set["access_token"], alg, "app1")
    assert header_of(token_set["access_token"])["alg"] == alg
    assert list(claims) == ["iat", "nbf", "exp", "iss", "jti", "aud", "sub", "typ", "azp", "scope"]
    assert claims["exp"] - claims["iat"] == 1800
    assert (claims["sub"], claims["typ"], claims["azp"], claims["scope"]) == (
        None,
        "Bearer",
        "app1",
        "openid",
    )


def test_lifetime_and_default_scopes_come_from_the_client(rauthy_emulator: RauthyEmulator) -> None:
    secret = configure(
        rauthy_emulator,
        flows_enabled=CC,
        access_token_lifetime=120,
        scopes=["openid", "email", "groups"],
        default_scopes=["openid", "groups"],
    )
    assert secret is not None
    token_set = rauthy_emulator.token("app1", secret, scopes=["email"])
    assert token_set["expires_in"] == 120
    claims = claims_of(token_set["access_token"])
    # Rauthy's token request has no scope: the client's default scopes are granted.
    assert claims["scope"] == "openid groups"
    assert "roles" not in claims and "groups" not in claims


def test_secret_in_body_or_in_basic_header(rauthy_emulator: RauthyEmulator, secret: str) -> None:
    assert rauthy_emulator.token("app1", secret, auth="basic")["access_token"]
    # The header alone is not enough: Rauthy checks the body's client_secret first.
    r = httpx.post(
        rauthy_emulator.url + "/oidc/token",
        data={"grant_type": "client_credentials"},
        auth=("app1", secret),
    )
    assert error_of(r) == (400, "BadRequest", "'client_secret' is missing")
    # With both, the header's credentials are the ones checked.
    r = httpx.post(
        rauthy_emulator.url + "/oidc/token",
        data={"grant_type": "client_credentials", "client_secret": "x" * 64},
        auth=("app1", secret),
    )
    assert r.status_code == 200
    r = httpx.post(
        rauthy_emulator.url + "/oidc/token",
        data={"grant_type": "client_credentials", "client_secret": secret},
        auth=("app1", "y" * 64),
    )
    assert error_of(r) == (401, "Unauthorized", "Invalid 'client_secret'")
    assert r.headers["www-authenticate"] == "OAuth"


def test_client_rules_in_rauthys_order(rauthy_emulator: RauthyEmulator, secret: str) -> None:
    def grant(client_id: str, client_secret: str) -> tuple[int, str, str]:
        return error_of(
            token_post(
                rauthy_emulator,
                grant_type="client_credentials",
                client_id=client_id,
                client_secret=client_secret,
            )
        )

    assert grant("nobody", secret) == (404, "NotFound", "no rows returned")
    assert grant("app1", "short") == (401, "Unauthorized", "Invalid 'client_secret'")
    assert grant("app1", "Z" * 64) == (401, "Unauthorized", "Invalid 'client_secret'")

    configure(rauthy_emulator, "public1", confidential=False, flows_enabled=CC)
    assert grant("public1", secret) == (
        400,
        "BadRequest",
        "'client_credentials' flow is allowed for confidential clients only",
    )
    code_only = configure(rauthy_emulator, "codeonly")
    assert code_only is not None
    assert grant("codeonly", code_only) == (
        400,
        "BadRequest",
        "'client_credentials' flow is not allowed for this client",
    )
    # A disabled client is refused before its secret is even looked at.
    configure(rauthy_emulator, "off", flows_enabled=CC, enabled=False)
    assert grant("off", "wrong") == (400, "BadRequest", "client is disabled")


def test_form_errors_are_actix_plain_text(rauthy_emulator: RauthyEmulator) -> None:
    url = rauthy_emulator.url + "/oidc/token"
    r = httpx.post(url, json={"grant_type": "client_credentials"})
    assert (r.status_code, r.text) == (400, "Content type error.")
    r = httpx.post(url, data={"client_id": "app1"})
    assert (r.status_code, r.text) == (400, "Parse error: missing field `grant_type`.")
    r = httpx.post(url, data={"grant_type": "implicit"})
    status, error, message = error_of(r)
    assert (status, error) == (400, "BadRequest")
    assert message.startswith('Payload validation error: ValidationErrors({"grant_type"')
    r = httpx.post(url, data={"grant_type": "client_credentials", "client_secret": "a-b"})
    assert '"client_secret": Field([ValidationError { code: "[a-zA-Z0-9]"' in error_of(r)[2]


def test_rotation_grace_keeps_the_old_secret_until_the_clock_passes_it(
    rauthy_emulator: RauthyEmulator, secret: str
) -> None:
    api = httpx.Client(
        base_url=rauthy_emulator.url,
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
    )
    r = api.put("/clients/app1/secret", json={"cache_current_hours": 1})
    new = r.json()["secret"]
    assert rauthy_emulator.token("app1", secret)["access_token"]
    assert rauthy_emulator.token("app1", new)["access_token"]
    rauthy_emulator.clock.advance(3600 + 1)
    assert rauthy_emulator.token("app1", new)["access_token"]
    with pytest.raises(OidcFlowError) as caught:
        rauthy_emulator.token("app1", secret)
    assert caught.value.status == 401 and secret not in str(caught.value)

    # Without cache_current_hours the old secret dies at once.
    newer = api.put("/clients/app1/secret").json()["secret"]
    assert rauthy_emulator.token("app1", newer)["access_token"]
    with pytest.raises(OidcFlowError):
        rauthy_emulator.token("app1", new)


def test_key_rotation_signs_with_the_new_key_and_old_tokens_still_verify(
    rauthy_emulator: RauthyEmulator,
) -> None:
    secret = configure(rauthy_emulator, flows_enabled=CC, access_token_alg="RS256")
    assert secret is not None
    before = rauthy_emulator.token("app1", secret)["access_token"]
    r = httpx.post(
        rauthy_emulator.url + "/oidc/rotate_jwk",
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
    )
    assert r.status_code == 200
    after = rauthy_emulator.token("app1", secret)["access_token"]
    assert header_of(after)["kid"] != header_of(before)["kid"]
    for token in (before, after):
        assert verified(rauthy_emulator, token, "RS256", "app1")["azp"] == "app1"


def test_discovery_token_endpoint_is_the_one_that_answers(
    rauthy_emulator: RauthyEmulator, secret: str
) -> None:
    doc = httpx.get(f"http://127.0.0.1:{rauthy_emulator.port}/.well-known/openid-configuration")
    config = doc.json()
    form = {"grant_type": "client_credentials", "client_id": "app1", "client_secret": secret}
    assert httpx.post(config["token_endpoint"], data=form).status_code == 200
    assert httpx.get(config["jwks_uri"]).status_code == 200
    assert "client_credentials" in config["grant_types_supported"]
    # Every advertised endpoint is a route (a missing route is an empty 404).
    for name, method in [
        ("authorization_endpoint", "GET"),
        ("userinfo_endpoint", "GET"),
        ("introspection_endpoint", "POST"),
        ("end_session_endpoint", "GET"),
        ("revocation_endpoint", "POST"),
    ]:
        r = httpx.request(method, config[name])
        assert r.status_code != 404 and (r.content or r.headers.get("location")), name


def test_nightly_client_claims_and_default_aud() -> None:
    with RauthyEmulator(version="0.36") as emu:
        secret = configure(
            emu,
            flows_enabled=CC,
            claims={"tenant": "acme", "tier": 2},
            default_aud=["https://api.example.com"],
        )
        assert secret is not None
        claims = claims_of(emu.token("app1", secret)["access_token"])
        assert claims["custom"] == {"tenant": "acme", "tier": 2}
        assert claims["aud"] == ["app1", "https://api.example.com"]

        configure(emu, "rooted", flows_enabled=CC, claims={"tenant": "acme"}, claims_at_root=True)
        rooted = emu.client_secret("rooted")
        assert rooted is not None
        assert claims_of(emu.token("rooted", rooted)["access_token"])["tenant"] == "acme"

        configure(emu, "clash", flows_enabled=CC, claims={"sub": "x"}, claims_at_root=True)
        clash = emu.client_secret("clash")
        assert clash is not None
        r = token_post(emu, grant_type="client_credentials", client_id="clash", client_secret=clash)
        status, error, message = error_of(r)
        assert (status, error) == (500, "Internal") and "['sub']" in message
