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


ASSAY_PY = os.path.join(os.path.dirname(sys.executable), "assay-py")
"""The installed command (the launcher the package's entry point makes)."""


def assay_py(
    *args: str,
    cwd: str | os.PathLike[str],
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """``assay-py ARGS`` in ``cwd`` as a child process; stdout and stderr kept as bytes.

    The outer environment passes through (``ASSAY_LUA`` chooses the engine) with ``env``
    added and the names in ``unset`` removed; ``ASSAY_MODE`` and the approval and state
    variables of the outer shell never leak in unless a test sets them.
    """
    leaky = (
        "ASSAY_MODE",
        "ASSAY_STATE_DIR",
        "OPENCLAW_STATE_DIR",
        "ASSAY_APPROVAL_RESULT",
        "ASSAY_READONLY",
        "ASSAY_APPROVAL",
        "ASSAY_APPROVED_INDICES",
        "ASSAY_APPROVED_OPS",
        "ASSAY_DENIED_INDEX",
    )
    full = {k: v for k, v in os.environ.items() if k not in leaky and k not in unset}
    full.update(env or {})
    return subprocess.run(
        [ASSAY_PY, *args], cwd=cwd, env=full, capture_output=True, timeout=timeout
    )
