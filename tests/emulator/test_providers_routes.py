"""The emulator's ``/providers`` routes, spoken to as raw HTTP (Rauthy's quirks included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator


@pytest.fixture
def head() -> Iterator[RauthyEmulator]:
    with RauthyEmulator(port=0, version="0.36") as emulator:
        yield emulator


def _client(emulator: RauthyEmulator, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"API-Key {key or emulator.api_key}"}
    return httpx.Client(base_url=emulator.url, headers=headers)


def _body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Corp SSO",
        "typ": "oidc",
        "enabled": True,
        "issuer": "https://sso.example.com",
        "authorization_endpoint": "https://sso.example.com/authorize",
        "token_endpoint": "https://sso.example.com/token",
        "userinfo_endpoint": "https://sso.example.com/userinfo",
        "use_pkce": True,
        "client_secret_basic": True,
        "client_secret_post": False,
        "auto_onboarding": False,
        "auto_link": False,
        "client_id": "assay",
        "client_secret": "Corp-Upstream-Secret-1",
        "scope": "openid  profile email",
    }
    body.update(extra)
    return body


def test_0352_serves_no_provider_route_to_an_api_key(rauthy_emulator: RauthyEmulator) -> None:
    with _client(rauthy_emulator) as api:
        for method, path, body in [
            ("POST", "/providers", None),
            ("POST", "/providers/create", _body()),
            ("PUT", "/providers/x", _body()),
            ("DELETE", "/providers/x", None),
            ("GET", "/providers/x/delete_safe", None),
        ]:
            answer = api.request(method, path, json=body)
            assert answer.status_code == 401, (method, path)
            assert answer.json()["message"] == "No valid session"
        # the body is read before the session check, as actix extracts it first
        bad = api.post("/providers/create", json={"name": "x"})
        assert bad.status_code == 400 and "missing field" in bad.text


def test_create_list_update_delete_as_rauthy(head: RauthyEmulator) -> None:
    with _client(head) as api:
        created = api.post("/providers/create", json=_body())
        assert created.status_code == 200
        row = created.json()
        # the stored form: blanks collapsed, words joined with '+'; the secret in clear
        assert row["scope"] == "openid+profile+email"
        assert row["client_secret"] == "Corp-Upstream-Secret-1"
        assert row["jwks_endpoint"] is None and "mfa_claim_path" in row
        # no name uniqueness: a second create makes a twin; the list is sorted by name
        api.post("/providers/create", json=_body(name="Another"))
        api.post("/providers/create", json=_body())
        names = [p["name"] for p in api.post("/providers").json()]
        assert names == ["Another", "Corp SSO", "Corp SSO"]
        # PUT answers empty and replaces everything: no secret sent, secret erased
        put = api.put(f"/providers/{row['id']}", json=_body(client_secret=None))
        assert put.status_code == 200 and put.content == b""
        again = next(p for p in api.post("/providers").json() if p["id"] == row["id"])
        assert again["client_secret"] is None
        # PUT of an unknown id: 200, nothing happens
        assert api.put("/providers/nope", json=_body()).status_code == 200
        assert api.delete(f"/providers/{row['id']}").status_code == 200
        assert row["id"] not in [p["id"] for p in api.post("/providers").json()]


def test_create_and_update_rules(head: RauthyEmulator) -> None:
    with _client(head) as api:
        # accepted by create, refused by update: a secret with no way to send it
        no_method = _body(client_secret_basic=False, client_secret_post=False)
        created = api.post("/providers/create", json=no_method)
        assert created.status_code == 200
        put = api.put(f"/providers/{created.json()['id']}", json=no_method)
        assert put.status_code == 400 and "client_secret_basic" in put.json()["message"]
        pkce = api.post("/providers/create", json=_body(use_pkce=False, client_secret=None))
        assert pkce.json()["message"] == "Must at least be a confidential client or use PKCE"
        atproto = api.post("/providers/create", json=_body(issuer="atproto"))
        assert atproto.json()["message"] == "Must not contain a reserved name"
        plus = api.post("/providers/create", json=_body(scope="openid+email"))
        assert plus.status_code == 400 and '"scope"' in plus.json()["message"]
        typ = api.post("/providers/create", json=_body(typ="saml"))
        assert typ.status_code == 400 and "unknown variant `saml`" in typ.text


def test_rights_per_access_group(head: RauthyEmulator) -> None:
    key = head.add_api_key("reader", {"AuthProviders": ["read"]})
    with _client(head) as admin:
        row = admin.post("/providers/create", json=_body()).json()
    with _client(head, key) as reader:
        assert reader.post("/providers").status_code == 200
        denied = reader.post("/providers/create", json=_body())
        assert denied.status_code == 403
        assert denied.json()["message"].endswith("Needed: AuthProviders / Create")
        assert reader.put(f"/providers/{row['id']}", json=_body()).status_code == 403
        assert reader.delete(f"/providers/{row['id']}").status_code == 403


def test_delete_safe_and_silent_unlink(head: RauthyEmulator) -> None:
    with _client(head) as api:
        row = api.post("/providers/create", json=_body()).json()
        assert api.get(f"/providers/{row['id']}/delete_safe").json() == []
        head.add_user("ada@example.com")
        head.link_user("ada@example.com", "Corp SSO")
        safe = api.get(f"/providers/{row['id']}/delete_safe")
        assert safe.status_code == 406 and safe.json()[0]["email"] == "ada@example.com"
        user = next(u for u in api.get("/users").json() if u["email"] == "ada@example.com")
        full = api.get(f"/users/{user['id']}").json()
        assert full["auth_provider_id"] == row["id"] and full["account_type"] == "federated"
        api.delete(f"/providers/{row['id']}")
        assert "auth_provider_id" not in api.get(f"/users/{user['id']}").json()


def test_lookup_fetches_the_discovery_document_server_side(head: RauthyEmulator) -> None:
    with _client(head) as api:
        found = api.post("/providers/lookup", json={"issuer": head.url})
        assert found.status_code == 200
        doc = found.json()
        assert doc["token_endpoint"] == head.url + "/oidc/token"
        assert doc["scope"] == "openid profile email "
        assert doc["use_pkce"] is True and doc["client_secret_basic"] is True
        missing = api.post("/providers/lookup", json={})
        assert missing.status_code == 400 and "metadata_url" in missing.json()["message"]
        gone = api.post("/providers/lookup", json={"metadata_url": head.url + "/nothing-here"})
        assert gone.status_code == 500 and gone.json()["error"] == "Connection"
