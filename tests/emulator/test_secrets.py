"""Spec 4.5: reading and rotating client secrets."""

from __future__ import annotations

import re

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


@pytest.fixture
def app1(api: httpx.Client) -> str:
    assert api.post("/clients", json=new_client("app1")).status_code == 200
    return "app1"


def test_read_is_idempotent_and_shaped(api: httpx.Client, app1: str) -> None:
    first = api.post("/clients/app1/secret")
    second = api.post("/clients/app1/secret")
    assert first.json() == second.json()
    assert list(first.json()) == ["id", "confidential", "secret"]
    assert re.fullmatch(r"[A-Za-z0-9]{64}", first.json()["secret"])


def test_rotate_without_body_changes_secret_without_cache(
    api: httpx.Client, app1: str, rauthy_emulator: RauthyEmulator
) -> None:
    old = rauthy_emulator.client_secret("app1")
    r = api.put("/clients/app1/secret")
    assert r.json() == {"id": "app1", "confidential": True, "secret": r.json()["secret"]}
    assert r.json()["secret"] != old
    assert api.post("/clients/app1/secret").json()["secret"] == r.json()["secret"]
    assert rauthy_emulator.valid_client_secrets("app1") == [r.json()["secret"]]


@pytest.mark.parametrize("hours", [1, 24])
def test_rotate_with_cache_keeps_old_secret_valid(
    api: httpx.Client, app1: str, rauthy_emulator: RauthyEmulator, hours: int
) -> None:
    old = rauthy_emulator.client_secret("app1")
    new = api.put("/clients/app1/secret", json={"cache_current_hours": hours}).json()["secret"]
    assert rauthy_emulator.valid_client_secrets("app1") == [new, old]


@pytest.mark.parametrize("hours", [0, 25, 255])
def test_rotate_cache_hours_out_of_range_is_validation_error(
    api: httpx.Client, app1: str, hours: int
) -> None:
    status, kind, message = error(
        api.put("/clients/app1/secret", json={"cache_current_hours": hours})
    )
    assert (status, kind) == (400, "BadRequest")
    assert '"cache_current_hours": Field([ValidationError { code: "range"' in message


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"not json", "application/json"),
        (b'{"cache_current_hours":2}', "text/plain"),
        (b'{"cache_current_hours":256}', "application/json"),
        (b'{"cache_current_hours":-1}', "application/json"),
    ],
)
def test_rotate_with_unreadable_body_rotates_without_cache(
    api: httpx.Client,
    app1: str,
    rauthy_emulator: RauthyEmulator,
    content: bytes,
    content_type: str,
) -> None:
    r = api.put("/clients/app1/secret", content=content, headers={"content-type": content_type})
    assert r.status_code == 200
    assert rauthy_emulator.valid_client_secrets("app1") == [r.json()["secret"]]


def test_rotate_turns_public_client_confidential(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    api.post("/clients", json=new_client("pub", confidential=False))
    r = api.put("/clients/pub/secret")
    assert r.json()["confidential"] is True
    assert api.get("/clients/pub").json()["confidential"] is True
    assert rauthy_emulator.client_secret("pub") == r.json()["secret"]


def test_stored_client_repr_hides_its_secrets() -> None:
    from assay_py.emulator._clients import Client, random_secret

    live, old = random_secret(), random_secret()
    client = Client("hidden", confidential=True, secret=live, cached_secrets=[(old, 1.0)])
    assert live not in repr(client)
    assert old not in repr(client)
