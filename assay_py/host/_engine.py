"""Which Lua engine we embed: LuaJIT 2.1 through lupa, or PUC Lua 5.1 where lupa has no LuaJIT."""

from __future__ import annotations

import sys
from types import ModuleType

_engine: ModuleType | None = None


def lupa_engine() -> ModuleType:
    """The lupa engine module, chosen once per process.

    Plain ``import lupa`` would pick PUC Lua; assay scripts are tuned for LuaJIT, so we ask for
    it by name and fall back (with a one-line notice) only where the wheel lacks it.
    """
    global _engine
    if _engine is None:
        try:
            import lupa.luajit21 as engine
        except ImportError:
            import lupa.lua51 as engine

            print(
                "assay-py: notice: this lupa build has no LuaJIT; using PUC Lua 5.1",
                file=sys.stderr,
            )
        _engine = engine
    return _engine


def describe_engine() -> str:
    """E.g. ``LuaJIT 2.1.1774896198 via lupa 2.8``, for ``assay-py --version``."""
    import lupa

    engine = lupa_engine()
    runtime = engine.LuaRuntime()
    name = runtime.eval("jit and jit.version or _VERSION")
    return f"{name} via lupa {getattr(lupa, '__version__', '?')}"
