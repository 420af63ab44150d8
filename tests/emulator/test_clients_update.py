"""Spec 4.3: PUT /clients/{id} is a full replacement; one test per row of the field table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


@pytest.fixture
def client(api: httpx.Client) -> dict[str, Any]:
    assert api.post("/clients", json=new_client("app1")).status_code == 200
    body: dict[str, Any] = api.get("/clients/app1").json()
    return body


def _put(api: httpx.Client, body: dict[str, Any], **changes: Any) -> httpx.Response:
    return api.put("/clients/app1", json={**body, **changes})


def _without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


def _invalid(r: httpx.Response, field: str, code: str | None = None) -> None:
    status, kind, message = error(r)
    assert (status, kind) == (400, "BadRequest")
    assert message.startswith("Payload validation error: ValidationErrors({")
    assert f'"{field}": ' in message
    if code is not None:
        assert f'code: "{code}"' in message


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "confidential",
        "redirect_uris",
        "enabled",
        "flows_enabled",
        "access_token_alg",
        "id_token_alg",
        "auth_code_lifetime",
        "access_token_lifetime",
        "scopes",
        "default_scopes",
        "force_mfa",
    ],
)
def test_required_fields(api: httpx.Client, client: dict[str, Any], field: str) -> None:
    r = api.put("/clients/app1", json=_without(client, field))
    assert r.status_code == 400
    assert f"missing field `{field}`" in r.text


# --- id ---


def test_id_regex_on_put(api: httpx.Client, client: dict[str, Any]) -> None:
    _invalid(_put(api, client, id="bad id"), "id")


def test_id_removed_in_nightly() -> None:
    with (
        RauthyEmulator(version="0.36") as emu,
        httpx.Client(base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"}) as api,
    ):
        api.post("/clients", json=new_client("app1"))
        body = _without(api.get("/clients/app1").json(), "id")
        assert api.put("/clients/app1", json=body).status_code == 200
        r = api.put("/clients/app1", json={**body, "id": "other!"})
        assert r.status_code == 200 and r.json()["id"] == "app1"


def test_id_check_after_404(api: httpx.Client, client: dict[str, Any]) -> None:
    r = api.put("/clients/ghost", json={**client, "id": "other"})
    assert error(r)[:2] == (404, "NotFound")


# --- name ---


def test_name_validated_and_null_clears(api: httpx.Client, client: dict[str, Any]) -> None:
    _invalid(_put(api, client, name="App (dev)"), "name")
    assert "name" not in _put(api, client, name=None).json()
    assert "name" not in _put(api, _without(client, "name")).json()


# --- confidential ---


def test_confidential_transitions(
    api: httpx.Client, client: dict[str, Any], rauthy_emulator: RauthyEmulator
) -> None:
    first = rauthy_emulator.client_secret("app1")
    _put(api, client, confidential=True)
    assert rauthy_emulator.client_secret("app1") == first  # true -> true keeps it
    _put(api, client, confidential=False)
    assert rauthy_emulator.client_secret("app1") is None  # false drops it
    r = _put(api, client, confidential=True)
    assert "secret" not in r.json()
    second = rauthy_emulator.client_secret("app1")
    assert second is not None and second != first  # false -> true generates


# --- uris ---


def test_redirect_uris_validated_and_may_be_empty(
    api: httpx.Client, client: dict[str, Any]
) -> None:
    _invalid(_put(api, client, redirect_uris=["no spaces allowed"]), "redirect_uris")
    assert _put(api, client, redirect_uris=[]).json()["redirect_uris"] == []


def test_post_logout_redirect_uris(api: httpx.Client, client: dict[str, Any]) -> None:
    _invalid(_put(api, client, post_logout_redirect_uris=["x y"]), "post_logout_redirect_uris")
    r = _put(api, client, post_logout_redirect_uris=["https://a.example.com/bye"])
    assert r.json()["post_logout_redirect_uris"] == ["https://a.example.com/bye"]
    assert "post_logout_redirect_uris" not in _put(api, client, post_logout_redirect_uris=[]).json()


@pytest.mark.parametrize(
    "origin", ["https://App.example.com", "https://a.example.com/", "ftp://a.example.com"]
)
def test_allowed_origins_rejected(api: httpx.Client, client: dict[str, Any], origin: str) -> None:
    _invalid(
        _put(api, client, allowed_origins=[origin]),
        "allowed_origins",
        r"^(http|https)://[a-z0-9.:-]+$",
    )


def test_allowed_origins_kept_and_empty_omitted(api: httpx.Client, client: dict[str, Any]) -> None:
    origins = ["https://a.example.com:8443", "http://localhost:5173"]
    assert _put(api, client, allowed_origins=origins).json()["allowed_origins"] == origins
    assert "allowed_origins" not in _put(api, client, allowed_origins=[]).json()


# --- enabled / flows / algs / lifetimes ---


def test_enabled(api: httpx.Client, client: dict[str, Any]) -> None:
    assert _put(api, client, enabled=False).json()["enabled"] is False


def test_flows_enabled(api: httpx.Client, client: dict[str, Any]) -> None:
    flows = ["refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]
    assert _put(api, client, flows_enabled=flows).json()["flows_enabled"] == flows
    _invalid(_put(api, client, flows_enabled=[]), "flows_enabled")
    _invalid(_put(api, client, flows_enabled=["implicit"]), "flows_enabled")


@pytest.mark.parametrize("field", ["access_token_alg", "id_token_alg"])
def test_alg_enum_exact_case(api: httpx.Client, client: dict[str, Any], field: str) -> None:
    assert _put(api, client, **{field: "RS512"}).json()[field] == "RS512"
    r = _put(api, client, **{field: "rs256"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "Json deserialize error: unknown variant `rs256`" in r.text


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("auth_code_lifetime", 10, 300), ("access_token_lifetime", 10, 86400)],
)
def test_lifetime_bounds(
    api: httpx.Client, client: dict[str, Any], field: str, low: int, high: int
) -> None:
    assert _put(api, client, **{field: low}).json()[field] == low
    assert _put(api, client, **{field: high}).json()[field] == high
    _invalid(_put(api, client, **{field: low - 1}), field, "range")
    _invalid(_put(api, client, **{field: high + 1}), field, "range")
    assert "expected i32" in _put(api, client, **{field: 1.5}).text


# --- scopes ---


@pytest.mark.parametrize("field", ["scopes", "default_scopes"])
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["openid", "email"], ["email", "openid"]),
        (["profile"], ["openid", "profile"]),
        ([], ["openid"]),
        (["phone", "doestnotexist", "offline_access", "groups"], ["openid", "groups", "phone"]),
    ],
)
def test_scopes_sanitised(
    api: httpx.Client, client: dict[str, Any], field: str, given: list[str], stored: list[str]
) -> None:
    assert _put(api, client, **{field: given}).json()[field] == stored


@pytest.mark.parametrize("field", ["scopes", "default_scopes"])
def test_scopes_regex(api: httpx.Client, client: dict[str, Any], field: str) -> None:
    _invalid(_put(api, client, **{field: ["a"]}), field)
    _invalid(_put(api, client, **{field: ["has space"]}), field)


# --- challenges ---


def test_challenges(api: httpx.Client, client: dict[str, Any]) -> None:
    assert _put(api, client, challenges=["plain", "S256"]).json()["challenges"] == ["plain", "S256"]
    assert "challenges" not in _put(api, client, challenges=None).json()
    assert "challenges" not in _put(api, _without(client, "challenges")).json()
    _invalid(
        _put(api, client, challenges=[]), "challenges", "'challenges' cannot be empty when provided"
    )
    _invalid(_put(api, client, challenges=["s256"]), "challenges")


# --- the rest ---


def test_force_mfa(api: httpx.Client, client: dict[str, Any]) -> None:
    assert _put(api, client, force_mfa=True).json()["force_mfa"] is True


def test_client_uri(api: httpx.Client, client: dict[str, Any]) -> None:
    assert _put(api, client, client_uri="https://app.example.com").json()["client_uri"] == (
        "https://app.example.com"
    )
    _invalid(_put(api, client, client_uri="not a uri"), "client_uri")


def test_contacts(api: httpx.Client, client: dict[str, Any]) -> None:
    contacts = ["admin@example.com", "mailto:ops-team@example.com"]
    assert _put(api, client, contacts=contacts).json()["contacts"] == contacts
    _invalid(_put(api, client, contacts=["a" * 49]), "contacts")
    _invalid(_put(api, client, contacts=["Bob <bob@x.io>"]), "contacts")
    assert "contacts" not in _put(api, client, contacts=[]).json()


def test_backchannel_logout_uri(api: httpx.Client, client: dict[str, Any]) -> None:
    uri = "https://app.example.com/logout/bc"
    assert _put(api, client, backchannel_logout_uri=uri).json()["backchannel_logout_uri"] == uri
    _invalid(_put(api, client, backchannel_logout_uri="x y"), "backchannel_logout_uri")


def test_restrict_group_prefix(api: httpx.Client, client: dict[str, Any]) -> None:
    r = _put(api, client, restrict_group_prefix="app/ admins")
    assert r.json()["restrict_group_prefix"] == "app/ admins"
    _invalid(_put(api, client, restrict_group_prefix="a"), "restrict_group_prefix")


def test_scim(api: httpx.Client, client: dict[str, Any]) -> None:
    scim = {"bearer_token": "tok", "base_uri": "https://scim.example.com", "sync_groups": False}
    assert _put(api, client, scim=scim).json()["scim"] == scim
    assert "scim" not in _put(api, client).json()  # omitted deletes it (full replacement)
    r = _put(api, client, scim={**scim, "base_uri": "bad uri"})
    status, _, message = error(r)
    assert status == 400 and '"scim": Struct(ValidationErrors({"base_uri"' in message
    assert (
        "missing field `sync_groups`"
        in _put(api, client, scim={"bearer_token": "t", "base_uri": "u"}).text
    )


@pytest.fixture
def nightly() -> Iterator[httpx.Client]:
    with (
        RauthyEmulator(version="0.36") as emu,
        httpx.Client(base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"}) as api,
    ):
        api.post("/clients", json=new_client("app1"))
        yield api


def test_claims_nightly_only(
    api: httpx.Client, client: dict[str, Any], nightly: httpx.Client
) -> None:
    assert "claims" not in _put(api, client, claims={"a": 1}).json()  # unknown in 0.35.2
    body = nightly.get("/clients/app1").json()
    assert nightly.put("/clients/app1", json={**body, "claims": {"team": "x"}}).json()[
        "claims"
    ] == {"team": "x"}
    _invalid(nightly.put("/clients/app1", json={**body, "claims": [1]}), "claims")
    _invalid(nightly.put("/clients/app1", json={**body, "claims": {"k": "v" * 1100}}), "claims")


def test_claims_at_root_nightly_always_present(
    nightly: httpx.Client, client: dict[str, Any]
) -> None:
    assert "claims_at_root" not in client
    body = nightly.get("/clients/app1").json()
    assert body["claims_at_root"] is False
    assert (
        nightly.put("/clients/app1", json={**body, "claims_at_root": True}).json()["claims_at_root"]
        is True
    )


@pytest.mark.parametrize("field", ["allowed_resources", "default_aud"])
def test_resources_and_aud_nightly(nightly: httpx.Client, field: str) -> None:
    body = nightly.get("/clients/app1").json()
    values = ["https://api.example.com"]
    assert nightly.put("/clients/app1", json={**body, field: values}).json()[field] == values
    assert field not in nightly.put("/clients/app1", json={**body, field: []}).json()
    _invalid(nightly.put("/clients/app1", json={**body, field: ["x y"]}), field)
    # RFC 8707 resource indicators carry no fragment: Rauthy's rule is RE_URI without '#'.
    _invalid(nightly.put("/clients/app1", json={**body, field: ["https://a.example/#x"]}), field)


def test_scim_group_sync_prefix_may_contain_whitespace(
    api: httpx.Client, client: dict[str, Any]
) -> None:
    scim = {
        "bearer_token": "tok",
        "base_uri": "https://scim.example.com",
        "sync_groups": True,
        "group_sync_prefix": "team a/",
    }
    assert _put(api, client, scim=scim).json()["scim"] == scim
