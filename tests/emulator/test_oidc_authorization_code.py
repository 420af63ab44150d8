"""``authorization_code`` with PKCE through the test login: ``GET/POST /oidc/authorize``, then
the code at ``POST /oidc/token``, with Rauthy's checks at each step."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._oidc_client import OidcFlowError, pkce_pair

from .oidc_support import REDIRECT, claims_of, configure, error_of, token_post, verified

PASSWORD = "correct horse battery"
FLOWS = ["authorization_code", "refresh_token"]


@pytest.fixture
def emu(rauthy_emulator: RauthyEmulator) -> RauthyEmulator:
    rauthy_emulator.add_user(
        "alice@example.com",
        password=PASSWORD,
        given_name="Alice",
        family_name="Liddell",
        roles=["admin"],
        groups=["devs", "ops"],
    )
    return rauthy_emulator


def _login(
    emu: RauthyEmulator, client_id: str = "app1", **extra: Any
) -> tuple[httpx.Response, dict[str, Any]]:
    body: dict[str, Any] = {
        "email": "alice@example.com",
        "password": PASSWORD,
        "client_id": client_id,
        "redirect_uri": REDIRECT,
    }
    body.update(extra)
    body = {k: v for k, v in body.items() if v is not None}
    r = httpx.post(emu.url + "/oidc/authorize", json=body)
    return r, body


def _code(response: httpx.Response) -> str:
    assert response.status_code == 202, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "EdDSA"])
def test_login_returns_an_id_token_that_verifies(emu: RauthyEmulator, alg: str) -> None:
    configure(
        emu,
        flows_enabled=FLOWS,
        id_token_alg=alg,
        access_token_alg="EdDSA",
        scopes=["openid", "email", "profile", "groups"],
    )
    token_set = emu.login(
        "app1", "alice@example.com", nonce="n-123", scopes=["openid", "email", "profile", "groups"]
    )
    assert list(token_set) == [
        "access_token",
        "token_type",
        "id_token",
        "expires_in",
        "refresh_token",
    ]
    claims = verified(emu, token_set["id_token"], alg, "app1")
    alice = next(u.id for u in emu._store.kinds.users if u.email == "alice@example.com")
    assert claims["sub"] == alice and claims["typ"] == "Id" and claims["nonce"] == "n-123"
    assert claims["scope"] == "openid email profile groups"
    assert (claims["email"], claims["given_name"], claims["family_name"]) == (
        "alice@example.com",
        "Alice",
        "Liddell",
    )
    assert claims["preferred_username"] == "alice@example.com"
    assert claims["roles"] == ["admin"] and claims["groups"] == ["devs", "ops"]
    assert claims["amr"] == ["pwd"] and claims["sid"]
    # at_hash: left half of SHA-512 of the EdDSA-signed access token (Rauthy's choice)
    digest = hashlib.sha512(token_set["access_token"].encode()).digest()
    import base64

    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:32]).rstrip(b"=").decode()
    access = verified(emu, token_set["access_token"], "EdDSA", "app1")
    assert access["roles"] == ["admin"] and access["groups"] == ["devs", "ops"]


def test_claims_follow_the_granted_scopes(emu: RauthyEmulator) -> None:
    configure(
        emu,
        flows_enabled=FLOWS,
        scopes=["openid", "email", "profile", "groups"],
        default_scopes=["openid"],
    )
    token_set = emu.login("app1", "alice@example.com", scopes=["openid", "phone"])
    id_claims = claims_of(token_set["id_token"])
    assert id_claims["scope"] == "openid"  # 'phone' is not allowed for the client
    assert "email" not in id_claims and "groups" not in id_claims
    assert id_claims["roles"] == ["admin"]  # roles always
    access = claims_of(token_set["access_token"])
    assert "email" not in access and access["roles"] == ["admin"] and "groups" not in access


def test_pkce_s256_and_plain_as_the_client_allows(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=FLOWS, challenges=["S256"])
    assert emu.login("app1", "alice@example.com", pkce="S256")["id_token"]
    with pytest.raises(OidcFlowError) as caught:
        emu.login("app1", "alice@example.com", pkce="plain")
    assert caught.value.step == "GET /oidc/authorize" and caught.value.status == 400
    assert "code_challenge_method &#x27;plain&#x27; is not allowed" in caught.value.body
    with pytest.raises(OidcFlowError) as caught:
        emu.login("app1", "alice@example.com", pkce=None)
    assert "&#x27;code_challenge&#x27; is missing" in caught.value.body

    configure(emu, "both", flows_enabled=FLOWS, challenges=["S256", "plain"])
    assert emu.login("both", "alice@example.com", pkce="plain")["id_token"]
    configure(emu, "none", flows_enabled=FLOWS, challenges=None)
    assert emu.login("none", "alice@example.com")["id_token"]
    r, _ = _login(emu, "none", code_challenge="abc", code_challenge_method="S256")
    # Any failed login answers the same 401, so nothing can be enumerated.
    assert error_of(r) == (401, "Unauthorized", "Invalid user credentials")


def test_code_exchange_checks_in_rauthys_order(emu: RauthyEmulator) -> None:
    secret = configure(emu, flows_enabled=FLOWS, challenges=["S256"], auth_code_lifetime=30)
    assert secret is not None
    verifier, challenge = pkce_pair("S256")
    code = _code(_login(emu, code_challenge=challenge, code_challenge_method="S256")[0])
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "app1",
        "client_secret": secret,
        "code_verifier": verifier,
    }

    def exchange(**changes: str | None) -> httpx.Response:
        form = {k: v for k, v in {**base, **changes}.items() if v is not None}
        return token_post(emu, **form)

    assert error_of(exchange(code=None)) == (400, "BadRequest", "'code' is missing")
    assert error_of(exchange(redirect_uri=None)) == (400, "BadRequest", "'redirect_uri' is missing")
    assert error_of(exchange(client_id="ghost")) == (404, "NotFound", "Client 'ghost' not found")
    assert error_of(exchange(client_secret=None)) == (
        400,
        "BadRequest",
        "'client_secret' is missing",
    )
    assert error_of(exchange(client_secret="W" * 64)) == (
        401,
        "Unauthorized",
        "Invalid 'client_secret'",
    )
    assert error_of(exchange(redirect_uri="https://evil.example.com/cb")) == (
        400,
        "BadRequest",
        "Invalid redirect uri",
    )
    assert error_of(exchange(code="nocode")) == (
        401,
        "Unauthorized",
        "'auth_code' could not be found inside the cache",
    )
    assert error_of(exchange(code_verifier=None)) == (
        400,
        "BadRequest",
        "'code_verifier' is missing",
    )
    assert error_of(exchange(code_verifier="wrong-verifier")) == (
        401,
        "Unauthorized",
        "'code_verifier' does not match the challenge",
    )
    # The failures above did not use the code up.
    assert exchange().status_code == 200
    assert error_of(exchange())[0] == 401  # now it is gone

    other = configure(emu, "other", flows_enabled=FLOWS, challenges=None)
    assert other is not None
    code = _code(_login(emu, code_challenge=challenge, code_challenge_method="S256")[0])
    assert error_of(
        exchange(code=code, client_id="other", client_secret=other, code_verifier=verifier)
    ) == (
        401,
        "Unauthorized",
        "Wrong 'code' for client_id 'other'",
    )
    code = _code(_login(emu, code_challenge=challenge, code_challenge_method="S256")[0])
    emu.clock.advance(31)
    assert error_of(exchange(code=code)) == (
        401,
        "SessionExpired",
        "The Authorization Code has expired",
    )


def test_flow_and_enabled_rules_at_the_token_endpoint(emu: RauthyEmulator) -> None:
    secret = configure(emu, flows_enabled=FLOWS, challenges=None)
    assert secret is not None
    code = _code(_login(emu)[0])
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "app1",
        "client_secret": secret,
    }
    configure_again = httpx.Client(
        base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"}
    )
    body = configure_again.get("/clients/app1").json()
    body["flows_enabled"] = ["client_credentials"]
    assert configure_again.put("/clients/app1", json=body).status_code == 200
    assert error_of(token_post(emu, **form)) == (
        400,
        "BadRequest",
        "'authorization_code' flow is not allowed for this client",
    )
    body["enabled"] = False
    assert configure_again.put("/clients/app1", json=body).status_code == 200
    assert error_of(token_post(emu, **form)) == (400, "BadRequest", "client is disabled")


def test_public_client_needs_no_secret_and_ignores_one(emu: RauthyEmulator) -> None:
    configure(emu, "spa", confidential=False, flows_enabled=["authorization_code"])
    verifier, challenge = pkce_pair("S256")
    code = _code(_login(emu, "spa", code_challenge=challenge, code_challenge_method="S256")[0])
    r = token_post(
        emu,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id="spa",
        client_secret="A" * 64,
        code_verifier=verifier,
    )
    assert r.status_code == 200
    assert "refresh_token" not in r.json()  # refresh_token is not among the flows


def test_authorize_get_checks_the_request_against_the_client(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=FLOWS)
    url = emu.url + "/oidc/authorize"
    ok = {
        "client_id": "app1",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    r = httpx.get(url, params=ok)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    r = httpx.get(url, params={**ok, "redirect_uri": "https://elsewhere.example.com/"})
    assert r.status_code == 400 and "Invalid redirect uri" in r.text
    r = httpx.get(url, params={**ok, "client_id": "ghost"})
    assert r.status_code == 404 and "Client &#x27;ghost&#x27; does not exist" in r.text
    r = httpx.get(url, params={"client_id": "app1"})
    assert (r.status_code, r.text) == (400, "Query deserialize error: missing field `redirect_uri`")
    r = httpx.get(url, params={**ok, "prompt": "none", "state": "s1"})
    assert r.status_code == 302
    assert r.headers["location"] == REDIRECT + "?error=login_required&state=s1"
    r = httpx.get(url, params=ok, headers={"origin": "https://evil.example.com"})
    assert r.status_code == 400 and "external Origin" in r.text


def test_login_answers_202_with_code_and_state(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=FLOWS, challenges=None)
    r, _ = _login(emu, state="xyz", pow="ignored-by-the-emulator")
    assert r.status_code == 202 and r.content == b""
    location = r.headers["location"]
    assert location.startswith(REDIRECT + "?code=") and location.endswith("&state=xyz")
    assert len(_code(r)) == 64


def test_login_failures(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=FLOWS, challenges=None)
    assert error_of(_login(emu, password="wrong")[0]) == (
        401,
        "Unauthorized",
        "Invalid user credentials",
    )
    assert error_of(_login(emu, email="bob@example.com")[0])[0] == 401
    configure(emu, "mfa", flows_enabled=FLOWS, challenges=None, force_mfa=True)
    assert error_of(_login(emu, "mfa")[0]) == (
        406,
        "MfaRequired",
        "MFA is required for this client",
    )
    configure(emu, "guarded", flows_enabled=FLOWS, challenges=None, restrict_group_prefix="adm")
    assert error_of(_login(emu, "guarded")[0])[:2] == (403, "Forbidden")
    r = httpx.post(
        emu.url + "/oidc/authorize",
        content=b"email=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (r.status_code, r.text) == (400, "Content type error")


def test_login_helper_reports_unknown_user_and_client(emu: RauthyEmulator) -> None:
    with pytest.raises(ValueError, match=r"^user: no test user 'bob@example.com'"):
        emu.login("app1", "bob@example.com")
    with pytest.raises(ValueError, match=r"^client_id: no client 'ghost'"):
        emu.login("ghost", "alice@example.com")


def test_test_user_repr_hides_the_password(emu: RauthyEmulator) -> None:
    emu.add_user("carol@example.com", password="s3cret-pass")
    user = emu._server.app.oidc.state.user_by_email("carol@example.com")  # type: ignore[union-attr]
    assert user is not None and "s3cret-pass" not in repr(user)


def test_tokens_carry_the_users_roles_as_they_are_at_issue_time(emu: RauthyEmulator) -> None:
    configure(emu, flows_enabled=FLOWS, challenges=None, scopes=["openid", "groups"])
    assert claims_of(emu.login("app1", "alice@example.com")["id_token"])["roles"] == ["admin"]
    with emu._store.lock:
        row = next(u for u in emu._store.kinds.users if u.email == "alice@example.com")
        row.roles = "admin,auditor"
    assert claims_of(emu.login("app1", "alice@example.com")["id_token"])["roles"] == [
        "admin",
        "auditor",
    ]
