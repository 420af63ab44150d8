"""The emulator's ``/api_keys`` routes on the wire, as Rauthy 0.35.2 and 0.36 answer."""

from __future__ import annotations

from pathlib import Path

import httpx

from assay_py.emulator import RauthyEmulator

from .helpers import error

ALL = ["read", "create", "update", "delete"]


def api(emu: RauthyEmulator, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=emu.url, headers={"Authorization": f"API-Key {token or emu.api_key}"}
    )


def test_create_answers_the_token_as_text_once(head: RauthyEmulator) -> None:
    with api(head) as a:
        body = {
            "name": "ci",
            "exp": 1900000000,
            "access": [{"group": "Clients", "access_rights": ["read"]}],
        }
        created = a.post("/api_keys", json=body)
        assert created.status_code == 200
        assert created.headers["content-type"] == "text/plain; charset=utf-8"
        name, _, secret = created.text.partition("$")
        assert name == "ci" and len(secret) == 64
        listed = a.get("/api_keys").json()["keys"]
        assert [k["name"] for k in listed] == ["ansible", "ci"]
        assert listed[1]["expires"] == 1900000000 and "secret" not in listed[1]
        assert listed[1]["access"] == body["access"]
        again = a.post("/api_keys", json=body)
        assert error(again)[:2] == (400, "BadRequest")
        assert "UNIQUE constraint failed: api_keys.name" in error(again)[2]
    with api(head, created.text) as ci:
        assert ci.get("/clients").status_code == 200
        assert (
            error(ci.get("/scopes"))[2] == "Bad permissions for given ApiKey. Needed: Scopes / Read"
        )


def test_put_replaces_exp_and_access_and_keeps_the_secret(head: RauthyEmulator) -> None:
    with api(head) as a:
        token = a.post("/api_keys", json={"name": "ci", "exp": 1900000000, "access": []}).text
        access = [
            {"group": "Scopes", "access_rights": ["read"]},
            {"group": "Scopes", "access_rights": ["create"]},
        ]
        put = a.put("/api_keys/ci", json={"name": "ci", "access": access})
        assert (put.status_code, put.content) == (200, b"")
        row = a.get("/api_keys").json()["keys"][1]
        assert row["expires"] is None  # exp left out: never expires
        assert row["access"] == access  # stored as sent
        mismatch = a.put("/api_keys/ci", json={"name": "cd", "access": []})
        assert error(mismatch) == (
            400,
            "BadRequest",
            "JSON payload does not match the Name from the path",
        )
        assert error(a.put("/api_keys/nope", json={"name": "nope", "access": []}))[:2] == (
            404,
            "NotFound",
        )
    with api(head, token) as ci:
        assert ci.get("/scopes").status_code == 200
        # Only the first Scopes entry counts: no create.
        assert error(ci.post("/scopes", json={"scope": "read:x"}))[0] == 403


def test_rotate_kills_the_old_secret_and_delete_is_quiet(head: RauthyEmulator) -> None:
    with api(head) as a:
        old = a.post(
            "/api_keys",
            json={"name": "ci", "access": [{"group": "Clients", "access_rights": ["read"]}]},
        ).text
        new = a.put("/api_keys/ci/secret")
        assert new.headers["content-type"] == "text/plain; charset=utf-8"
        assert new.text.startswith("ci$") and new.text != old
        assert error(a.put("/api_keys/nope/secret"))[:2] == (404, "NotFound")
        assert (a.delete("/api_keys/nope").status_code, a.delete("/api_keys/nope").content) == (
            200,
            b"",
        )
    with api(head, old) as stale:
        assert error(stale.get("/clients")) == (401, "Unauthorized", "Invalid API-Key")
    with api(head, new.text) as fresh:
        assert fresh.get("/clients").status_code == 200
    with api(head) as a:
        assert a.delete("/api_keys/ci").status_code == 200
    with api(head, new.text) as gone:
        assert error(gone.get("/clients"))[0] == 404  # an unknown name: no rows


def test_validation_and_body_errors(head: RauthyEmulator) -> None:
    with api(head) as a:
        bad = a.post("/api_keys", json={"name": "a b", "exp": 5, "access": []})
        status, kind, message = error(bad)
        assert (status, kind) == (400, "BadRequest")
        assert message.startswith("Payload validation error: ValidationErrors({")
        assert '"name"' in message and '"exp"' in message and "range" in message
        typo = a.post(
            "/api_keys", json={"name": "ci", "access": [{"group": "Client", "access_rights": []}]}
        )
        assert typo.status_code == 400 and typo.headers["content-type"].startswith("text/plain")
        assert "unknown variant `Client`" in typo.text
        right = a.post(
            "/api_keys",
            json={"name": "ci", "access": [{"group": "Users", "access_rights": ["Read"]}]},
        )
        assert "unknown variant `Read`, expected one of `read`" in right.text
        missing = a.post("/api_keys", json={"name": "ci"})
        assert "missing field `access`" in missing.text


def test_0352_answers_keys_with_no_valid_session_after_body_errors() -> None:
    with RauthyEmulator(version="0.35.2") as old, api(old) as a:
        assert error(a.get("/api_keys")) == (401, "Unauthorized", "No valid session")
        ok_body = {"name": "ci", "access": [{"group": "Clients", "access_rights": ["read"]}]}
        assert error(a.post("/api_keys", json=ok_body)) == (401, "Unauthorized", "No valid session")
        # 0.35.2's enum has no ApiKeys group: the JSON extractor refuses it first.
        newer = {"name": "ci", "access": [{"group": "ApiKeys", "access_rights": ["read"]}]}
        refused = a.post("/api_keys", json=newer)
        assert refused.status_code == 400 and "unknown variant `ApiKeys`" in refused.text
        for method, path in (("PUT", "/api_keys/ci/secret"), ("DELETE", "/api_keys/ci")):
            assert error(a.request(method, path))[:2] == (401, "Unauthorized")
        assert a.get("/api_keys/ansible/test").json()["name"] == "ansible"


def test_hazards_escalation_and_self_deletion(head: RauthyEmulator) -> None:
    minter = head.add_api_key("minter", {"ApiKeys": ["create", "delete"]})
    with api(head, minter) as m:
        # The granter's own rights are not checked: it mints a key holding Secrets.
        body = {"name": "wide", "access": [{"group": "Secrets", "access_rights": ALL}]}
        wide = m.post("/api_keys", json=body).text
        with api(head, wide) as w:
            assert w.post("/clients/rauthy/secret").status_code in (200, 404)
        assert (
            error(m.get("/api_keys"))[2]
            == "Bad permissions for given ApiKey. Needed: ApiKeys / Read"
        )
        # A key may delete itself, and is dead at once.
        assert m.delete("/api_keys/minter").status_code == 200
        assert error(m.get("/api_keys/minter/test"))[0] == 404


def test_keys_made_on_the_wire_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    access = [
        {"group": "Users", "access_rights": ["read"]},
        {"group": "Users", "access_rights": ["delete"]},
    ]
    with RauthyEmulator(version="0.36", state_file=state) as emu, api(emu) as a:
        token = a.post("/api_keys", json={"name": "ci", "exp": 1900000000, "access": access}).text
        key = emu.api_key
    with (
        RauthyEmulator(version="0.36", state_file=state, api_key=key) as again,
        api(again, token) as ci,
    ):
        answer = ci.get("/api_keys/ci/test").json()
        assert answer["access"] == access and answer["expires"] == 1900000000
        assert error(ci.delete("/users/x"))[0] == 403  # still only the first entry counts
