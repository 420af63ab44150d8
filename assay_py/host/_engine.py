"""Which Lua engine runs scripts: LuaJIT 2.1 (the default) or Lua 5.5, both through lupa.

LuaJIT is fast and is what assay-py was tuned on. Lua 5.5 is the original assay's own engine:
its integer subtype makes ``tostring``, ``..`` and ``math.type`` give the original's exact
results. The choice is ``ASSAY_LUA`` (``luajit`` or ``5.5``), which ``assay-py --lua`` sets,
or ``LuaHost(engine=...)`` / ``LuaVM(engine=...)`` for one VM.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

TYPE_CHECKING = False  # not typing's: see assay_py.host
if TYPE_CHECKING:
    from typing import Any, Literal

    EngineName = Literal["luajit", "5.5"]

ENGINE_NAMES: tuple[EngineName, ...] = ("luajit", "5.5")
DEFAULT_ENGINE: EngineName = "luajit"
ENV_VAR = "ASSAY_LUA"

_MODULES: dict[str, str] = {"luajit": "lupa.luajit21", "5.5": "lupa.lua55"}
_loaded: dict[str, ModuleType] = {}  # engine name -> lupa module
_by_module: dict[str, ModuleType] = {}  # lupa module name -> module, for lua_type()


def import_module(name: str) -> ModuleType:
    """``importlib.import_module`` for an absolute name, without importing importlib (which
    brings in warnings: ~1 ms of a script's start)."""
    __import__(name)
    return sys.modules[name]


class EngineError(ValueError):
    """An engine name that is not one of ENGINE_NAMES."""


def engine_name(requested: str | None = None) -> EngineName:
    """The engine to use: ``requested``, else ``$ASSAY_LUA``, else LuaJIT."""
    where = "engine"
    if requested is None:
        requested = os.environ.get(ENV_VAR) or DEFAULT_ENGINE
        where = ENV_VAR
    for name in ENGINE_NAMES:
        if requested == name:
            return name
    choices = " or ".join(ENGINE_NAMES)
    raise EngineError(f"{where}: unknown Lua engine {requested!r} (expected {choices})")


def engine_module(name: EngineName) -> ModuleType:
    """The lupa module of an engine, imported on first use."""
    module = _loaded.get(name)
    if module is not None:
        return module
    try:
        module = import_module(_MODULES[name])
    except ImportError:
        if name != "luajit":
            raise EngineError(f"this lupa build has no Lua {name} engine") from None
        module = import_module("lupa.lua51")
        print(
            "assay-py: notice: this lupa build has no LuaJIT; using PUC Lua 5.1",
            file=sys.stderr,
        )
    _loaded[name] = module
    _by_module[module.__name__] = module
    return module


class _Lupa:
    """What builtins need of lupa, for objects of whichever engine made them.

    One process may run VMs of both engines (tests, ``LuaHost(engine="5.5")``), and each
    lupa module only knows its own objects.
    """

    def lua_type(self, obj: Any) -> str | None:
        """Lua's type name of a Lua object (``"table"``, ``"function"``, ...), else None."""
        module = _by_module.get(type(obj).__module__)
        if module is None:
            return None
        kind: str | None = module.lua_type(obj)
        return kind

    @property
    def LuaError(self) -> tuple[type[Exception], ...]:
        """The LuaError classes of every engine in use (for ``except`` and isinstance)."""
        if not _loaded:
            engine_module(engine_name())
        return tuple(module.LuaError for module in _loaded.values())


_LUPA = _Lupa()


def lupa_engine() -> _Lupa:
    """lupa's ``lua_type`` and ``LuaError``, for every engine this process runs."""
    return _LUPA


def describe_engine(name: EngineName | None = None) -> str:
    """E.g. ``LuaJIT 2.1.1774896198 via lupa 2.8``, for ``assay-py --version``."""
    import lupa

    runtime = engine_module(engine_name(name)).LuaRuntime()
    version = runtime.eval("jit and jit.version or _VERSION")
    return f"{version} via lupa {getattr(lupa, '__version__', '?')}"
