"""JSON-faithful conversion between Python values and Lua values.

Lua strings cross the boundary as ``bytes`` (the runtime has no encoding set, so non-UTF-8
data survives); Python ``str`` is encoded to UTF-8 on the way in and decoded on the way out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assay_py.host._engine import lupa_engine

MAX_DEPTH = 200
# LuaJIT numbers are doubles: integers beyond 2^53 cannot be represented exactly.
_EXACT_INT = 2**53


class ConversionError(ValueError):
    """A value that has no faithful Lua (or Python) form."""


def to_lua(lua: Any, value: Any) -> Any:
    """Convert a Python value for Lua: dicts to tables, lists to sequences, None to nil."""
    return _to_lua(lua, value, 0, set())


def _to_lua(lua: Any, value: Any, depth: int, path: set[int]) -> Any:
    if value is None or isinstance(value, (bool, float, bytes)):
        return value
    if isinstance(value, int):
        if -_EXACT_INT <= value <= _EXACT_INT:
            return value
        try:
            return float(value)
        except OverflowError:
            raise ConversionError(
                f"integer too large for a Lua number ({value.bit_length()} bits)"
            ) from None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, (Mapping, list, tuple)):
        if depth >= MAX_DEPTH:
            raise ConversionError(f"value nested deeper than {MAX_DEPTH} levels")
        marker = id(value)
        if marker in path:
            raise ConversionError("cannot convert a cyclic structure to Lua")
        path.add(marker)
        table = lua.table()
        if isinstance(value, Mapping):
            for key, item in value.items():
                table[_to_lua(lua, key, depth + 1, path)] = _to_lua(lua, item, depth + 1, path)
        else:
            for index, item in enumerate(value, 1):
                if item is not None:
                    table[index] = _to_lua(lua, item, depth + 1, path)
        path.discard(marker)
        return table
    if lupa_engine().lua_type(value) is not None:
        return value
    if callable(value):
        return value
    raise ConversionError(f"cannot convert {type(value).__name__} to a Lua value")


def from_lua(value: Any, getmetatable: Any = None) -> Any:
    """Convert a Lua value for Python: sequences to lists, other tables to dicts.

    Whole numbers come back as ``int``; strings as ``str`` when they are UTF-8, else ``bytes``.
    An empty table becomes ``{}`` unless it was marked with ``json.array`` (seen through
    ``getmetatable``, the Lua function of the table's own runtime).
    """
    return _Reader(lupa_engine().lua_type, getmetatable).read(value, 0)


class _Reader:
    def __init__(self, lua_type: Any, getmetatable: Any) -> None:
        self.lua_type = lua_type
        self.getmetatable = getmetatable

    def read(self, value: Any, depth: int) -> Any:
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return value
        if isinstance(value, float):
            return int(value) if value.is_integer() and abs(value) <= 2**63 else value
        if value is None or isinstance(value, (bool, int, str)):
            return value
        kind = self.lua_type(value)
        if kind != "table":
            return value
        if depth >= MAX_DEPTH:
            raise ConversionError(
                f"table nested deeper than {MAX_DEPTH} levels (or cyclic) cannot be converted"
            )
        items = list(value.items())
        if _is_sequence(items):
            items.sort(key=lambda pair: pair[0])
            return [self.read(item, depth + 1) for _, item in items]
        if not items and self.json_type(value) == "array":
            return []
        return {_key_from_lua(key): self.read(item, depth + 1) for key, item in items}

    def json_type(self, table: Any) -> Any:
        meta = self.getmetatable(table) if self.getmetatable is not None else None
        if meta is None:
            return None
        marker = meta[b"__jsontype"]
        return marker.decode() if isinstance(marker, bytes) else marker


def _is_sequence(items: list[tuple[Any, Any]]) -> bool:
    if not items:
        return False
    keys = [key for key, _ in items]
    if not all(type(key) is int for key in keys):
        return False
    return sorted(keys) == list(range(1, len(keys) + 1))


def _key_from_lua(key: Any) -> Any:
    if isinstance(key, bytes):
        return key.decode("utf-8", "surrogateescape")
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return key
