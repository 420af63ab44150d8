"""The examples for http, json, assert and require run to the end (they check themselves)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAUTHY_", "BOOTSTRAP_"))}
    env["ASSAY_MODULES_PATH"] = str(tmp_path)  # no stray global modules
    command = [sys.executable, "-c", "from assay_py.cli import main; main()", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["json_assert.lua", "http_health.lua", "require_modules.lua"])
def test_example_runs(name: str, tmp_path: Path) -> None:
    result = run(f"examples/{name}", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_http_example_against_the_emulator(tmp_path: Path) -> None:
    result = run("run", "--emulator", "examples/http_health.lua", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "health:\t200" in result.stdout
    assert "unknown client:\t404" in result.stdout
