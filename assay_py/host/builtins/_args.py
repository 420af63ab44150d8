"""Argument rules the builtins share: Lua's string coercion, and Lua type names for errors."""

from __future__ import annotations

from typing import Any

from assay_py.host._engine import lupa_engine


def lua_text(value: Any, what: str) -> bytes:
    """A string argument as bytes, coercing numbers as Lua does; anything else raises.

    ``what`` names the argument in the error, e.g. ``"fs.read: path"``.
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a string, got {lua_type_name(value)}")
    # Whole numbers a double holds exactly print in full (as Lua 5.5 integers do); the rest
    # with Lua's "%.14g" (1e+20, 0.1).
    if isinstance(value, int) and abs(value) <= 2**53:
        return str(value).encode()
    return f"{float(value):.14g}".encode()


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
