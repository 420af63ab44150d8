"""Fixtures for whole-instance tests: the command against the emulator, files in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

Run = Callable[..., Result]
Write = Callable[[str], Path]


@pytest.fixture
def run(rauthy_emulator: RauthyEmulator) -> Run:
    env = {
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
        "RAUTHY_API_KEY_FILE": None,
    }

    def invoke(*args: str, key: str | None = None) -> Result:
        extra = {"RAUTHY_API_KEY": key} if key else {}
        return CliRunner().invoke(main, ["rauthy", *args], env={**env, **extra})

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def writer(text: str, name: str = "rauthy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return writer


@pytest.fixture
def c(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as client:
        yield client
