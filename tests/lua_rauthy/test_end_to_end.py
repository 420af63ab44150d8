"""The documented example, run by the `assay-py` command against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assay_py.emulator import RauthyEmulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "bootstrap.lua"
CONFIDENTIAL = ["openbao", "outline", "immich", "paperless"]


def run_example(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assay_py", "run", str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bootstrap_creates_then_converges(tmp_path: Path) -> None:
    with RauthyEmulator() as emu:
        env = dict(
            os.environ,
            RAUTHY_URL=emu.url,
            BOOTSTRAP_API_KEY=emu.api_key_secret,
            SECRETS_DIR=str(tmp_path),
        )
        first = run_example(env)
        assert first.returncode == 0, first.stderr
        for client_id in [*CONFIDENTIAL, "argocd"]:
            assert f"{client_id}: create" in first.stderr
        for client_id in CONFIDENTIAL:
            assert (tmp_path / client_id).read_text() == emu.client_secret(client_id)
        assert not (tmp_path / "argocd").exists()  # public: nothing minted
        assert emu.api_key_secret not in first.stderr + first.stdout

        before = emu.request_count()
        mutations = [emu.request_count(method=m) for m in ("POST", "PUT", "DELETE")]
        second = run_example(env)
        assert second.returncode == 0, second.stderr
        for client_id in [*CONFIDENTIAL, "argocd"]:
            assert f"{client_id}: noop" in second.stderr
        # health probe, then one GET per client: a converged run changes nothing.
        assert emu.request_count() - before == 1 + 5
        assert [emu.request_count(method=m) for m in ("POST", "PUT", "DELETE")] == mutations


def test_run_with_embedded_emulator_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"RAUTHY_URL", "BOOTSTRAP_API_KEY"}}
    done = subprocess.run(
        [sys.executable, "-m", "assay_py", "run", "--emulator", str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "using the embedded Rauthy emulator at http://127.0.0.1:" in done.stderr
    assert "openbao: create" in done.stderr
