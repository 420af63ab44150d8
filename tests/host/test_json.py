"""The json global (spec §3.2)."""

from __future__ import annotations

import json

import pytest

from tests.host.conftest import Lua
from tests.support.engines import LUA55, per_engine


@pytest.mark.parametrize(
    ("lua_value", "expected"),
    [
        ("{}", "{}"),
        ("json.array()", "[]"),
        ("json.array({})", "[]"),
        ("json.object({1, 2})", '{"1":1,"2":2}'),
        ("json.array({[2] = 'x'})", "[null]"),
        ("{1, 2, 3}", "[1,2,3]"),
        ("{1, 2, nil, 4}", '{"1":1,"2":2,"4":4}'),
        ("{[1] = 'a', [3] = 'c'}", '{"1":"a","3":"c"}'),
        ("{b = 1, a = 2, C = 3, [10] = 4, [2] = 5}", '{"10":4,"2":5,"C":3,"a":2,"b":1}'),
        ("{x = {y = {z = {}}}}", '{"x":{"y":{"z":{}}}}'),
        ("nil", "null"),
        ("true", "true"),
        ("60", "60"),
        ("10 / 2", per_engine("5", "5.0")),
        ("-0.25", "-0.25"),
        ("1 / 3", "0.3333333333333333"),
        ("0.1", "0.1"),
        ("1e21", "1e21"),
        ("1.5e-7", "1.5e-7"),
        ("2 ^ 53", per_engine("9007199254740992", "9007199254740992.0")),
        ("2 ^ 62", per_engine("4611686018427387904", "4.611686018427388e18")),
        ("1 << 62" if LUA55 else "2 ^ 62", "4611686018427387904"),
        ("1e15", per_engine("1000000000000000", "1000000000000000.0")),
        ("1e16", per_engine("10000000000000000", "1e16")),
        ("1e-5", "0.00001"),
        ("1.7961108526498e+18", per_engine("1796110852649799936", "1.7961108526498e18")),
        ("'plain'", '"plain"'),
        ("'q\"b\\\\s/\\n\\t\\1\\127é'", '"q\\"b\\\\s/\\n\\t\\u0001\x7fé"'),
        ("{[1.5] = true}", '{"1.5":true}'),
    ],
)
def test_encode(lua: Lua, lua_value: str, expected: str) -> None:
    assert lua(f"return json.encode({lua_value})") == expected


def test_encode_keys_are_byte_sorted(lua: Lua) -> None:
    encoded = lua("return json.encode({['é'] = 1, z = 2, Z = 3, ['a b'] = 4, ['_'] = 5})")
    keys = list(json.loads(encoded))
    assert keys == sorted(keys, key=lambda key: key.encode())


def test_encode_preserves_existing_metatable(lua: Lua) -> None:
    assert lua(
        "local mt = {__index = {hello = 'hi'}} local t = setmetatable({}, mt) "
        "json.array(t) return getmetatable(t) == mt, t.hello, json.encode(t)"
    ) == [True, "hi", "[]"]


@pytest.mark.parametrize(
    ("lua_value", "message"),
    [
        # The original's conversion errors carry no "json.encode:" prefix; the number is
        # named as Rust displays it.
        ("0/0", "cannot encode NaN as JSON number"),
        ("math.huge", "cannot encode inf as JSON number"),
        ("-math.huge", "cannot encode -inf as JSON number"),
        ("{[true] = 1}", "unsupported table key type: boolean"),
        ("{f = print}", "unsupported Lua type for JSON: function"),
        (
            "'\\255'",
            "error converting Lua string to &str (invalid utf-8 sequence of 1 bytes from index 0)",
        ),
        (
            "{['a\\226\\130'] = 1}",
            "error converting Lua string to &str (incomplete utf-8 byte sequence from index 1)",
        ),
        (
            "(function() local t = {} t.t = t return t end)()",
            "cannot encode a cyclic table",
        ),
    ],
)
def test_encode_errors(lua: Lua, lua_value: str, message: str) -> None:
    assert lua.error(f"json.encode({lua_value})") == message


def test_encode_depth_limit(lua: Lua) -> None:
    deep = "local t = 1 for i = 1, {n} do t = {{t}} end return json.encode(t)"
    # The original has no limit of its own; ours is far past any real document.
    assert lua(deep.format(n=1000)).startswith("[" * 1000)
    message = lua.error(deep.format(n=1001))
    assert message == "value nested deeper than 1000 levels"


def test_parse_values(lua: Lua) -> None:
    parsed = lua(
        'local t = json.parse(\'{"a": [1, 2.5, "x", true, false], "b": {"c": null}, "d": -3e2}\') '
        "return t.a[1], t.a[2], t.a[3], t.a[4], t.a[5], next(t.b), t.d, #t.a"
    )
    assert parsed == [1, 2.5, "x", True, False, None, -300, 5]


def test_parse_null_is_nil_and_array_nulls_leave_holes(lua: Lua) -> None:
    assert lua("local t = json.parse('[1, null, 3]') return t[1], t[2], t[3]") == [1, None, 3]
    assert lua("return json.parse('null')") is None


def test_parse_object_keys_stay_strings(lua: Lua) -> None:
    assert lua("local t = json.parse('{\"1\": \"x\"}') return t['1'], t[1]") == ["x", None]


def test_parse_escapes_and_unicode(lua: Lua) -> None:
    text = r'"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 ü"'
    assert lua(f"return json.parse([[{text}]])") == '"\\/\b\f\n\r\té😀 ü'


def test_parse_whole_numbers_are_integers(lua: Lua) -> None:
    # As serde: 1.0 is a float, so Lua 5.5 keeps it one; LuaJIT cannot tell.
    assert lua("return json.encode(json.parse('[60, 1.0, 2.50]'))") == per_engine(
        "[60,1,2.5]", "[60,1.0,2.5]"
    )


