"""Argument rules the builtins share: Lua's string coercion, and Lua type names for errors."""

from __future__ import annotations

from assay_py.host._engine import lupa_engine

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from collections.abc import Callable
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


# -- the original's argument conversions ---------------------------------------------------
# The original declares most parameters with Rust types and lets its Lua binding convert:
# a failure reads "bad argument #N: error converting Lua <type> to <Rust type> (<why>)".
# These reproduce those conversions and their words.


class BadArgument(TypeError):
    """An argument the original's conversion refuses."""


def mlua_type_name(value: Any) -> str:
    """The type name the original's binding prints: integer and number are told apart (on
    LuaJIT a whole double is what Lua 5.5 holds as an integer)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "integer"
    return lua_type_name(value)


# The reason the original gives for a value it cannot convert, by Rust type: what a caller
# that leaves out ``why`` gets.
_EXPECTED = {
    "String": "expected string or number",
    "string": "expected string or number",
    **{
        name: "expected number or string coercible to number"
        for name in ("f64", "f32", "i64", "i32", "u16", "u32", "u64", "usize")
    },
}
_DEFAULT_WHY = "(from the type)"


def conversion_error(value: Any, to: str, why: str | None = _DEFAULT_WHY) -> str:
    if why is _DEFAULT_WHY:
        why = _EXPECTED.get(to)
    detail = f" ({why})" if why else ""
    return f"error converting Lua {mlua_type_name(value)} to {to}{detail}"


def bad_argument(position: int, value: Any, to: str, why: str | None = _DEFAULT_WHY) -> BadArgument:
    return BadArgument(f"bad argument #{position}: {conversion_error(value, to, why)}")


def utf8_error(data: bytes) -> str | None:
    """Rust's words for the first UTF-8 fault in ``data``, or None when it is UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Python and Rust both report the maximal invalid prefix, so the lengths agree.
        if exc.reason == "unexpected end of data":
            return f"incomplete utf-8 byte sequence from index {exc.start}"
        return f"invalid utf-8 sequence of {exc.end - exc.start} bytes from index {exc.start}"
    return None


def coerced_text(value: Any) -> bytes | None:
    """A string, or a number as Lua turns it into one; None for anything else."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value).encode()
    return None


def arg_str(value: Any, position: int, *, to: str = "String") -> str:
    """A parameter the original declares as a Rust ``String``: a string (or number) that must
    be UTF-8. ``to="&str"`` for the conversions the original makes inside the function."""
    data = coerced_text(value)
    if data is None:
        raise bad_argument(position, value, to, "expected string or number")
    fault = utf8_error(data)
    if fault is not None:
        raise bad_argument(position, value, to, fault)
    return data.decode("utf-8")


def arg_bytes(value: Any, position: int) -> bytes:
    """A parameter the original takes as a Lua string (any bytes; numbers coerced)."""
    data = coerced_text(value)
    if data is None:
        raise bad_argument(position, value, "string", "expected string or number")
    return data


def utf8_str(value: bytes, position: int | None = None) -> str:
    """A Lua string the original reads as Rust text in its own code (``to_str``): the fault
    reads "error converting Lua string to &str (...)", as a bad argument when at a position."""
    fault = utf8_error(value)
    if fault is None:
        return value.decode("utf-8")
    if position is None:
        raise BadArgument(conversion_error(value, "&str", fault))
    raise bad_argument(position, value, "&str", fault)


def arg_f64(value: Any, position: int) -> float:
    """A Rust ``f64`` parameter: a number, or a string Lua reads as one."""
    number = _coerced_number(value)
    if number is None:
        raise bad_argument(position, value, "f64", "expected number or string coercible to number")
    return float(number)


def arg_unsigned(value: Any, position: int | None, to: str, bits: int) -> int:
    """A Rust unsigned integer parameter (``u32``, ``u64``, ``usize``): a number or numeric
    string; a fraction is cut off, a value out of range refused."""
    number = _coerced_number(value)
    if number is None:
        error: str = conversion_error(value, to, "expected number or string coercible to number")
    else:
        if isinstance(number, float):
            whole = number.is_integer()
            if number != number or not -1.0 < number < 2.0**bits:
                error = conversion_error(_as_number(number, whole), to, "out of range")
            else:
                return int(number)
        elif 0 <= number < 2**bits:
            return number
        else:
            error = conversion_error(number, to, "out of range")
    if position is None:
        raise BadArgument(error)
    raise BadArgument(f"bad argument #{position}: {error}")


def _as_number(number: float, whole: bool) -> Any:
    # The type the original names for an out-of-range value: an integral one is an integer.
    return int(number) if whole and abs(number) < 2.0**63 else number


def coerced_number(value: Any) -> int | float | None:
    """A number, or a string Lua reads as one (``"2.5"``, ``" 0x10 "``); None otherwise."""
    return _coerced_number(value)


def _coerced_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, bytes):
        return lua_number(value)
    return None


def lua_number(text: bytes) -> int | float | None:
    """What Lua's ``tonumber`` makes of a string (decimal or 0x hex, spaces around)."""
    s = text.strip(b" \t\n\r\f\v")
    try:
        word = s.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not word:
        return None
    body = word[1:] if word[0] in "+-" else word
    try:
        if body[:2].lower() == "0x":
            if "." in body or "p" in body.lower():
                number: int | float = float.fromhex(word)
            else:
                number = int(word, 16)
                if not -(2**63) <= number < 2**63:
                    number = number % 2**64  # Lua wraps hex integers
                    number -= 2**64 if number >= 2**63 else 0
            return number
        if body.isdigit():
            number = int(word)
            return number if -(2**63) <= number < 2**63 else float(number)
        if any(c.isalpha() and c not in "eE" for c in body) or "_" in body:
            return None  # "inf", "nan", "1_0" are not Lua numerals
        return float(word)
    except ValueError:
        return None


def rust_debug(text: str) -> str:
    """A string as Rust's ``{:?}`` writes it: quoted, with ``\\``, ``"`` and controls escaped
    (how the original quotes paths and values in its messages)."""
    out = []
    for char in text:
        escaped = _RUST_ESCAPES.get(char)
        if escaped is None and not char.isprintable() and char != " ":
            import unicodedata

            if unicodedata.category(char) != "Zs":
                escaped = f"\\u{{{ord(char):x}}}"
        out.append(escaped or char)
    return '"' + "".join(out) + '"'


_RUST_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def no_values(fn: Callable[..., Any]) -> Callable[..., tuple[()]]:
    """``fn`` returning no Lua value at all (``select("#", ...)`` is 0), as the original's
    functions that return Rust's ``()`` do, rather than one nil."""

    def call(*args: Any) -> tuple[()]:
        fn(*args)
        return ()

    return call
