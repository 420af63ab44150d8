"""Fixtures for the declarative tests: a Rauthy client on the emulator, clients files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator


@pytest.fixture
def client(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    # Short backoff: fault tests retry a lot and the suite must stay fast.
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key, backoff_base=0.005) as c:
        yield c


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write("clients.yaml", text)`` -> the path of a file holding ``text``."""

    def writer(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return writer


def confidential(client_id: str, *uris: str) -> dict[str, object]:
    """A small confidential client payload."""
    return {
        "id": client_id,
        "name": f"App {client_id}",
        "confidential": True,
        "redirect_uris": list(uris) or [f"https://{client_id}.example.com/callback"],
    }


def public(client_id: str) -> dict[str, object]:
    return {
        "id": client_id,
        "confidential": False,
        "redirect_uris": [f"https://{client_id}.example.com/callback"],
        "challenges": ["S256"],
    }
