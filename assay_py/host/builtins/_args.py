"""Argument rules the builtins share: Lua's string coercion, and Lua type names for errors."""

from __future__ import annotations

from assay_py.host._engine import lupa_engine

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any


def lua_text(value: Any, what: str) -> bytes:
    """A string argument as bytes, coercing numbers as Lua does; anything else raises.

    ``what`` names the argument in the error, e.g. ``"fs.read: path"``.
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a string, got {lua_type_name(value)}")
    return number_text(value).encode()


def number_text(value: int | float) -> str:
    """A number as the host writes it into text (log lines, strings built by builtins).

    Integers in full: a Lua 5.5 integer, and on LuaJIT every whole double below 2^63 (lupa
    hands those over as int), so a nanosecond timestamp reads 1796110852649799936, not
    1.7961108526498e+18. Floats as Lua's tostring: "%.14g", plus ".0" when that looks like
    an integer (only Lua 5.5 floats get there: 5.0 -> "5.0").
    """
    if isinstance(value, int):
        return str(value)
    text = f"{value:.14g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def lua_type_name(value: Any) -> str:
    """The Lua type name of a raw Lua value, for error messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, bytes):
        return "string"
    return str(lupa_engine().lua_type(value) or type(value).__name__)
