"""Spec section 1: API-key header outcomes (1.1), authorisation (1.2), groups and rights (1.3)."""

from __future__ import annotations

import time

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


def _get(emu: RauthyEmulator, path: str, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return httpx.get(emu.url + path, headers=headers)


# --- 1.1, one test per table row --------------------------------------------------------------


def test_no_authorization_header_is_no_key(rauthy_emulator: RauthyEmulator) -> None:
    assert _get(rauthy_emulator, "/health", None).status_code == 200
    r = _get(rauthy_emulator, "/clients", None)
    assert error(r) == (401, "Unauthorized", "No valid session")
    assert r.headers["www-authenticate"] == "OAuth"


def test_header_without_space_is_malformed_header(rauthy_emulator: RauthyEmulator) -> None:
    r = _get(rauthy_emulator, "/clients", "API-Key")
    assert error(r) == (400, "BadRequest", "Malformed 'Authorization' header")


@pytest.mark.parametrize("scheme", ["Bearer", "api-key", "API-KEY"])
def test_other_scheme_is_ignored_then_no_session(
    rauthy_emulator: RauthyEmulator, scheme: str
) -> None:
    r = _get(rauthy_emulator, "/clients", f"{scheme} {rauthy_emulator.api_key}")
    assert error(r) == (401, "Unauthorized", "No valid session")
    assert r.headers["www-authenticate"] == "OAuth"


def test_key_without_dollar_is_malformed_api_key(rauthy_emulator: RauthyEmulator) -> None:
    r = _get(rauthy_emulator, "/clients", "API-Key ansible")
    assert error(r) == (400, "BadRequest", "Malformed API-Key")


def test_unknown_key_name_is_404_even_on_health(rauthy_emulator: RauthyEmulator) -> None:
    r = _get(rauthy_emulator, "/health", f"API-Key nobody${rauthy_emulator.api_key_secret}")
    assert error(r) == (404, "NotFound", "no rows returned")


def test_expired_key_is_401_checked_before_secret(rauthy_emulator: RauthyEmulator) -> None:
    rauthy_emulator.add_api_key("old", {"Clients": ["read"]}, expires=time.time() - 60)
    r = _get(rauthy_emulator, "/clients", "API-Key old$" + "x" * 64)
    assert error(r) == (401, "Unauthorized", "API Key has expired")
    assert r.headers["www-authenticate"] == "OAuth"


def test_wrong_secret_is_invalid_api_key(rauthy_emulator: RauthyEmulator) -> None:
    r = _get(rauthy_emulator, "/clients", "API-Key ansible$" + "x" * 64)
    assert error(r) == (401, "Unauthorized", "Invalid API-Key")


def test_secret_split_on_first_dollar(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("dollar", {"Clients": ["read"]}, secret="a$" + "b" * 64)
    assert _get(rauthy_emulator, "/clients", f"API-Key {token}").status_code == 200


def test_middleware_skips_app_assets_and_base(rauthy_emulator: RauthyEmulator) -> None:
    assert _get(rauthy_emulator, "/", "API-Key").status_code == 200
    assert _get(rauthy_emulator, "/_app/x.js", "API-Key").status_code == 404


# --- 1.2 ----------------------------------------------------------------------------------------


def test_key_with_right_is_ok(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("reader", {"Clients": ["read"]})
    assert _get(rauthy_emulator, "/clients", f"API-Key {token}").status_code == 200


def test_key_missing_right_is_403_naming_group_and_right(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("reader", {"Clients": ["read"]})
    r = httpx.post(
        rauthy_emulator.url + "/clients",
        json=new_client(),
        headers={"Authorization": f"API-Key {token}"},
    )
    assert error(r) == (
        403,
        "Forbidden",
        "Bad permissions for given ApiKey. Needed: Clients / Create",
    )


def test_key_missing_group_is_403(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("roles", {"Roles": ["read"]})
    r = _get(rauthy_emulator, "/clients", f"API-Key {token}")
    assert error(r) == (
        403,
        "Forbidden",
        "Bad permissions for given ApiKey. Needed: Clients / Read",
    )


# --- 1.3: rights per client route, one test per row -------------------------------------------


def _confidential(emu: RauthyEmulator) -> None:
    r = httpx.post(
        emu.url + "/clients",
        json=new_client("app1"),
        headers={"Authorization": f"API-Key {emu.api_key}"},
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("GET", "/clients", ("Clients", "read")),
        ("GET", "/clients/app1", ("Clients", "read")),
        ("POST", "/clients", ("Clients", "create")),
        ("PUT", "/clients/app1", ("Clients", "update")),
        ("DELETE", "/clients/app1", ("Clients", "delete")),
        ("POST", "/clients/app1/secret", ("Secrets", "read")),
        ("PUT", "/clients/app1/secret", ("Secrets", "update")),
    ],
)
def test_route_needs_exactly_its_group_and_right(
    rauthy_emulator: RauthyEmulator, method: str, path: str, needed: tuple[str, str]
) -> None:
    _confidential(rauthy_emulator)
    group, right = needed
    all_but = {
        g: [r for r in ("read", "create", "update", "delete") if (g, r) != needed]
        for g in ("Clients", "Secrets")
    }
    lacking = rauthy_emulator.add_api_key("lacking", all_but)
    having = rauthy_emulator.add_api_key("having", {group: [right]})
    body = None
    if (method, path) == ("POST", "/clients"):
        body = new_client("app2")
    elif (method, path) == ("PUT", "/clients/app1"):
        body = httpx.get(
            rauthy_emulator.url + "/clients/app1",
            headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
        ).json()
    denied = httpx.request(
        method,
        rauthy_emulator.url + path,
        json=body,
        headers={"Authorization": f"API-Key {lacking}"},
    )
    assert error(denied) == (
        403,
        "Forbidden",
        f"Bad permissions for given ApiKey. Needed: {group} / {right.capitalize()}",
    )
    allowed = httpx.request(
        method,
        rauthy_emulator.url + path,
        json=body,
        headers={"Authorization": f"API-Key {having}"},
    )
    assert allowed.status_code == 200


def test_default_key_has_every_group_and_right(rauthy_emulator: RauthyEmulator) -> None:
    name, _, secret = rauthy_emulator.api_key.partition("$")
    assert name == "ansible"
    assert len(secret) == 64 and secret.isalnum() and secret == rauthy_emulator.api_key_secret
    _confidential(rauthy_emulator)
    r = httpx.put(
        rauthy_emulator.url + "/clients/app1/secret",
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
    )
    assert r.status_code == 200


def test_add_api_key_validates_name_and_groups(rauthy_emulator: RauthyEmulator) -> None:
    with pytest.raises(ValueError, match="name"):
        rauthy_emulator.add_api_key("x", {"Clients": ["read"]})
    with pytest.raises(ValueError, match="group"):
        rauthy_emulator.add_api_key("ok", {"Client": ["read"]})
    with pytest.raises(ValueError, match="rights"):
        rauthy_emulator.add_api_key("ok", {"Clients": ["Read"]})


# --- 1.4, the Sec-Fetch check (runs before the API-key middleware) ----------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_cross_origin_write_is_forbidden(rauthy_emulator: RauthyEmulator, site: str) -> None:
    r = httpx.post(
        rauthy_emulator.url + "/clients",
        json=new_client("xo"),
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}", "sec-fetch-site": site},
    )
    assert error(r) == (400, "BadRequest", "cross-origin request forbidden for this resource")
    assert rauthy_emulator.get_client("xo") is None


def test_sec_fetch_check_comes_before_api_key_errors(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.delete(
        rauthy_emulator.url + "/clients/x",
        headers={"Authorization": "API-Key", "sec-fetch-site": "cross-site"},
    )
    assert error(r)[2] == "cross-origin request forbidden for this resource"


def test_same_origin_write_and_cross_origin_read_pass(rauthy_emulator: RauthyEmulator) -> None:
    auth = {"Authorization": f"API-Key {rauthy_emulator.api_key}"}
    same = {**auth, "sec-fetch-site": "same-origin"}
    r = httpx.post(rauthy_emulator.url + "/clients", json=new_client("so"), headers=same)
    assert r.status_code == 200
    cross = {**auth, "sec-fetch-site": "cross-site"}
    assert httpx.get(rauthy_emulator.url + "/clients/so", headers=cross).status_code == 200


@pytest.mark.parametrize(
    "path", ["/auth/v1/.well-known/openid-configuration", "/.well-known/openid-configuration"]
)
def test_sec_fetch_allowlist_is_not_blocked(rauthy_emulator: RauthyEmulator, path: str) -> None:
    root = rauthy_emulator.url.removesuffix("/auth/v1")
    r = httpx.post(root + path, headers={"sec-fetch-site": "cross-site"})
    assert (r.status_code, r.content) == (404, b"")  # no POST route, but not blocked either