def test_parse_coerces_numbers(lua: Lua) -> None:
    assert lua("return json.parse(42)") == 42


def test_roundtrip_of_nested_document(lua: Lua) -> None:
    document = {"z": [1, {"y": "é", "x": [True, False]}], "a": {"b": {"c": "d"}}, "n": 1.5}
    encoded = lua(f"return json.encode(json.parse([[{json.dumps(document)}]]))")
    assert encoded == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("   ", "EOF while parsing a value at line 1 column 3"),
        ("x", "expected value at line 1 column 1"),
        ("[1, 2", "EOF while parsing a list at line 1 column 5"),
        ("[1 2]", "expected `,` or `]` at line 1 column 4"),
        ("[1,]", "trailing comma at line 1 column 4"),
        ('{"a" 1}', "expected `:` at line 1 column 6"),
        ("{1: 2}", "key must be a string at line 1 column 2"),
        ('"abc', "EOF while parsing a string at line 1 column 4"),
        ('"\\x"', "invalid escape at line 1 column 3"),
        ("1 2", "trailing characters at line 1 column 3"),
        ("\n\n  @", "expected value at line 3 column 3"),
        ("1e999", "number out of range at line 1 column 5"),
        ('"\\udc00"', "lone leading surrogate in hex escape at line 1 column 7"),
        ('"\\ud800\\u0041"', "lone leading surrogate in hex escape at line 1 column 13"),
        ('"\\ud800\\n"', "unexpected end of hex escape at line 1 column 9"),
        ('"\\u12g4"', "invalid escape at line 1 column 7"),
        ("NaN", "expected value at line 1 column 1"),
        ("tru", "EOF while parsing a value at line 1 column 3"),
        ("trux", "expected ident at line 1 column 4"),
        ("[nul", "EOF while parsing a value at line 1 column 4"),
        ("falsy", "expected ident at line 1 column 5"),
        ("01", "invalid number at line 1 column 2"),
        ("[-00]", "invalid number at line 1 column 4"),
        ('"a\\ud800"', "unexpected end of hex escape at line 1 column 9"),
    ],
)
def test_parse_errors(lua: Lua, text: str, message: str) -> None:
    lua.host.globals.TEXT = text.encode()
    assert lua.error("json.parse(TEXT)") == f"json.parse: {message}"


def test_parse_rejects_invalid_utf8(lua: Lua) -> None:
    # The original converts its argument to Rust text before parsing anything.
    assert lua.error("json.parse('\"a\\255\"')") == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 2)"
    )


def test_parse_rejects_non_strings(lua: Lua) -> None:
    assert lua.error("json.parse({})") == (
        "bad argument #1: error converting Lua table to String (expected string or number)"
    )
    assert lua.error("json.parse()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )


def test_parse_negative_zero_is_a_float(lua: Lua) -> None:
    assert lua("return 1 / json.parse('-0')") == float("-inf")


def test_parse_depth_limit(lua: Lua) -> None:
    # serde_json's limit: 127 levels parse, the 128th is refused where it opens.
    assert lua("return type(json.parse(string.rep('[', 127) .. string.rep(']', 127)))") == "table"
    message = lua.error("json.parse(string.rep('[', 128) .. string.rep(']', 128))")
    assert message == "json.parse: recursion limit exceeded at line 1 column 128"


def test_marker_needs_a_table_or_nil(lua: Lua) -> None:
    assert lua.error("json.array('x')") == "bad argument #1: error converting Lua string to table"
    assert lua.error("json.object(true)") == (
        "bad argument #1: error converting Lua boolean to table"
    )


def test_forced_array_counts_keys_up_to_the_first_non_index(lua: Lua) -> None:
    assert lua("return json.encode(json.array({[1] = 'a', [3] = 'c'}))") == '["a",null]'
    assert lua("return json.encode(json.array({'a', x = 1, y = 2}))") == '["a",null]'


def test_float_keys_as_rust_displays_them(lua: Lua) -> None:
    assert lua("return json.encode({[1.5] = 1, [1e20] = 2, [1e-7] = 3})") == (
        '{"0.0000001":3,"1.5":1,"100000000000000000000":2}'
    )


def test_errors_name_the_calling_line(lua: Lua) -> None:
    assert lua("return select(2, pcall(function()\n  json.parse('x')\nend))") == (
        "<string>:2: json.parse: expected value at line 1 column 1"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'string.rep("[", 20000)',
            "json.parse: recursion limit exceeded at line 1 column 128",
        ),
        (
            "string.rep('{\"a\":', 20000)",
            "json.parse: recursion limit exceeded at line 1 column 636",
        ),
        ('"1" .. string.rep("0", 1000000)', "json.parse: number out of range at line 1 column 1"),
        ('"[" .. string.rep("1,", 200000)', "json.parse: EOF while parsing a value at line 1"),
    ],
)
def test_hostile_documents_are_one_clear_error(lua: Lua, text: str, message: str) -> None:
    # Inside a coroutine too: the parser must neither crash the VM nor leave it unusable.
    code = f"""
        local doc = {text}
        local co = coroutine.wrap(function() return pcall(json.parse, doc) end)
        local ok, err = co()
        local again_ok, again = pcall(json.parse, doc)
        return ok, err, again_ok, again == err, json.parse('{{"a": [1]}}').a[1]
    """
    ok, err, again_ok, same, after = lua(code)
    assert ok is False and again_ok is False and same is True
    assert (err.decode() if isinstance(err, bytes) else err).startswith(message)
    assert after == 1
