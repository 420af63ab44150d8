"""Helpers for the emulator tests: an httpx client with the emulator's API key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from assay_py.emulator import RauthyEmulator


@pytest.fixture
def api(rauthy_emulator: RauthyEmulator) -> Iterator[httpx.Client]:
    """Authenticated client on the emulator's base URL (``/auth/v1``)."""
    headers = {"Authorization": f"API-Key {rauthy_emulator.api_key}"}
    with httpx.Client(base_url=rauthy_emulator.url, headers=headers) as client:
        yield client


@pytest.fixture
def anon(rauthy_emulator: RauthyEmulator) -> Iterator[httpx.Client]:
    """Client without credentials."""
    with httpx.Client(base_url=rauthy_emulator.url) as client:
        yield client


@pytest.fixture
def rauthy_emulator_401s(rauthy_emulator: RauthyEmulator) -> list[httpx.Response]:
    """One response for each way of getting a 401."""
    rauthy_emulator.add_api_key("old", {"Clients": ["read"]}, expires=1.0)
    url = rauthy_emulator.url + "/clients"
    headers = [{}, {"Authorization": "Bearer x"}, {"Authorization": "API-Key old$x"}]
    headers.append({"Authorization": "API-Key ansible$wrong"})
    return [httpx.get(url, headers=h) for h in headers]
