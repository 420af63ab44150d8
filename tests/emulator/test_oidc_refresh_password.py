"""``refresh_token`` (with Rauthy's ``nbf``: usable from 60 s before the access token ends)
and the ``password`` grant, which Rauthy supports when the client enables it."""

from __future__ import annotations

import pytest

from assay_py.emulator import RauthyEmulator

from .oidc_support import claims_of, configure, error_of, token_post, verified

PASSWORD = "correct horse battery"


@pytest.fixture
def emu(rauthy_emulator: RauthyEmulator) -> RauthyEmulator:
    rauthy_emulator.add_user(
        "alice@example.com", password=PASSWORD, roles=["viewer"], groups=["devs"]
    )
    return rauthy_emulator


def test_refresh_token_is_valid_from_its_nbf_and_then_rotates(emu: RauthyEmulator) -> None:
    secret = configure(
        emu,
        flows_enabled=["authorization_code", "refresh_token"],
        access_token_lifetime=300,
        scopes=["openid", "email", "groups"],
        challenges=None,
    )
    assert secret is not None
    first = emu.login("app1", "alice@example.com", scopes=["openid", "groups"])
    refresh = first["refresh_token"]
    claims = verified(emu, refresh, "EdDSA", "app1", times=False)  # refresh tokens are always EdDSA
    assert claims["typ"] == "Refresh" and claims["nbf"] == claims["iat"] + 300 - 60
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": "app1",
        "client_secret": secret,
    }
    assert error_of(token_post(emu, **form)) == (401, "JwtToken", "Token is not valid yet")

    emu.clock.advance(241)
    r = token_post(emu, **form)
    assert r.status_code == 200, r.text
    renewed = r.json()
    assert set(renewed) == {"access_token", "token_type", "id_token", "expires_in", "refresh_token"}
    # The scopes granted at login carry over; a refreshed ID token has no nonce or sid.
    id_claims = claims_of(renewed["id_token"])
    assert id_claims["scope"] == "openid groups" and id_claims["groups"] == ["devs"]
    assert "sid" not in id_claims
    # The used token lives on for Rauthy's 5 s grace, then is gone.
    assert token_post(emu, **form).status_code == 200
    emu.clock.advance(6)
    assert error_of(token_post(emu, **form)) == (404, "NotFound", "Refresh Token does not exist")

    assert error_of(token_post(emu, **{**form, "client_secret": "Q" * 64}))[0] == 401
    assert error_of(token_post(emu, **{**form, "refresh_token": refresh[:-2] + "xx"}))[0] in (
        400,
        401,
    )
    del form["refresh_token"]
    assert error_of(token_post(emu, **form)) == (400, "BadRequest", "'refresh_token' is missing")


def test_no_refresh_token_without_the_flow(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=["authorization_code"], challenges=None)
    assert "refresh_token" not in emu.login("app1", "alice@example.com")


def test_password_grant(emu: RauthyEmulator) -> None:
    secret = configure(emu, flows_enabled=["password"], id_token_alg="RS512")
    assert secret is not None
    form = {
        "grant_type": "password",
        "username": "alice@example.com",
        "password": PASSWORD,
        "client_id": "app1",
        "client_secret": secret,
    }
    r = token_post(emu, **form)
    assert r.status_code == 200, r.text
    claims = verified(emu, r.json()["id_token"], "RS512", "app1")
    assert claims["roles"] == ["viewer"] and "nonce" not in claims
    assert error_of(token_post(emu, **{**form, "password": "nope"})) == (
        401,
        "Unauthorized",
        "Invalid user credentials",
    )
    assert error_of(token_post(emu, **{**form, "username": "bob@example.com"}))[0] == 404
    no_secret = {k: v for k, v in form.items() if k != "client_secret"}
    assert error_of(token_post(emu, **no_secret)) == (400, "BadRequest", "Missing 'client_secret'")
    no_password = {k: v for k, v in form.items() if k != "password"}
    assert error_of(token_post(emu, **no_password)) == (400, "BadRequest", "Missing 'password")
    configure(emu, "nopass")
    other = emu.client_secret("nopass")
    assert other is not None
    assert error_of(token_post(emu, **{**form, "client_id": "nopass", "client_secret": other})) == (
        400,
        "BadRequest",
        "'password' flow is not allowed for this client",
    )
