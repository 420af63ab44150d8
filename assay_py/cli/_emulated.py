"""``assay-py run --emulator``: give a script an in-process Rauthy when none is configured."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def start_for_script() -> Iterator[None]:
    """Start an emulator and point the usual environment variables at it for the script.

    Sets ``RAUTHY_URL``, ``RAUTHY_API_KEY`` (the full ``name$secret`` token) and
    ``BOOTSTRAP_API_KEY`` (the secret alone, as the documented example expects it after
    ``"ansible$"``), then restores the environment when the script ends.
    """
    from assay_py.emulator import RauthyEmulator

    names = ("RAUTHY_URL", "RAUTHY_API_KEY", "BOOTSTRAP_API_KEY")
    saved = {name: os.environ.get(name) for name in names}
    with RauthyEmulator() as emulator:
        os.environ["RAUTHY_URL"] = emulator.url
        os.environ["RAUTHY_API_KEY"] = emulator.api_key
        os.environ["BOOTSTRAP_API_KEY"] = emulator.api_key_secret
        print(
            f"assay-py: no RAUTHY_URL given; using the embedded Rauthy emulator at {emulator.url}",
            file=sys.stderr,
        )
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
