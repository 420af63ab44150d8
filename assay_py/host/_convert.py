"""JSON-faithful conversion between Python values and Lua values.

Lua strings cross the boundary as ``bytes`` (the runtime has no encoding set, so non-UTF-8
data survives); Python ``str`` is encoded to UTF-8 on the way in and decoded on the way out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from assay_py.host._engine import lupa_engine

TYPE_CHECKING = False  # not typing's: see assay_py.host
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 200
# LuaJIT numbers are doubles: integers beyond 2^53 cannot be represented exactly. Lua 5.5
# integers are 64-bit.
_EXACT_INT = 2**53
_INT64 = 2**63


class ConversionError(ValueError):
    """A value that has no faithful Lua (or Python) form."""


def to_lua(lua: Any, value: Any, *, integers: bool = False) -> Any:
    """Convert a Python value for Lua: dicts to tables, lists to sequences, None to nil.

    ``integers``: the engine has an integer subtype (Lua 5.5), so an int in 64-bit range
    becomes a Lua integer; otherwise ints a double cannot hold exactly become floats.
    """
    plain = _plain(value, 0, set(), _INT64 - 1 if integers else _EXACT_INT)
    if isinstance(plain, (dict, list)):
        # lupa builds nested tables in C, far faster than setting items one by one.
        return lua.table_from(plain, recursive=True)
    return plain


def _plain(value: Any, depth: int, path: set[int], exact: int) -> Any:
    """``value`` with text as UTF-8 bytes and numbers Lua can hold, checked for depth/cycles."""
    kind = type(value)
    if kind is str:  # the common cases first: this runs for every value crossing into Lua
        return value.encode("utf-8", "surrogateescape")
    if kind is bool or kind is float or value is None:
        return value
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        if -exact <= value <= exact:
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
        converted: dict[Any, Any] | list[Any]
        if isinstance(value, Mapping):
            converted = {
                _plain(key, depth + 1, path, exact): _plain(item, depth + 1, path, exact)
                for key, item in value.items()
            }
        else:
            converted = [_plain(item, depth + 1, path, exact) for item in value]
        path.discard(marker)
        return converted
    # Lua objects go back as they are. A Python callable would reach Lua as a Python object
    # (it returns Python objects, raises non-text errors): builtins wrap with LuaVM.function.
    if lupa_engine().lua_type(value) is not None:
        return value
    raise ConversionError(f"cannot convert {type(value).__name__} to a Lua value")


def from_lua(value: Any, getmetatable: Any = None, *, integers: bool = False) -> Any:
    """Convert a Lua value for Python: sequences to lists, other tables to dicts.

    Whole numbers come back as ``int`` (with ``integers``, for an engine with an integer
    subtype, only integers do: a float stays a float, as ``5.0`` is on Lua 5.5); strings as
    ``str`` when they are UTF-8, else ``bytes``.
    An empty table becomes ``{}`` unless it was marked with ``json.array`` (seen through
    ``getmetatable``, the Lua function of the table's own runtime).
    """
    return _Reader(lupa_engine().lua_type, getmetatable, integers).read(value, 0)


class _Reader:
    def __init__(self, lua_type: Any, getmetatable: Any, integers: bool = False) -> None:
        self.lua_type = lua_type
        self.getmetatable = getmetatable
        self.integers = integers
        self.path: list[Any] = []  # the tables being read, outermost first

    def read(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is bytes:
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return value
        if kind is float:
            if self.integers:
                return value
            return int(value) if value.is_integer() and abs(value) <= 2**63 else value
        if value is None or kind is bool or kind is int or kind is str:
            return value
        if self.lua_type(value) != "table":
            return value
        if depth >= MAX_DEPTH:
            if self._cyclic(value):
                raise ConversionError("cannot convert a cyclic table")
            raise ConversionError(
                f"table nested deeper than {MAX_DEPTH} levels cannot be converted"
            )
        self.path.append(value)
        items = list(value.items())
        sequence = _as_sequence(items)
        result: Any
        if sequence is not None:
            result = [self.read(item, depth + 1) for item in sequence]
        elif not items and self.json_type(value) == "array":
            result = []
        else:
            result = {_key_from_lua(key): self.read(item, depth + 1) for key, item in items}
        self.path.pop()
        return result

    def _cyclic(self, start: Any) -> bool:
        """Whether a table is reachable from itself, searching from ``start`` (whose ancestors
        are on the current path). Runs only at the depth limit: normal reads pay nothing."""
        # A lupa table's repr names the Lua object's address: a stable identity.
        ancestors = {repr(table) for table in self.path}
        done: set[str] = set()
        stack = [(repr(start), self._children(start))]
        ancestors.add(stack[0][0])
        while stack:
            marker, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                ancestors.discard(marker)
                done.add(marker)
                continue
            child_marker = repr(child)
            if child_marker in ancestors:
                return True
            if child_marker not in done:
                ancestors.add(child_marker)
                stack.append((child_marker, self._children(child)))
        return False

    def json_type(self, table: Any) -> Any:
        meta = self.getmetatable(table) if self.getmetatable is not None else None
        if meta is None:
            return None
        marker = meta[b"__jsontype"]
        return marker.decode() if isinstance(marker, bytes) else marker

    def _children(self, table: Any) -> Iterator[Any]:
        """The table values of ``table`` (what :meth:`read` descends into)."""
        return (item for item in table.values() if self.lua_type(item) == "table")


def _as_sequence(items: list[tuple[Any, Any]]) -> list[Any] | None:
    """The values in key order when the keys are exactly 1..n, else None."""
    if not items or type(items[0][0]) is not int:
        return None
    keys = [key for key, _ in items]
    expected = list(range(1, len(keys) + 1))
    if keys == expected:  # Lua hands out the array part in order: the usual case
        return [item for _, item in items]
    if all(type(key) is int for key in keys) and sorted(keys) == expected:
        return [item for _, item in sorted(items, key=lambda pair: pair[0])]
    return None


def _key_from_lua(key: Any) -> Any:
    if isinstance(key, bytes):
        return key.decode("utf-8", "surrogateescape")
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return key
