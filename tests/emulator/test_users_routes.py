"""``/users`` and ``/password_policy`` as the emulator serves them, route by route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error


def _new(api: httpx.Client, email: str = "Ada@Example.com", **extra: Any) -> dict[str, Any]:
    body = {"email": email, "language": "en", "roles": [], **extra}
    answer = api.post("/users", json=body)
    assert answer.status_code == 200, answer.text
    row: dict[str, Any] = answer.json()
    return row


def test_post_lowercases_enables_and_records_the_first_password_mail(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    row = _new(api, given_name="Ada", roles=["admin", "nope"], groups=["nope"])
    assert row["email"] == "ada@example.com"
    assert row["enabled"] is True and row["email_verified"] is False
    assert row["roles"] == ["admin"]  # unknown names dropped
    assert "groups" not in row and "family_name" not in row
    assert row["account_type"] == "new" and row["user_values"] == {}
    mails = rauthy_emulator.mails
    assert [(m["to"], m["template"]) for m in mails] == [("ada@example.com", "new_user")]
    assert row["id"] in mails[0]["link"]


def test_roles_and_groups_come_back_in_table_order(api: httpx.Client) -> None:
    row = _new(api, roles=["rauthy_admin", "admin"], groups=["admin", "user"])
    assert row["roles"] == ["admin", "rauthy_admin"]
    assert row["groups"] == ["user", "admin"]


def test_post_refuses_bad_language_name_and_duplicate(api: httpx.Client) -> None:
    bad = api.post("/users", json={"email": "a@b.io", "language": "xx", "roles": []})
    assert bad.status_code == 400 and "unknown variant `xx`" in bad.text
    bad = api.post(
        "/users", json={"email": "a@b.io", "language": "en", "roles": [], "given_name": "A<b"}
    )
    status, kind, message = error(bad)
    assert (status, kind) == (400, "BadRequest") and '"given_name"' in message
    missing = api.post("/users", json={"email": "a@b.io", "language": "en"})
    assert missing.status_code == 400 and "missing field `roles`" in missing.text
    _new(api, "a@b.io")
    again = api.post("/users", json={"email": "A@B.io", "language": "en", "roles": []})
    assert error(again) == (400, "BadRequest", "User with this E-Mail already exists")


def test_list_is_simple_rows_with_nulls_and_a_count(api: httpx.Client) -> None:
    _new(api, given_name="Ada")
    answer = api.get("/users")
    assert answer.status_code == 200 and answer.headers["x-user-count"] == "1"
    (row,) = answer.json()
    assert set(row) == {
        "id",
        "email",
        "given_name",
        "family_name",
        "created_at",
        "last_login",
        "picture_id",
    }
    assert row["family_name"] is None


def test_get_by_id_and_by_email(api: httpx.Client) -> None:
    row = _new(api)
    assert api.get(f"/users/{row['id']}").json() == row
    assert api.get("/users/email/ADA@example.com").json()["id"] == row["id"]
    assert api.get("/users/email/nobody@example.com").status_code == 404
    assert api.get("/users/nope").status_code == 404


def test_patch_puts_and_deletes_fields(api: httpx.Client) -> None:
    row = _new(api, given_name="Ada", family_name="King", groups=["user"])
    body = {
        "put": [
            {"key": "enabled", "value": False},
            {"key": "email_verified", "value": True},
            {"key": "roles", "value": ["admin"]},
            {"key": "user_expires", "value": 1900000000},
        ],
        "del": ["family_name", "groups"],
    }
    patched = api.patch(f"/users/{row['id']}", json=body).json()
    assert patched["enabled"] is False and patched["email_verified"] is True
    assert patched["roles"] == ["admin"] and "groups" not in patched
    assert "family_name" not in patched and patched["given_name"] == "Ada"
    assert patched["user_expires"] == 1900000000
    unknown = api.patch(f"/users/{row['id']}", json={"put": [{"key": "id", "value": 1}], "del": []})
    assert unknown.status_code == 400 and "Invalid patch op" in error(unknown)[2]
    missing = api.patch(f"/users/{row['id']}", json={"put": []})
    assert missing.status_code == 400


def test_patch_password_follows_the_policy_and_is_never_served(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    row = _new(api)
    weak = {"put": [{"key": "password", "value": "short"}], "del": []}
    assert api.patch(f"/users/{row['id']}", json=weak).status_code == 400
    good = {"put": [{"key": "password", "value": "Correct-Horse-9-Battery"}], "del": []}
    patched = api.patch(f"/users/{row['id']}", json=good)
    assert patched.status_code == 200
    assert "Correct-Horse" not in patched.text and patched.json()["account_type"] == "password"
    assert "Correct-Horse" not in str(rauthy_emulator.requests)


def test_put_needs_given_name_on_the_default_config(api: httpx.Client) -> None:
    row = _new(api)
    body = {"email": row["email"], "roles": [], "enabled": True, "email_verified": True}
    answer = api.put(f"/users/{row['id']}", json=body)
    assert error(answer) == (400, "BadRequest", "'given_name' is required")
    body["given_name"] = "Ada"
    assert api.put(f"/users/{row['id']}", json=body).json()["email_verified"] is True


def test_delete_answers_204_and_has_no_last_admin_guard(api: httpx.Client) -> None:
    row = _new(api, roles=["rauthy_admin"])
    answer = api.delete(f"/users/{row['id']}")
    assert answer.status_code == 204 and answer.content == b""
    assert api.get(f"/users/{row['id']}").status_code == 404
    assert api.delete(f"/users/{row['id']}").status_code == 404


def test_attribute_values_upsert_per_key_and_need_a_definition(api: httpx.Client) -> None:
    row = _new(api)
    path = f"/users/{row['id']}/attr"
    undefined = api.put(path, json={"values": [{"key": "assay_managed", "value": True}]})
    assert undefined.status_code == 400
    api.post("/users/attr", json={"name": "assay_managed"})
    api.post("/users/attr", json={"name": "dept"})
    api.put(path, json={"values": [{"key": "assay_managed", "value": True}]})
    both = api.put(path, json={"values": [{"key": "dept", "value": "eng"}]}).json()
    assert both == {
        "values": [{"key": "assay_managed", "value": True}, {"key": "dept", "value": "eng"}]
    }
    api.put(path, json={"values": [{"key": "dept", "value": None}]})
    assert api.get(path).json() == {"values": [{"key": "assay_managed", "value": True}]}


def test_values_follow_a_renamed_definition_and_go_with_a_deleted_one(api: httpx.Client) -> None:
    path = f"/users/{_new(api)['id']}/attr"
    api.post("/users/attr", json={"name": "dept"})
    api.post("/users/attr", json={"name": "dept_code"})
    values = [{"key": "dept", "value": "eng"}, {"key": "dept_code", "value": 7}]
    api.put(path, json={"values": values})
    assert api.put("/users/attr/dept", json={"name": "unit"}).status_code == 200
    assert api.get(path).json()["values"] == [
        {"key": "dept_code", "value": 7},
        {"key": "unit", "value": "eng"},
    ]
    assert api.delete("/users/attr/unit").status_code == 200
    assert api.get(path).json()["values"] == [{"key": "dept_code", "value": 7}]


def test_preferred_username_is_unique_and_served_in_user_values(api: httpx.Client) -> None:
    a, b = _new(api, "a@b.io"), _new(api, "b@b.io")
    path = "/users/{}/self/preferred_username"
    assert api.put(path.format(a["id"]), json={"preferred_username": "ada"}).status_code == 200
    assert api.get(f"/users/{a['id']}").json()["user_values"] == {"preferred_username": "ada"}
    clash = api.put(path.format(b["id"]), json={"preferred_username": "ada"})
    assert error(clash) == (406, "NotAccepted", "'preferred_username' is not available")
    again = api.put(path.format(a["id"]), json={"preferred_username": "lovelace"})
    assert error(again) == (400, "BadRequest", "The 'preferred_username' is immutable")
    forced = {"preferred_username": "lovelace", "force_overwrite": True}
    assert api.put(path.format(a["id"]), json=forced).status_code == 200
    blocked = api.put(path.format(b["id"]), json={"preferred_username": "Root"})
    assert error(blocked) == (406, "NotAccepted", "username 'Root' is blacklisted")
    bad = api.put(path.format(b["id"]), json={"preferred_username": "-x"})
    assert bad.status_code == 400


def test_rights_per_access_group(rauthy_emulator: RauthyEmulator) -> None:
    secret = rauthy_emulator.add_api_key("ro", {"Users": ["read"]})
    headers = {"Authorization": f"API-Key {secret}"}
    with httpx.Client(base_url=rauthy_emulator.url, headers=headers) as ro:
        assert ro.get("/users").status_code == 200
        denied = ro.post("/users", json={"email": "a@b.io", "language": "en", "roles": []})
        assert error(denied) == (
            403,
            "Forbidden",
            "Bad permissions for given ApiKey. Needed: Users / Create",
        )
        assert ro.put("/password_policy", json={"length_min": 8, "length_max": 64}).status_code == (
            403
        )


def test_list_pages_with_206_from_the_threshold(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    for i in range(1001):
        rauthy_emulator.add_user(f"u{i}@example.com")
    first = api.get("/users")
    assert first.status_code == 206 and len(first.json()) == 1000
    assert first.headers["x-user-count"] == "1001"
    token = first.headers["x-continuation-token"]
    rest = api.get("/users", params={"continuation_token": token})
    assert rest.status_code == 206 and len(rest.json()) == 1
    assert "x-continuation-token" not in rest.headers


def test_password_policy_cannot_be_read_with_an_api_key_and_put_replaces_it(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    assert error(api.get("/password_policy")) == (401, "Unauthorized", "No valid session")
    answer = api.put("/password_policy", json={"length_min": 12, "length_max": 64})
    assert answer.json() == {"length_min": 12, "length_max": 64}
    assert rauthy_emulator.password_policy["include_digits"] is None


@pytest.mark.parametrize(
    "body",
    [{"length_min": 7, "length_max": 64}, {"length_min": 8, "length_max": 64, "valid_days": 0}],
)
def test_password_policy_ranges(api: httpx.Client, body: dict[str, Any]) -> None:
    status, _, message = error(api.put("/password_policy", json=body))
    assert status == 400 and '"range"' in message
