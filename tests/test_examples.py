"""Every example script runs to the end through the `assay-py` command (they check themselves)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bootstrap.lua needs a Rauthy: tests/lua_rauthy/test_end_to_end.py runs it.
SELF_CHECKING = sorted(
    path.name for path in (ROOT / "examples").glob("*.lua") if path.name != "bootstrap.lua"
)


def assay(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAUTHY_", "BOOTSTRAP_"))}
    env["ASSAY_MODULES_PATH"] = str(tmp_path)  # no stray global modules
    command = [sys.executable, "-m", "assay_py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_there_is_an_example_per_global_family() -> None:
    assert len(SELF_CHECKING) >= 7


@pytest.mark.parametrize("name", SELF_CHECKING)
def test_example_runs(name: str, tmp_path: Path) -> None:
    result = assay(f"examples/{name}", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr


def test_http_example_against_the_emulator(tmp_path: Path) -> None:
    result = assay("run", "--emulator", "examples/http_health.lua", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "health:\t200" in result.stdout
    assert "unknown client:\t404" in result.stdout
