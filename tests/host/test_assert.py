"""The assert global (spec §3.3): a table of checks with the original's messages."""

from __future__ import annotations

import pytest

from tests.host.conftest import Lua
from tests.support.engines import per_engine


@pytest.mark.parametrize(
    "call",
    [
        "assert.eq(1, 1)",
        "assert.eq(1, 1.0)",
        "assert.eq(0.1 + 0.2, 0.3)",
        "assert.eq('a', 'a')",
        "assert.eq(nil, nil)",
        "assert.eq(false, false)",
        "assert.ne(1, 2)",
        "assert.ne('1', 1)",
        "assert.ne(nil, false)",
        "(function() local t = {} return assert.ne(t, t) end)()",
        "assert.gt(2, 1)",
        "assert.lt(-1, 0.5)",
        "assert.contains('hello world', 'o w')",
        "assert.contains('a.b', '.')",
        "assert.not_nil(false)",
        "assert.not_nil(0)",
        "assert.matches('abc123', '%d+$')",
        "assert.matches('key=value', '^(%w+)=')",
    ],
)
def test_passing_checks_return_nothing(lua: Lua, call: str) -> None:
    assert lua(f"return select('#', (function() return {call} end)())") == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("assert.eq(1, 2)", 'assert.eq failed: "1" != "2"'),
        ("assert.eq(1.5, 2)", 'assert.eq failed: "1.5" != "2"'),
        ("assert.eq(10 / 4, 1e21)", 'assert.eq failed: "2.5" != "1000000000000000000000"'),
        ("assert.eq(0.1, 1.5e-7)", 'assert.eq failed: "0.1" != "0.00000015"'),
        ("assert.eq('a\\n\"b\\\\', 'c')", 'assert.eq failed: "a\\n\\"b\\\\" != "c"'),
        ("assert.eq(nil, false)", 'assert.eq failed: "nil" != "false"'),
        ("assert.eq('1', 1)", 'assert.eq failed: "1" != "1"'),
        ("assert.eq({}, {})", 'assert.eq failed: "<table>" != "<table>"'),
        ("local t = {} assert.eq(t, t)", 'assert.eq failed: "<table>" != "<table>"'),
        ("assert.eq(print, 1)", 'assert.eq failed: "<function>" != "1"'),
        ("assert.ne(2, 2.0)", 'assert.ne failed: "2" == "2"'),
        ("assert.eq(1, 2, 'why')", 'assert.eq failed: "1" != "2" - why'),
        ("assert.eq(1, 2, 42)", 'assert.eq failed: "1" != "2" - 42'),
        ("assert.eq(1, 2, nil)", 'assert.eq failed: "1" != "2" - nil'),
        ("assert.gt(1, 2)", "assert.gt failed: 1 is not > 2"),
        ("assert.gt(1, 1, 'm')", "assert.gt failed: 1 is not > 1 - m"),
        ("assert.lt(2.5, 1)", "assert.lt failed: 2.5 is not < 1"),
        ("assert.gt('2', 1, 'm')", "assert.gt: both arguments must be numbers"),
        ("assert.lt(1, nil)", "assert.lt: both arguments must be numbers"),
        ("assert.contains('abc', 'x')", 'assert.contains failed: "abc" does not contain "x"'),
        (
            "assert.contains('abc', 'x', 'm')",
            'assert.contains failed: "abc" does not contain "x" - m',
        ),
        ("assert.contains(1, 'x')", "assert.contains: first argument must be a string"),
        ("assert.contains('a', nil)", "assert.contains: second argument must be a string"),
        ("assert.not_nil(nil)", "assert.not_nil failed: value is nil"),
        ("assert.not_nil(nil, 'gone')", "assert.not_nil failed: value is nil - gone"),
        ("assert.matches('abc', '%d')", 'assert.matches failed: "abc" does not match pattern "%d"'),
        ("assert.matches(1, '%d')", "assert.matches: first argument must be a string"),
        ("assert.matches('a', 5)", "assert.matches: second argument must be a pattern string"),
    ],
)
def test_failure_messages(lua: Lua, call: str, message: str) -> None:
    assert lua.error(call) == message


def test_bad_pattern_is_reported(lua: Lua) -> None:
    message = lua.error("assert.matches('abc', '%')")
    assert message.startswith("assert.matches: pattern error: ")
    assert "malformed pattern" in message


def test_table_message_uses_tostring(lua: Lua) -> None:
    message = lua.error(
        "assert.eq(1, 2, setmetatable({}, {__tostring = function() return 'T' end}))"
    )
    assert message == 'assert.eq failed: "1" != "2" - T'


def test_assert_is_a_plain_table(lua: Lua) -> None:
    assert lua("return type(assert), getmetatable(assert)") == ["table", None]
    assert per_engine("(a table value)", "attempt to call a table value") in lua.error(
        "assert(true, 'x')"
    )


def test_failure_names_the_calling_line(lua: Lua) -> None:
    assert lua("return select(2, pcall(function()\n\n  assert.eq(1, 2)\nend))") == (
        '<string>:3: assert.eq failed: "1" != "2"'
    )


def test_failure_texts_show_numbers_as_rust_does(lua: Lua) -> None:
    # gt/lt compare and show doubles; an integer and a float compare as doubles.
    assert lua.error("assert.gt(1, 2.5)") == "assert.gt failed: 1 is not > 2.5"
    assert lua.error("assert.lt(1e20, 1e-7)") == (
        "assert.lt failed: 100000000000000000000 is not < 0.0000001"
    )
    assert lua.error("assert.eq(1, 2, nil)") == 'assert.eq failed: "1" != "2" - nil'
    # A message that is not UTF-8 is dropped, as the original's conversion fails on it.
    assert lua.error("assert.eq(1, 2, 'm\\255')") == 'assert.eq failed: "1" != "2"'


def test_text_checks_read_rust_text(lua: Lua) -> None:
    assert lua.error("assert.contains('a\\255', 'b')") == (
        "error converting Lua string to &str (invalid utf-8 sequence of 1 bytes from index 1)"
    )
    assert lua.error("assert.matches('a', '%')") == (
        "assert.matches: pattern error: runtime error: malformed pattern (ends with '%')"
    )
