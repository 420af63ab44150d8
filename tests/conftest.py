"""Fixtures for every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py.emulator import RauthyEmulator


@pytest.fixture
def head() -> Iterator[RauthyEmulator]:
    """A fresh emulator of Rauthy 0.36 (the plugin's ``rauthy_emulator`` is 0.35.2)."""
    with RauthyEmulator(version="0.36") as emu:
        yield emu
