"""Opaque handles: Lua values standing for Python objects (a database connection, a socket).

A handle is an empty table with a locked metatable, known to the VM in a weak table kept in
Lua; Python keeps only ``id -> object``. So Python holds no Lua object (see LuaVM), a script
cannot forge a handle from a table of its own, and a builtin can tell its kind of handle
from any other value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay_py.host.vm import LuaVM

_KEPT = "handles"
CHUNKNAME = "=[assay handles]"

_LUA = rb"""
local setmetatable, error = setmetatable, error
local owners = setmetatable({}, { __mode = "k" })   -- handle -> kind
local ids = setmetatable({}, { __mode = "k" })      -- handle -> id
local fields = setmetatable({}, { __mode = "k" })   -- handle -> its read-only fields
local metas = {}
local M = {}

-- methods: the kind's functions for h:name(...), given with the kind's first handle.
function M.new(kind, id, methods, own)
  local meta = metas[kind]
  if meta == nil then
    methods = methods or {}
    meta = {
      __metatable = kind,
      __tostring = function(h) return kind .. " #" .. ids[h] end,
      __newindex = function() error(kind .. " handles cannot be changed", 2) end,
      __index = function(h, key)
        local mine = fields[h]
        if mine ~= nil and mine[key] ~= nil then return mine[key] end
        return methods[key]
      end,
    }
    metas[kind] = meta
  end
  local handle = setmetatable({}, meta)
  owners[handle], ids[handle], fields[handle] = kind, id, own
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

    def __init__(
        self, vm: LuaVM, kind: str, methods: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self.vm = vm
        self.kind = kind
        self.methods = methods
        self.objects: dict[int, Any] = {}
        self._next = 0

    def new(self, obj: Any, fields: dict[str, Any] | None = None) -> Any:
        """A fresh handle for ``obj`` (call on the Lua thread; return it to Lua at once).

        ``fields`` are plain values the handle shows (``conn.peer_addr``); the kind's
        ``methods`` (Lua functions, made by the builtin for ``h:name()``) are given with the
        first handle and kept in Lua.
        """
        self._next += 1
        self.objects[self._next] = obj
        methods = None
        if self.methods is not None and self._next == 1:
            methods = self.vm.table(self.methods())
        return _lua_half(self.vm)[b"new"](
            self.kind.encode(),
            self._next,
            methods,
            None if fields is None else self.vm.to_lua(fields),
        )

    def get(self, value: Any, fn: str, position: str = "first") -> Any:
        """The object behind a handle, or ``<fn>: first argument must be a <kind>``."""
        ident = None if value is None else _lua_half(self.vm)[b"id"](self.kind.encode(), value)
        if ident is None or int(ident) not in self.objects:
            raise TypeError(f"{fn}: {position} argument must be a {self.kind}")
        return self.objects[int(ident)]
