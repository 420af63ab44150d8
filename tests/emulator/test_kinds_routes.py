"""Scopes, roles, groups, attribute definitions and the API-key self test, route by route."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


def _id(api: httpx.Client, path: str, name: str) -> str:
    rows = api.get(path).json()
    rows = rows["values"] if isinstance(rows, dict) else rows
    return str(next(r["id"] for r in rows if r["name"] == name))


def test_fresh_database_has_rauthys_built_ins(api: httpx.Client) -> None:
    assert [s["name"] for s in api.get("/scopes").json()] == [
        "email",
        "openid",
        "profile",
        "groups",
        "address",
        "phone",
    ]
    assert [r["name"] for r in api.get("/roles").json()] == ["admin", "user", "rauthy_admin"]
    assert [g["name"] for g in api.get("/groups").json()] == ["user", "admin"]
    assert api.get("/users/attr").json() == {"values": []}
    assert all(len(s["id"]) == 24 and set(s) == {"id", "name"} for s in api.get("/scopes").json())


def test_post_scope_answers_the_stored_row_with_comma_joined_mappings(api: httpx.Client) -> None:
    for name in ("dept", "city"):
        assert api.post("/users/attr", json={"name": name}).status_code == 200
    answer = api.post(
        "/scopes", json={"scope": "read:billing", "attr_include_access": ["dept", "city"]}
    )
    assert answer.status_code == 200
    row = answer.json()
    assert row["attr_include_access"] == "dept,city"
    assert row["attr_include_id"] is None
    listed = api.get("/scopes").json()[-1]
    assert listed == {
        "id": row["id"],
        "name": "read:billing",
        "attr_include_access": ["dept", "city"],
    }


def test_unknown_attributes_are_dropped_and_all_unknown_is_a_list_of_one_empty_string(
    api: httpx.Client,
) -> None:
    api.post("/users/attr", json={"name": "dept"})
    api.post("/scopes", json={"scope": "a:one", "attr_include_access": ["nope", "dept"]})
    api.post("/scopes", json={"scope": "a:two", "attr_include_id": ["nope"]})
    rows = {r["name"]: r for r in api.get("/scopes").json()}
    assert rows["a:one"]["attr_include_access"] == ["dept"]
    assert rows["a:two"]["attr_include_id"] == [""]


def test_scope_errors(api: httpx.Client) -> None:
    assert error(api.post("/scopes", json={"scope": "email"})) == (
        400,
        "BadRequest",
        "Scope already exists",
    )
    status, _, message = error(
        api.post("/scopes", json={"scope": "profile2", "attr_include_id": []})
    )
    assert status == 400 and "'validate_vec_attr' cannot be empty when provided" in message
    status, _, message = error(api.post("/scopes", json={"scope": "x"}))
    assert status == 400 and "Payload validation error" in message and '"scope"' in message
    # the duplicate check comes first, so a default scope's mappings are refused on PUT
    address = _id(api, "/scopes", "address")
    put = api.put(f"/scopes/{address}", json={"scope": "address", "attr_include_id": ["dept"]})
    assert error(put) == (400, "BadRequest", "OpenID default scopes cannot have custom mappings")
    openid = _id(api, "/scopes", "openid")
    assert error(api.put(f"/scopes/{openid}", json={"scope": "openid2"}))[2] == (
        "The 'openid' scope cannot be changed"
    )
    assert error(api.delete(f"/scopes/{openid}"))[2] == "The 'openid' scope cannot be deleted"
    assert error(api.delete("/scopes/nope"))[:2] == (404, "NotFound")
    assert error(api.put("/scopes/nope", json={"scope": "abc"}))[:2] == (404, "NotFound")
    body = api.post("/scopes", content=b"{", headers={"content-type": "application/json"})
    assert body.status_code == 400 and body.text.startswith("Json deserialize error")


def test_the_other_default_scopes_can_be_deleted_and_discovery_follows(
    api: httpx.Client, anon: httpx.Client
) -> None:
    phone = _id(api, "/scopes", "phone")
    assert api.delete(f"/scopes/{phone}").status_code == 200
    api.post("/scopes", json={"scope": "read:billing"})
    supported = anon.get("/.well-known/openid-configuration").json()["scopes_supported"]
    assert "phone" not in supported and supported[-1] == "read:billing"


def test_client_put_keeps_custom_scopes_and_drops_unknown_ones(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/clients", json=new_client())
    api.post("/scopes", json={"scope": "read:billing"})
    body = api.get("/clients/app1").json()
    body["scopes"] = ["openid", "read:billing", "nope:unknown"]
    assert api.put("/clients/app1", json=body).json()["scopes"] == ["openid", "read:billing"]


def test_scope_delete_strips_by_substring_and_corrupts_a_longer_name(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/clients", json=new_client())
    for name in ("read", "read_all"):
        api.post("/scopes", json={"scope": name})
    body = api.get("/clients/app1").json()
    body["scopes"] = ["openid", "read_all"]
    api.put("/clients/app1", json=body)
    assert api.delete(f"/scopes/{_id(api, '/scopes', 'read')}").status_code == 200
    # Rauthy removes ",read" by string replacement: "openid,read_all" becomes "openid_all".
    assert rauthy_emulator.get_client("app1")["scopes"] == ["openid_all"]  # type: ignore[index]


def test_scope_rename_rewrites_clients_by_substring(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/clients", json=new_client())
    for name in ("read", "read_all"):
        api.post("/scopes", json={"scope": name})
    body = api.get("/clients/app1").json()
    body["scopes"] = ["openid", "read_all"]
    api.put("/clients/app1", json=body)
    api.put(f"/scopes/{_id(api, '/scopes', 'read')}", json={"scope": "write"})
    assert rauthy_emulator.get_client("app1")["scopes"] == ["openid", "write_all"]  # type: ignore[index]


def test_roles_create_put_delete_and_the_anti_lockout_rule(api: httpx.Client) -> None:
    created = api.post("/roles", json={"role": "billing_admin", "meta": {"owner": "finance"}})
    assert created.json() == {
        "id": created.json()["id"],
        "name": "billing_admin",
        "meta": {"owner": "finance"},
    }
    assert error(api.post("/roles", json={"role": "billing_admin"}))[2] == "Role already exists"
    role_id = created.json()["id"]
    put = api.put(f"/roles/{role_id}", json={"role": "billing_admin"})
    assert put.json() == {"id": role_id, "name": "billing_admin"}  # meta left out: cleared
    admin = _id(api, "/roles", "rauthy_admin")
    assert error(api.delete(f"/roles/{admin}"))[2] == (
        "Anti-Lockout Rule: The 'rauthy_admin' role cannot be deleted"
    )
    assert api.delete(f"/roles/{role_id}").status_code == 200
    assert error(api.delete(f"/roles/{role_id}"))[:2] == (404, "NotFound")


def test_role_rename_and_delete_rewrite_users_by_substring(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/roles", json={"role": "dev"})
    api.post("/roles", json={"role": "devops"})
    rauthy_emulator.add_user("ada@example.com", roles=["devops"])
    api.put(f"/roles/{_id(api, '/roles', 'dev')}", json={"role": "engineer"})
    assert rauthy_emulator.user_memberships("ada@example.com") == {
        "roles": ["engineerops"],
        "groups": [],
    }


def test_group_names_take_spaces_and_refuse_dots(api: httpx.Client) -> None:
    assert api.post("/groups", json={"group": "Finance Team"}).status_code == 200
    assert error(api.post("/groups", json={"group": "fin.team"}))[0] == 400
    assert error(api.post("/groups", json={"group": "Finance Team"}))[2] == "Group already exists"


def test_group_delete_removes_it_from_users(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/groups", json={"group": "finance"})
    rauthy_emulator.add_user("ada@example.com", groups=["finance", "user"])
    api.delete(f"/groups/{_id(api, '/groups', 'finance')}")
    assert rauthy_emulator.user_memberships("ada@example.com") == {"roles": [], "groups": ["user"]}


def test_attribute_definitions(api: httpx.Client) -> None:
    created = api.post(
        "/users/attr", json={"name": "department", "desc": "org unit", "typ": "Email"}
    )
    assert created.json() == {
        "name": "department",
        "desc": "org unit",
        "typ": "Email",
        "user_editable": False,
    }
    assert error(api.post("/users/attr", json={"name": "department"}))[2] == (
        "User attribute config does already exist"
    )
    put = api.put("/users/attr/department", json={"name": "department", "default_value": [1]})
    # desc cleared, typ kept, user_editable back to false
    assert put.json() == {
        "name": "department",
        "default_value": [1],
        "typ": "Email",
        "user_editable": False,
    }
    assert error(api.put("/users/attr/nope", json={"name": "nope"}))[:2] == (404, "NotFound")
    status, _, message = error(api.post("/users/attr", json={"name": "a.b"}))
    assert status == 400 and '"name"' in message
    typ = api.post(
        "/users/attr",
        content=b'{"name": "xx", "typ": "Phone"}',
        headers={"content-type": "application/json"},
    )
    assert typ.status_code == 400
    assert typ.text == (
        "Json deserialize error: unknown variant `Phone`, expected `Email` at line 1 column 29"
    )
    editable = api.post("/users/attr", json={"name": "xx", "user_editable": "yes"})
    assert editable.text.startswith(
        'Json deserialize error: invalid type: string "yes", expected a boolean'
    )
    assert api.post("/users/attr", json={"name": "xx", "user_editable": None}).status_code == 200
    assert api.delete("/users/attr/department").status_code == 200
    assert error(api.delete("/users/attr/department"))[:2] == (404, "NotFound")


def test_attribute_delete_corrupts_a_mapping_that_contains_its_name(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    for name in ("dept", "dept_code"):
        api.post("/users/attr", json={"name": name})
    api.post("/scopes", json={"scope": "org", "attr_include_access": ["dept_code"]})
    api.delete("/users/attr/dept")
    assert rauthy_emulator.stored_scope("org")["attr_include_access"] == "_code"  # type: ignore[index]


def test_attribute_rename_rewrites_mappings(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/users/attr", json={"name": "dept"})
    api.post("/scopes", json={"scope": "org", "attr_include_id": ["dept"]})
    api.put("/users/attr/dept", json={"name": "department"})
    assert rauthy_emulator.stored_scope("org")["attr_include_id"] == "department"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path", "body", "needed"),
    [
        ("GET", "/scopes", None, "Scopes / Read"),
        ("POST", "/scopes", {"scope": "abc"}, "Scopes / Create"),
        ("PUT", "/scopes/x", {"scope": "abc"}, "Scopes / Update"),
        ("DELETE", "/scopes/x", None, "Scopes / Delete"),
        ("GET", "/roles", None, "Roles / Read"),
        ("POST", "/roles", {"role": "abc"}, "Roles / Create"),
        ("DELETE", "/groups/x", None, "Groups / Delete"),
        ("PUT", "/groups/x", {"group": "abc"}, "Groups / Update"),
        ("GET", "/users/attr", None, "UserAttributes / Read"),
        ("POST", "/users/attr", {"name": "abc"}, "UserAttributes / Create"),
        ("PUT", "/users/attr/abc", {"name": "abc"}, "UserAttributes / Update"),
        ("DELETE", "/users/attr/abc", None, "UserAttributes / Delete"),
    ],
)
def test_rights_per_access_group(
    rauthy_emulator: RauthyEmulator, method: str, path: str, body: object, needed: str
) -> None:
    token = rauthy_emulator.add_api_key("narrow", {"Clients": ["read"]})
    response = httpx.request(
        method, rauthy_emulator.url + path, json=body, headers={"Authorization": f"API-Key {token}"}
    )
    assert error(response) == (
        403,
        "Forbidden",
        f"Bad permissions for given ApiKey. Needed: {needed}",
    )
    assert error(httpx.request(method, rauthy_emulator.url + path, json=body))[:2] == (
        401,
        "Unauthorized",
    )


def test_api_key_self_test(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("reader", {"Scopes": ["read"], "Roles": ["create", "read"]})
    headers = {"Authorization": f"API-Key {token}"}
    answer = httpx.get(rauthy_emulator.url + "/api_keys/reader/test", headers=headers).json()
    assert answer["name"] == "reader" and answer["expires"] is None
    assert answer["access"] == [
        {"group": "Roles", "access_rights": ["read", "create"]},
        {"group": "Scopes", "access_rights": ["read"]},
    ]
    other = httpx.get(rauthy_emulator.url + "/api_keys/ansible/test", headers=headers)
    assert error(other) == (403, "Forbidden", "Wrong API Key given")
    assert error(httpx.get(rauthy_emulator.url + "/api_keys/reader/test")) == (
        401,
        "Unauthorized",
        "No API Key given",
    )


def test_head_scopes_have_claims_at_root() -> None:
    with RauthyEmulator(version="0.36") as emulator:
        api = httpx.Client(
            base_url=emulator.url, headers={"Authorization": f"API-Key {emulator.api_key}"}
        )
        row = api.post("/scopes", json={"scope": "org", "claims_at_root": True}).json()
        assert row["claims_at_root"] is True
        assert api.get("/scopes").json()[0]["claims_at_root"] is False
        # forced off for default scopes
        email = _id(api, "/scopes", "email")
        assert (
            api.put(f"/scopes/{email}", json={"scope": "email", "claims_at_root": True}).json()[
                "claims_at_root"
            ]
            is False
        )
    with RauthyEmulator() as emulator:
        api = httpx.Client(
            base_url=emulator.url, headers={"Authorization": f"API-Key {emulator.api_key}"}
        )
        assert (
            "claims_at_root"
            not in api.post("/scopes", json={"scope": "org", "claims_at_root": True}).json()
        )


def test_state_file_keeps_the_kinds(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with RauthyEmulator(state_file=state) as emulator:
        api = httpx.Client(
            base_url=emulator.url, headers={"Authorization": f"API-Key {emulator.api_key}"}
        )
        api.post("/users/attr", json={"name": "dept"})
        api.post("/scopes", json={"scope": "org", "attr_include_id": ["dept"]})
        api.post("/roles", json={"role": "billing", "meta": {"a": 1}})
        api.post("/groups", json={"group": "finance"})
        before = [api.get(p).json() for p in ("/scopes", "/roles", "/groups", "/users/attr")]
    with RauthyEmulator(state_file=state) as emulator:
        api = httpx.Client(
            base_url=emulator.url, headers={"Authorization": f"API-Key {emulator.api_key}"}
        )
        assert [
            api.get(p).json() for p in ("/scopes", "/roles", "/groups", "/users/attr")
        ] == before
