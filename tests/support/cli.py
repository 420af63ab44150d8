"""``python -m assay_py rauthy ...`` in a child process, pointed at an emulator by the
environment (and at nothing else: a key file from the outer environment would win)."""

from __future__ import annotations

import os
import subprocess
import sys

from assay_py.emulator import RauthyEmulator


def rauthy_cli(
    emu: RauthyEmulator, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key}
    env.pop("RAUTHY_API_KEY_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "assay_py", "rauthy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
