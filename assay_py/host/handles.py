"""Opaque handles: Lua values standing for Python objects (a database connection, a socket).

A handle is an empty table with a locked metatable, known to the VM in a weak table kept in
Lua; Python keeps only ``id -> object``. So Python holds no Lua object (see LuaVM), a script
cannot forge a handle from a table of its own, and a builtin can tell its kind of handle
from any other value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay_py.host.vm import LuaVM

_KEPT = "handles"
CHUNKNAME = "=[assay handles]"

_LUA = rb"""
local setmetatable, error = setmetatable, error
local owners = setmetatable({}, { __mode = "k" })   -- handle -> kind
local ids = setmetatable({}, { __mode = "k" })      -- handle -> id
local metas = {}
local M = {}

function M.new(kind, id)
  local meta = metas[kind]
  if meta == nil then
    meta = {
      __metatable = kind,
      __tostring = function(h) return kind .. " #" .. ids[h] end,
      __newindex = function() error(kind .. " handles cannot be changed", 2) end,
    }
    metas[kind] = meta
  end
  local handle = setmetatable({}, meta)
  owners[handle], ids[handle] = kind, id
  return handle
end

function M.id(kind, value)
  if owners[value] == kind then return ids[value] end
  return nil
end

return M
"""


def _lua_half(vm: LuaVM) -> Any:
    half = vm.kept(_KEPT)
    if half is None:
        vm.keep(_KEPT, vm.lua.execute(_LUA, name=CHUNKNAME))
        half = vm.kept(_KEPT)
    return half


class Handles:
    """The handles of one kind (``"db connection"``) in one VM, and their objects."""

    def __init__(self, vm: LuaVM, kind: str) -> None:
        self.vm = vm
        self.kind = kind
        self.objects: dict[int, Any] = {}
        self._next = 0

    def new(self, obj: Any) -> Any:
        """A fresh handle for ``obj`` (call on the Lua thread; return it to Lua at once)."""
        self._next += 1
        self.objects[self._next] = obj
        return _lua_half(self.vm)[b"new"](self.kind.encode(), self._next)

    def get(self, value: Any, fn: str, position: str = "first") -> Any:
        """The object behind a handle, or ``<fn>: first argument must be a <kind>``."""
        ident = None if value is None else _lua_half(self.vm)[b"id"](self.kind.encode(), value)
        if ident is None or int(ident) not in self.objects:
            raise TypeError(f"{fn}: {position} argument must be a {self.kind}")
        return self.objects[int(ident)]
