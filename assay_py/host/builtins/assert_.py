"""The ``assert`` global: a plain table of checks (spec §3.3), replacing Lua's ``assert``.

Failure texts follow the original runtime: values are rendered (``nil``, ``true``, ``42``,
``1.5``, raw strings, ``<table>``) and quoted with Rust's debug escaping; a trailing ``msg``
argument adds `` - msg``. LuaJIT has only doubles, so a whole double counts as an integer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import utf8_error, utf8_str
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_EPSILON = sys.float_info.epsilon
_INT_LIMIT = 2.0**63
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _is_whole(value: float) -> bool:
    return value.is_integer() and -_INT_LIMIT <= value < _INT_LIMIT


def number_text(value: float) -> str:
    """A number as Rust prints it: integers in decimal, floats shortest and without exponent."""
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    if _is_whole(value):
        return str(int(value))
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    from decimal import Decimal  # only failures render fractions; keep start-up lean

    return format(Decimal(repr(value)), "f")


def _debug_quote(text: str) -> str:
    out = []
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is None and (char < " " or char == "\x7f"):
            escaped = f"\\u{{{ord(char):x}}}"
        out.append(escaped or char)
    return '"' + "".join(out) + '"'


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b  # two integers: exactly
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        # Otherwise in doubles, within an epsilon (an integer is first made a double).
        return abs(float(a) - float(b)) < _EPSILON
    if isinstance(a, bytes) and isinstance(b, bytes):
        return a == b
    return False  # tables, functions, mixed kinds: never equal (not even to themselves)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Assertions:
    def __init__(self, vm: LuaVM) -> None:
        self.lua_type = lupa_engine().lua_type
        # Lua functions are fetched at each call, bound to the running thread (see LuaVM).
        self.vm = vm

    def render(self, value: Any) -> str:
        if value is None:
            return "nil"
        if isinstance(value, bool):
            return "true" if value else "false"
        if _is_number(value):
            return number_text(value)
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return f"<{self.lua_type(value)}>"

    def quoted(self, value: Any) -> str:
        return _debug_quote(self.render(value))

    def suffix(self, extra: tuple[Any, ...]) -> str:
        """`` - msg`` when a message argument was passed (an explicit nil reads ``nil``; a
        string that is not UTF-8 is dropped, as the original's conversion fails on it)."""
        if not extra:
            return ""
        message = extra[0]
        if isinstance(message, bytes):
            if utf8_error(message) is not None:
                return ""
            text = message.decode("utf-8")
        else:
            rendered = self.vm.stock("tostring")(message)
            text = rendered.decode("utf-8", "replace") if isinstance(rendered, bytes) else "nil"
        return f" - {text}"

    def eq(self, a: Any = None, b: Any = None, *extra: Any) -> None:
        if not _equal(a, b):
            quoted = f"{self.quoted(a)} != {self.quoted(b)}"
            raise AssertionError(f"assert.eq failed: {quoted}{self.suffix(extra)}")

    def ne(self, a: Any = None, b: Any = None, *extra: Any) -> None:
        if _equal(a, b):
            quoted = f"{self.quoted(a)} == {self.quoted(b)}"
            raise AssertionError(f"assert.ne failed: {quoted}{self.suffix(extra)}")

    def gt(self, a: Any = None, b: Any = None, *extra: Any) -> None:
        self._compare("gt", ">", a, b, extra)

    def lt(self, a: Any = None, b: Any = None, *extra: Any) -> None:
        self._compare("lt", "<", a, b, extra)

    def _compare(self, name: str, op: str, a: Any, b: Any, extra: tuple[Any, ...]) -> None:
        if not (_is_number(a) and _is_number(b)):
            raise AssertionError(f"assert.{name}: both arguments must be numbers")
        if not (a > b if op == ">" else a < b):
            # Both are shown as the doubles the original compares.
            shown = f"{number_text(float(a))} is not {op} {number_text(float(b))}"
            raise AssertionError(f"assert.{name} failed: {shown}{self.suffix(extra)}")

    def contains(self, haystack: Any = None, needle: Any = None, *extra: Any) -> None:
        if not isinstance(haystack, bytes):
            raise AssertionError("assert.contains: first argument must be a string")
        if not isinstance(needle, bytes):
            raise AssertionError("assert.contains: second argument must be a string")
        utf8_str(haystack)
        utf8_str(needle)
        if needle not in haystack:
            shown = f"{self.quoted(haystack)} does not contain {self.quoted(needle)}"
            raise AssertionError(f"assert.contains failed: {shown}{self.suffix(extra)}")

    def not_nil(self, value: Any = None, *extra: Any) -> None:
        if value is None:
            raise AssertionError(f"assert.not_nil failed: value is nil{self.suffix(extra)}")

    def matches(self, text: Any = None, pattern: Any = None, *extra: Any) -> None:
        if not isinstance(text, bytes):
            raise AssertionError("assert.matches: first argument must be a string")
        if not isinstance(pattern, bytes):
            raise AssertionError("assert.matches: second argument must be a pattern string")
        utf8_str(text)
        utf8_str(pattern)
        try:
            found = self.vm.stock("find")(text, pattern)
        except lupa_engine().LuaError as exc:
            reason = str(exc).split("\nstack traceback:", 1)[0]
            # The original runs the find as a chunk: its failure is a Lua runtime error.
            raise AssertionError(
                f"assert.matches: pattern error: runtime error: {reason}"
            ) from None
        if found is None or (isinstance(found, tuple) and found[0] is None):
            shown = f"{self.quoted(text)} does not match pattern {self.quoted(pattern)}"
            raise AssertionError(f"assert.matches failed: {shown}{self.suffix(extra)}")


def _no_results(check: Callable[..., None]) -> Callable[..., tuple[()]]:
    # An empty tuple is zero Lua results: a passing check returns nothing, not nil.
    def run(*args: Any) -> tuple[()]:
        check(*args)
        return ()

    return run


def install(vm: LuaVM) -> None:
    checks = _Assertions(vm)
    names = ("eq", "ne", "gt", "lt", "contains", "not_nil", "matches")
    functions = {name: vm.function(_no_results(getattr(checks, name))) for name in names}
    vm.set_global("assert", vm.table(functions))
