"""assay-py: assay's Lua automation runtime on Python, with a Rauthy admin client.

Python users: ``from assay_py import rauthy``. Lua users: ``assay-py script.lua``.

The subpackages load on first use (``assay_py.rauthy`` brings in httpx), so importing this
package, as every ``assay-py`` start does, costs nothing beyond it.
"""

from __future__ import annotations

__version__ = "0.1.0"

# No imports here: every start of `assay-py` runs this module (typing alone is ~3 ms).
_SUBPACKAGES = ("cli", "emulator", "host", "rauthy")


def __getattr__(name: str) -> object:
    if name not in _SUBPACKAGES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return importlib.import_module(f"{__name__}.{name}")
