"""Spec section 2: health endpoints, no auth."""

from __future__ import annotations

import httpx
import pytest

from assay_py.emulator import RauthyEmulator


@pytest.mark.parametrize("path", ["/ping", "/ready"])
def test_ping_and_ready_are_200_empty(anon: httpx.Client, path: str) -> None:
    r = anon.get(path)
    assert (r.status_code, r.content) == (200, b"")


def test_health_body(anon: httpx.Client) -> None:
    r = anon.get("/health")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"db_healthy": True, "cache_healthy": True}


def test_version_body_in_order(anon: httpx.Client) -> None:
    body = anon.get("/version").json()
    assert list(body) == ["current", "last_check", "latest", "latest_url", "update_available"]
    assert body == {
        "current": "0.35.2",
        "last_check": None,
        "latest": None,
        "latest_url": None,
        "update_available": False,
    }


def test_version_of_the_nightly() -> None:
    with RauthyEmulator(version="0.36") as emu:
        assert httpx.get(emu.url + "/version").json()["current"].startswith("0.36.0")


def test_health_only_under_base_path(rauthy_emulator: RauthyEmulator) -> None:
    root = rauthy_emulator.url.removesuffix("/auth/v1")
    assert httpx.get(root + "/health").status_code == 301
