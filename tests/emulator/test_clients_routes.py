"""Spec 4.1: routes and status codes of the clients API, one test per row and bullet."""

from __future__ import annotations

import httpx

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


def test_list_clients_in_insertion_order_without_scim(api: httpx.Client) -> None:
    for client_id in ("zeta", "alpha", "mid"):
        assert api.post("/clients", json=new_client(client_id)).status_code == 200
    body = put_scim(api, "alpha")
    assert "scim" in body
    r = api.get("/clients")
    assert r.status_code == 200
    assert [c["id"] for c in r.json()] == ["rauthy", "zeta", "alpha", "mid"]
    assert all("scim" not in c for c in r.json())


def put_scim(api: httpx.Client, client_id: str) -> dict[str, object]:
    body = api.get(f"/clients/{client_id}").json()
    body["scim"] = {
        "bearer_token": "token123",
        "base_uri": "https://scim.example.com/v2",
        "sync_groups": True,
    }
    r = api.put(f"/clients/{client_id}", json=body)
    assert r.status_code == 200
    result: dict[str, object] = r.json()
    return result


def test_get_client_includes_scim_and_404_for_unknown(api: httpx.Client) -> None:
    api.post("/clients", json=new_client("app1"))
    put_scim(api, "app1")
    assert api.get("/clients/app1").json()["scim"]["base_uri"] == "https://scim.example.com/v2"
    assert error(api.get("/clients/nope")) == (404, "NotFound", "no rows returned")


def test_create_is_200_not_201(api: httpx.Client) -> None:
    r = api.post("/clients", json=new_client())
    assert r.status_code == 200
    assert r.json()["id"] == "app1"


def test_create_duplicate_is_400_unique_constraint(api: httpx.Client) -> None:
    assert api.post("/clients", json=new_client()).status_code == 200
    status, kind, message = error(api.post("/clients", json=new_client()))
    assert (status, kind) == (400, "BadRequest")
    assert "UNIQUE constraint failed: clients.id" in message


def test_put_200_and_404_unknown(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    body = api.get("/clients/app1").json()
    assert api.put("/clients/app1", json=body).status_code == 200
    assert error(api.put("/clients/zzz", json={**body, "id": "zzz"}))[:2] == (404, "NotFound")


def test_put_body_id_must_equal_path_in_0_35_2(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    body = api.get("/clients/app1").json()
    r = api.put("/clients/app1", json={**body, "id": "other"})
    assert error(r) == (400, "BadRequest", "The 'id' cannot be changed")


def test_delete_is_200_empty_without_content_type(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    r = api.delete("/clients/app1")
    assert (r.status_code, r.content) == (200, b"")
    assert "content-type" not in r.headers
    assert api.get("/clients/app1").status_code == 404
    assert error(api.delete("/clients/app1")) == (404, "NotFound", "no rows returned")


def test_delete_rauthy_is_refused(api: httpx.Client) -> None:
    assert error(api.delete("/clients/rauthy")) == (
        400,
        "BadRequest",
        "The `rauthy` client must not be deleted",
    )
    assert api.get("/clients/rauthy").status_code == 200


def test_read_secret_200_and_404s(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    api.post("/clients", json=new_client())
    r = api.post("/clients/app1/secret")
    assert r.status_code == 200
    assert r.json() == {
        "id": "app1",
        "confidential": True,
        "secret": rauthy_emulator.client_secret("app1"),
    }
    assert error(api.post("/clients/nope/secret")) == (404, "NotFound", "no rows returned")


def test_read_secret_of_public_client_is_404(api: httpx.Client) -> None:
    api.post("/clients", json=new_client("pub", confidential=False))
    assert error(api.post("/clients/pub/secret")) == (404, "NotFound", "'pub' is a public client")


def test_rotate_secret_200_and_404(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    r = api.put("/clients/app1/secret")
    assert r.status_code == 200 and r.json()["confidential"] is True
    assert error(api.put("/clients/nope/secret"))[:2] == (404, "NotFound")


def test_no_get_secret_route(api: httpx.Client) -> None:
    api.post("/clients", json=new_client())
    r = api.get("/clients/app1/secret")
    assert (r.status_code, r.content) == (404, b"")


def test_unauthenticated_client_routes_are_401(anon: httpx.Client) -> None:
    for method, path in [("GET", "/clients"), ("GET", "/clients/rauthy"), ("DELETE", "/clients/x")]:
        r = anon.request(method, path)
        assert error(r) == (401, "Unauthorized", "No valid session")
