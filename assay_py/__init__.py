"""assay-py: assay's Lua automation runtime on Python, with a Rauthy admin client.

Python users: ``from assay_py import rauthy``. Lua users: ``assay-py script.lua``.

The subpackages load on first use (``assay_py.rauthy`` brings in httpx), so importing this
package, as every ``assay-py`` start does, costs nothing beyond it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBPACKAGES = ("cli", "emulator", "host", "rauthy")


def __getattr__(name: str) -> Any:
    if name not in _SUBPACKAGES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
