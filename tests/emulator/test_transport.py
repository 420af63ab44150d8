"""Spec section 0: base path, redirects, unknown routes, default headers, body errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import new_client

DEFAULT_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=31536000;includeSubDomains",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "content-security-policy": "frame-ancestors 'none'; object-src 'none';",
    "cache-control": "no-store",
}


def _root(emu: RauthyEmulator) -> str:
    return emu.url.removesuffix("/auth/v1")


def test_base_path_without_slash_redirects(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.get(rauthy_emulator.url)
    assert r.status_code == 301
    assert r.headers["location"] == "/auth/v1/"


def test_get_outside_auth_redirects(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.get(_root(rauthy_emulator) + "/some/page")
    assert (r.status_code, r.headers["location"]) == (301, "/auth/v1/")


def test_unknown_get_inside_base_is_404_empty(anon: httpx.Client) -> None:
    r = anon.get("/no/such/thing")
    assert (r.status_code, r.content) == (404, b"")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/nothing"),
        ("PATCH", "/clients/rauthy"),
        ("POST", "/health"),
        ("GET", "/clients/x/y"),
    ],
)
def test_unknown_route_or_wrong_method_is_404_not_405(
    api: httpx.Client, method: str, path: str
) -> None:
    r = api.request(method, path)
    assert (r.status_code, r.content) == (404, b"")


@pytest.mark.parametrize(
    "path", ["/health", "/clients", "/nothing", "/.well-known/openid-configuration"]
)
def test_default_headers_on_every_response(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    for name, value in DEFAULT_HEADERS.items():
        assert r.headers[name] == value, name


def test_default_headers_on_errors_too(anon: httpx.Client) -> None:
    r = anon.get("/clients")
    assert r.status_code == 401
    assert all(r.headers[n] == v for n, v in DEFAULT_HEADERS.items())


def test_unknown_json_fields_are_ignored(api: httpx.Client) -> None:
    r = api.post("/clients", json=new_client(surprise=1, secret="ignored"))
    assert r.status_code == 200
    assert "surprise" not in r.json()


def test_body_not_json_is_text_plain_deserialize_error(api: httpx.Client) -> None:
    r = api.post("/clients", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("Json deserialize error: key must be a string at line 1 column 2")


def test_missing_field_names_it_with_position(api: httpx.Client) -> None:
    body = b'{"id":"app1","confidential":true}'
    r = api.post("/clients", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.text == (
        f"Json deserialize error: missing field `redirect_uris` at line 1 column {len(body)}"
    )


def test_wrong_typed_field_is_deserialize_error(api: httpx.Client) -> None:
    r = api.post("/clients", json=new_client(confidential="yes"))
    assert r.status_code == 400
    assert 'invalid type: string "yes", expected a boolean' in r.text


def test_missing_content_type_is_content_type_error(api: httpx.Client) -> None:
    r = api.post("/clients", content=b'{"id":"x"}')
    assert (r.status_code, r.text) == (400, "Content type error")


def test_non_json_content_type_is_content_type_error(api: httpx.Client) -> None:
    r = api.post("/clients", content=b"{}", headers={"content-type": "text/plain"})
    assert (r.status_code, r.text) == (400, "Content type error")


def test_body_over_2_mib_is_413(api: httpx.Client) -> None:
    big = b'{"id":"' + b"a" * (2 * 1024 * 1024 + 10) + b'"}'
    r = api.post("/clients", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_body_errors_come_before_auth(anon: httpx.Client) -> None:
    r = anon.post("/clients", content=b"[", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.text.startswith("Json deserialize error")


def test_auth_comes_before_validation(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("reader", {"Clients": ["read"]})
    r = httpx.post(
        rauthy_emulator.url + "/clients",
        json=new_client("bad id!"),
        headers={"Authorization": f"API-Key {token}"},
    )
    assert r.status_code == 403


def test_validation_comes_before_database(api: httpx.Client) -> None:
    body = api.get("/clients/rauthy").json()
    body["auth_code_lifetime"] = 1
    r = api.put("/clients/does-not-exist", json={**body, "id": "does-not-exist"})
    assert r.status_code == 400
    assert "auth_code_lifetime" in r.json()["message"]


def test_keep_alive_reuses_one_connection(api: httpx.Client) -> None:
    first = api.get("/health")
    second = api.get("/health")
    assert first.status_code == second.status_code == 200
    assert first.headers.get("connection") != "close"
    assert first.extensions["network_stream"] is second.extensions["network_stream"]


_BIG = b'{"id":"' + b"a" * (2 * 1024 * 1024 + 10) + b'"}'


def test_body_over_2_mib_is_text_plain_naming_the_limit(api: httpx.Client) -> None:
    r = api.post("/clients", content=_BIG, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == (
        f"JSON payload ({len(_BIG)} bytes) is larger than allowed (limit: 2097152 bytes)."
    )


def test_api_key_errors_come_before_the_body_limit(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.post(
        rauthy_emulator.url + "/clients",
        content=_BIG,
        headers={"content-type": "application/json", "Authorization": "API-Key"},
    )
    assert r.status_code == 400
    assert r.json()["message"] == "Malformed 'Authorization' header"


def test_content_type_error_comes_before_the_body_limit(api: httpx.Client) -> None:
    r = api.post("/clients", content=_BIG, headers={"content-type": "text/plain"})
    assert (r.status_code, r.text) == (400, "Content type error")


def test_big_body_on_a_route_without_json_body_is_ignored(api: httpx.Client) -> None:
    r = api.request("GET", "/health", content=_BIG)
    assert r.status_code == 200
    assert r.json() == {"db_healthy": True, "cache_healthy": True}


def test_big_body_on_secret_rotation_rotates_without_caching(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    assert api.post("/clients", json=new_client("big")).status_code == 200
    old = rauthy_emulator.client_secret("big")
    r = api.put("/clients/big/secret", content=_BIG, headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["secret"] != old
    assert rauthy_emulator.valid_client_secrets("big") == [r.json()["secret"]]


def test_connection_stays_usable_after_an_oversized_body(api: httpx.Client) -> None:
    first = api.post("/clients", content=_BIG, headers={"content-type": "application/json"})
    second = api.get("/health")
    assert (first.status_code, second.status_code) == (413, 200)


def test_chunked_body_over_2_mib_is_413(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield from (_BIG[i : i + 65536] for i in range(0, len(_BIG), 65536))

    r = api.post("/clients", content=chunks(), headers={"content-type": "application/json"})
    assert (r.status_code, r.text) == (413, "JSON payload has exceeded limit (2097152 bytes).")
    assert api.get("/health").status_code == 200


def _raw_exchange(emu: RauthyEmulator, request: bytes) -> bytes:
    """Send raw bytes; everything the server answers until it closes (or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1_0", b"+5"])
def test_invalid_content_length_is_400_and_closes(
    rauthy_emulator: RauthyEmulator, length: bytes
) -> None:
    answer = _raw_exchange(
        rauthy_emulator,
        b"POST /auth/v1/clients HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_invalid_chunk_size_is_400_and_closes(rauthy_emulator: RauthyEmulator) -> None:
    answer = _raw_exchange(
        rauthy_emulator,
        b"POST /auth/v1/clients HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_unknown_get_under_root_well_known_redirects(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.get(_root(rauthy_emulator) + "/.well-known/security.txt")
    assert (r.status_code, r.headers["location"]) == (301, "/auth/v1/")


@pytest.mark.parametrize(
    "content_type", ["text/json", "application/vnd.api+json", "Application/JSON; charset=utf-8"]
)
def test_any_json_subtype_or_suffix_is_accepted(api: httpx.Client, content_type: str) -> None:
    body = b'{"id":"ct1","confidential":false,"redirect_uris":[]}'
    r = api.post("/clients", content=body, headers={"content-type": content_type})
    assert r.status_code == 200


@pytest.mark.parametrize("content_type", ["json", "application/jsonx", "text/plain+xml"])
def test_unparsable_or_other_content_type_is_rejected(api: httpx.Client, content_type: str) -> None:
    r = api.post("/clients", content=b"{}", headers={"content-type": content_type})
    assert (r.status_code, r.text) == (400, "Content type error")
