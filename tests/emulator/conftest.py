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


