"""The Lua host: a LuaJIT VM with the assay globals and ``require`` for Python-backed modules.

``from assay_py.host import LuaHost, LuaScriptError``. Names load on first use, so importing
a submodule (e.g. the module registry) does not start Lua.
"""

from __future__ import annotations

# Not typing's TYPE_CHECKING: typing (and the re it imports) is ~10 ms of a script's start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from assay_py.host._host import LuaHost
    from assay_py.host.errors import LuaScriptError
    from assay_py.host.vm import LuaVM

__all__ = ["LuaHost", "LuaScriptError", "LuaVM"]

_EXPORTS = {
    "LuaHost": "assay_py.host._host",
    "LuaScriptError": "assay_py.host.errors",
    "LuaVM": "assay_py.host.vm",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assay_py.host' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
