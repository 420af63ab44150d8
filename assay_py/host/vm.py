"""The Lua VM: one LuaJIT state with the assay globals, and the bridge to Python callables.

Every Python callable handed to Lua goes through :meth:`LuaVM.function`, which turns a Python
exception into a Lua *string* error (so ``pcall`` + ``string.find(err, ...)`` works as on the
original runtime) and converts return values with :func:`to_lua`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assay_py.host._convert import from_lua, to_lua
from assay_py.host._engine import lupa_engine

# Lua side of the bridge. The Python wrapper returns (true, results...) or (false, message);
# `finish` is reached by a tail call, so error level 2 points at the script line that called
# the builtin, like an error raised by any Lua function.
_BRIDGE = b"""
local error, select = error, select
local function finish(ok, ...)
  if ok then return ... end
  error((...), 2)
end
return function(pyfn)
  return function(...) return finish(pyfn(...)) end
end
"""


class LuaVM:
    """A LuaJIT state. Builtins install themselves with ``install(vm)`` (see host/builtins)."""

    def __init__(self) -> None:
        engine = lupa_engine()
        # encoding=None keeps Lua strings as bytes, so non-UTF-8 data is never mangled.
        self.lua: Any = engine.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
        )
        self.globals: Any = self.lua.globals()
        self.globals.python = None  # scripts must not reach Python through lupa
        self._wrap = self.lua.execute(_BRIDGE, name="=[assay bridge]")
        self._getmetatable = self.globals.getmetatable

    # -- values -------------------------------------------------------------------------
    def to_lua(self, value: Any) -> Any:
        return to_lua(self.lua, value)

    def from_lua(self, value: Any) -> Any:
        return from_lua(value, self._getmetatable)

    def table(self, entries: dict[str, Any] | None = None) -> Any:
        """A Lua table from string keys to values already fit for Lua (e.g. functions)."""
        table = self.lua.table()
        for key, value in (entries or {}).items():
            table[key.encode()] = value
        return table

    # -- functions ----------------------------------------------------------------------
    def function(self, fn: Callable[..., Any]) -> Any:
        """Wrap a Python callable for Lua.

        ``fn`` receives raw Lua arguments (bytes for strings, lupa tables); its result is
        converted with :meth:`to_lua` (a tuple becomes several Lua return values). Any
        exception becomes a Lua error whose value is the exception's text.
        """
        convert = self.to_lua

        def call(*args: Any) -> Any:
            try:
                result = fn(*args)
            except Exception as exc:  # every failure must reach Lua as text
                return False, error_text(exc).encode("utf-8", "replace")
            if isinstance(result, tuple):
                return (True, *(convert(item) for item in result))
            return True, convert(result)

        return self._wrap(call)

    def set_global(self, name: str, value: Any) -> None:
        self.globals[name.encode()] = value


def error_text(exc: BaseException) -> str:
    """The text a Lua script sees for a Python exception."""
    text = str(exc)
    return text if text else type(exc).__name__
