"""``/oidc/userinfo``, ``/oidc/introspect`` and ``/oidc/logout`` (end session)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .oidc_support import REDIRECT, configure, error_of

PASSWORD = "correct horse battery"
LOGOUT_TO = "https://app.example.com/bye"


@pytest.fixture
def emu(rauthy_emulator: RauthyEmulator) -> RauthyEmulator:
    rauthy_emulator.add_user(
        "alice@example.com",
        password=PASSWORD,
        given_name="Alice",
        family_name=None,
        groups=["devs"],
    )
    return rauthy_emulator


@pytest.fixture
def session(emu: RauthyEmulator) -> dict[str, Any]:
    secret = configure(
        emu,
        flows_enabled=["authorization_code", "client_credentials"],
        scopes=["openid", "email", "profile", "groups"],
        post_logout_redirect_uris=[LOGOUT_TO],
        challenges=None,
    )
    tokens = emu.login("app1", "alice@example.com", scopes=["openid", "email", "groups"])
    return {"secret": secret, **tokens}


def _userinfo(emu: RauthyEmulator, token: str, method: str = "GET") -> httpx.Response:
    return httpx.request(
        method, emu.url + "/oidc/userinfo", headers={"Authorization": f"Bearer {token}"}
    )


def test_userinfo_by_scope(emu: RauthyEmulator, session: dict[str, Any]) -> None:
    for method in ("GET", "POST"):
        r = _userinfo(emu, session["access_token"], method)
        assert r.status_code == 200
        info = r.json()
        assert list(info) == [
            "id",
            "sub",
            "name",
            "roles",
            "mfa_enabled",
            "email",
            "email_verified",
            "groups",
        ]
        assert (info["name"], info["email"], info["groups"]) == (
            "Alice",
            "alice@example.com",
            ["devs"],
        )


def test_userinfo_refusals(emu: RauthyEmulator, session: dict[str, Any]) -> None:
    url = emu.url + "/oidc/userinfo"
    assert error_of(httpx.get(url)) == (401, "Unauthorized", "Authorization header missing")
    r = httpx.get(url, headers={"Authorization": "Basic abc"})
    assert error_of(r) == (401, "Unauthorized", "No bearer token given")
    cc = emu.token("app1", session["secret"])["access_token"]
    assert error_of(_userinfo(emu, cc)) == (400, "BadRequest", "Not a user token")
    assert error_of(_userinfo(emu, session["id_token"])) == (401, "JwtToken", "Invalid `typ`")
    tampered = session["access_token"][:-4] + "AAAA"
    assert error_of(_userinfo(emu, tampered)) == (
        401,
        "Unauthorized",
        "Invalid JWT Token signature",
    )
    emu.clock.advance(1801)
    assert error_of(_userinfo(emu, session["access_token"])) == (
        401,
        "JwtToken",
        "Token has expired",
    )


def test_userinfo_for_a_disabled_client_is_www_authenticate(
    emu: RauthyEmulator, session: dict[str, Any]
) -> None:
    api = httpx.Client(base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"})
    body = api.get("/clients/app1").json()
    body["enabled"] = False
    assert api.put("/clients/app1", json=body).status_code == 200
    r = _userinfo(emu, session["access_token"])
    assert r.status_code == 401 and r.headers["www-authenticate"] == "client-disabled"
    assert r.json()["error"] == {"WWWAuthenticate": "client-disabled"}


def test_introspect(emu: RauthyEmulator, session: dict[str, Any]) -> None:
    url = emu.url + "/oidc/introspect"
    auth = ("app1", session["secret"])
    r = httpx.post(url, data={"token": session["access_token"]}, auth=auth)
    assert r.status_code == 200
    info = r.json()
    assert list(info) == ["active", "sub", "scope", "client_id", "aud", "iat", "nbf", "exp"]
    assert info["active"] is True and info["client_id"] == "app1"
    # A client_credentials token has no subject: no `sub` in its introspection.
    cc = emu.token("app1", session["secret"])["access_token"]
    r = httpx.post(url, data={"token": cc}, headers={"Authorization": f"Bearer {cc}"})
    assert r.status_code == 200 and "sub" not in r.json()
    r = httpx.post(url, data={"token": "not.a.token"}, auth=auth)
    assert r.json() == {"active": False}
    r = httpx.post(url, data={"token": session["access_token"]})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "authorization-header-missing"
    r = httpx.post(url, data={"token": session["access_token"]}, auth=("app1", "E" * 64))
    assert error_of(r) == (401, "Unauthorized", "Invalid 'client_secret'")


def test_logout_checks_post_logout_redirect_uri(
    emu: RauthyEmulator, session: dict[str, Any]
) -> None:
    url = emu.url + "/oidc/logout"
    hint = session["id_token"]
    r = httpx.get(url, params={"id_token_hint": hint, "post_logout_redirect_uri": REDIRECT})
    assert error_of(r) == (400, "BadRequest", "Invalid post_logout_redirect_uri")
    # A browser (it sends Sec-Fetch-*) is redirected, with the state.
    browser = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"}
    params = {"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_TO, "state": "s9"}
    r = httpx.get(url, params=params, headers=browser)
    assert (r.status_code, r.headers["location"]) == (302, LOGOUT_TO + "?state=s9")
    # The logout form a browser posts from the app's site is let through Rauthy's CSRF check.
    r = httpx.post(url, data=params, headers=browser)
    assert (r.status_code, r.headers["location"]) == (302, LOGOUT_TO + "?state=s9")
    # A script (no Sec-Fetch-*) gets a plain 200, as for a backchannel call.
    r = httpx.post(url, data={"id_token_hint": hint})
    assert (r.status_code, r.content) == (200, b"")
    r = httpx.get(url, params={"id_token_hint": hint}, headers=browser)
    assert (r.status_code, r.headers["location"]) == (302, emu.url + "/")


def test_logout_without_a_hint(emu: RauthyEmulator) -> None:
    url = emu.url + "/oidc/logout"
    r = httpx.get(url)
    assert (r.status_code, r.headers["location"]) == (302, "/auth/v1/")
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert error_of(httpx.post(url, content=b"", headers=form)) == (
        400,
        "BadRequest",
        "need at least one of `id_token_hint`, `logout_token`, or a valid session",
    )


def test_external_origin_must_be_allowed(emu: RauthyEmulator, session: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "app1",
        "client_secret": session["secret"],
    }
    evil = {"origin": "https://evil.example.com"}
    r = httpx.post(emu.url + "/oidc/token", data=form, headers=evil)
    assert error_of(r) == (
        400,
        "BadRequest",
        "Coming from an external Origin 'https://evil.example.com' which is not allowed",
    )
    own = {"origin": f"http://127.0.0.1:{emu.port}"}
    assert httpx.post(emu.url + "/oidc/token", data=form, headers=own).status_code == 200


def test_revocation_endpoint(emu: RauthyEmulator) -> None:
    secret = configure(
        emu, "rev", flows_enabled=["authorization_code", "refresh_token"], challenges=None
    )
    assert secret is not None
    url = emu.url + "/oidc/token/revoke"
    doc = httpx.get(emu.url + "/.well-known/openid-configuration").json()
    assert doc["revocation_endpoint"] == url

    tokens = emu.login("rev", "alice@example.com")
    access = tokens["access_token"]
    assert httpx.post(url, data={"token": access}).status_code == 401  # who is asking?
    r = httpx.post(url, data={"token": access, "client_id": "rev", "client_secret": "V" * 64})
    assert error_of(r) == (401, "Unauthorized", "Invalid 'client_secret'")
    r = httpx.post(url, data={"token": access}, auth=("rev", secret))
    assert (r.status_code, r.content) == (200, b"")
    r = _userinfo(emu, access)
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "token-revoked")
    r = httpx.post(emu.url + "/oidc/introspect", data={"token": access}, auth=("rev", secret))
    assert error_of(r) == (401, "Unauthorized", "token was revoked")
    # The refresh token issued with it went too.
    emu.clock.advance(1800)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": "rev",
        "client_secret": secret,
    }
    r = httpx.post(emu.url + "/oidc/token", data=form)
    assert error_of(r) == (404, "NotFound", "Refresh Token does not exist")

    # A refresh token revoked by hint takes its access token with it; like Rauthy, the
    # emulator checks its nbf, so it can only be revoked from 60 s before the access expires.
    other = emu.login("rev", "alice@example.com")
    hint = {"token": other["refresh_token"], "token_type_hint": "refresh_token"}
    r = httpx.post(url, data=hint, auth=("rev", secret))
    assert error_of(r) == (401, "JwtToken", "Token is not valid yet")
    emu.clock.advance(1800 - 60)
    assert httpx.post(url, data=hint, auth=("rev", secret)).status_code == 200
    r = _userinfo(emu, other["access_token"])
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "token-revoked")
    # Someone else's token is not the client's to revoke.
    secret2 = configure(emu, "rev2", flows_enabled=["authorization_code"], challenges=None)
    assert secret2 is not None
    third = emu.login("rev2", "alice@example.com")["access_token"]
    r = httpx.post(url, data={"token": third}, auth=("rev", secret))
    assert error_of(r) == (403, "Forbidden", "mismatch in aud / azp - client_id")
