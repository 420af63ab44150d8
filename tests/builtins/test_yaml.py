from __future__ import annotations

import pytest

from assay_py.host.builtins import yaml as yaml_builtin
from tests.builtins.conftest import Lua


def test_parse_mapping_and_sequence(lua: Lua) -> None:
    got = lua(
        """
        local t = yaml.parse("name: svc\\nports: [80, 443]\\nnested: {on: true}\\n")
        return t.name, t.ports[1], t.ports[2], #t.ports, t.nested.on
        """
    )
    assert got == (b"svc", 80, 443, 2, True)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("true", True),
        ("False", False),
        ("yes", b"yes"),  # a boolean only in YAML 1.1
        ("off", b"off"),
        ("42", 42),
        ("017", 17),  # decimal in 1.2, octal in 1.1
        ("0o17", 15),
        ("0x1F", 31),
        ("1:20", b"1:20"),  # sexagesimal 80 in 1.1
        ("1.5", 1.5),
        ("-2.5e3", -2500),
        ("2024-01-01", b"2024-01-01"),  # dates stay strings
        ("'42'", b"42"),
        ("=", b"="),
    ],
)
def test_plain_scalars_follow_yaml_1_2(lua: Lua, scalar: str, expected: object) -> None:
    assert lua(f'return yaml.parse("v: {scalar}").v') == expected


def test_null_and_non_finite_numbers_become_nil(lua: Lua) -> None:
    got = lua(
        """
        local t = yaml.parse("a: ~\\nb: null\\nc: .inf\\nd: .nan\\ne: 1\\nlist: [1, null, 3]")
        local keys = 0
        for _ in pairs(t) do keys = keys + 1 end
        return keys, t.list[1], t.list[2], t.list[3]
        """
    )
    assert got == (2, 1, None, 3)


def test_keys_become_strings(lua: Lua) -> None:
    assert lua('local t = yaml.parse("1: one\\ntrue: yes"); return t["1"], t["true"], t[1]') == (
        b"one",
        b"yes",
        None,
    )


def test_empty_document_is_nil(lua: Lua) -> None:
    assert lua('return yaml.parse("")') is None


def test_parse_error(lua: Lua) -> None:
    message = lua.error('yaml.parse("a: [1, 2")')
    assert message.startswith("yaml.parse: ")
    assert "line 1" in message


def test_parse_requires_a_string(lua: Lua) -> None:
    assert lua.error("yaml.parse({})") == (
        "bad argument #1: error converting Lua table to String (expected string or number)"
    )
    assert lua.error('yaml.parse_all("a: \\255")') == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 3)"
    )


def test_parse_all_skips_empty_and_null_documents(lua: Lua) -> None:
    got = lua(
        """
        local docs = yaml.parse_all("a: 1\\n---\\n---\\nnull\\n---\\n- x\\n")
        return #docs, docs[1].a, docs[2][1]
        """
    )
    assert got == (2, 1, b"x")


def test_parse_all_error_names_itself(lua: Lua) -> None:
    assert lua.error('yaml.parse_all("a: 1\\n---\\nb: [")').startswith("yaml.parse_all: ")


def test_cyclic_alias_is_an_error(lua: Lua) -> None:
    assert lua.error('yaml.parse("&a [*a]")') == (
        "yaml.parse: an alias refers to a value that contains it"
    )


# A 9-level "billion laughs": 10**9 values from a few hundred bytes. It used to be walked
# value by value up to MAX_VALUES (seconds, and gigabytes once converted).
_LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\\n" for i in range(1, 10)
)


@pytest.mark.parametrize("function", ["parse", "parse_all"])
def test_billion_laughs_is_refused_without_expanding(lua: Lua, function: str) -> None:
    assert len(_LAUGHS) < 700
    assert lua.error(f'yaml.{function}("{_LAUGHS}")') == (
        f"yaml.{function}: document expands to more than 5000000 values"
    )


def test_alias_amplification_is_refused_below_the_value_cap(lua: Lua) -> None:
    # About 10**6 values from 73 written out: under MAX_VALUES, far over what reuse needs.
    laughs = _LAUGHS.split("a6:")[0]
    assert lua.error(f'yaml.parse("{laughs}")') == (
        "yaml.parse: aliases expand 73 values to 1234567 (an alias bomb?)"
    )


def test_moderate_alias_reuse_still_loads(lua: Lua) -> None:
    text = "base: &b {x: 1, y: [1, 2]}\\n" + "".join(f"k{i}: *b\\n" for i in range(50))
    assert lua(f'return yaml.parse("{text}").k49.y[2]') == 2


@pytest.mark.parametrize(
    ("nested", "column"), [("[" * 20000, 128), ("- " * 20000 + "x", 255), ("{a: " * 5000, 509)]
)
def test_deep_nesting_is_a_clear_error(lua: Lua, nested: str, column: int) -> None:
    # The original's limit and words: the 128th level is refused where it opens.
    message = lua.error(f'yaml.parse("{nested}")')
    assert message == f"yaml.parse: recursion limit exceeded at line 1 column {column}"


def test_nesting_up_to_the_limit_parses(lua: Lua) -> None:
    nested = "[" * 127 + "]" * 127
    assert lua(f'return type(yaml.parse("{nested}"))') == b"table"
    nested = "[" * 128 + "]" * 128
    assert lua.error(f'yaml.parse("{nested}")') == (
        "yaml.parse: recursion limit exceeded at line 1 column 128"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # libyaml's problem and context, in the original's YAML library's shape.
        ("a: [1, 2", "did not find expected ',' or ']' at line 2 column 1, "
         "while parsing a flow sequence at line 1 column 4"),
        ("a: b: c", "mapping values are not allowed in this context at line 1 column 5"),
        ("*x", "unknown anchor"),
    ],
)  # fmt: skip
def test_parse_error_texts(lua: Lua, text: str, message: str) -> None:
    assert lua.error(f'yaml.parse("{text}")') == f"yaml.parse: {message}"


def test_alias_expansion_is_bounded(lua: Lua, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_builtin, "MAX_VALUES", 1000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"
    bomb += "\\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]"
    assert lua.error(f'yaml.parse("{bomb}")') == (
        "yaml.parse: document expands to more than 1000 values"
    )


def test_encode_empty_table_is_an_object(lua: Lua) -> None:
    assert lua("return yaml.encode({})") == b"{}\n"


def test_encode_array_marked_empty_table(lua: Lua) -> None:
    assert lua('return yaml.encode(setmetatable({}, {__jsontype = "array"}))') == b"[]\n"


def test_encode_sorts_keys_and_nests(lua: Lua) -> None:
    assert lua('return yaml.encode({b = {1, 2}, a = "x", c = {d = 1.5}})') == (
        b"a: x\nb:\n- 1\n- 2\nc:\n  d: 1.5\n"
    )


def test_encode_scalar_has_no_document_end(lua: Lua) -> None:
    assert lua('return yaml.encode("plain")') == b"plain\n"


@pytest.mark.parametrize("text", ["yes", "0o17", "017", "true", "1:20", "null", "2024-01-01", "="])
def test_encode_quotes_strings_a_reader_would_misread(lua: Lua, text: str) -> None:
    encoded, decoded = lua(f'local e = yaml.encode({{v = "{text}"}}); return e, yaml.parse(e).v')
    assert decoded == text.encode()
    assert encoded != f"v: {text}\n".encode()


def test_encode_round_trips_through_parse(lua: Lua) -> None:
    got = lua(
        """
        local src = {name = "grüße", n = 3, f = 0.25, ok = false, list = {"a", "b"}}
        local back = yaml.parse(yaml.encode(src))
        return back.name, back.n, back.f, back.ok, back.list[2]
        """
    )
    assert got == ("grüße".encode(), 3, 0.25, False, b"b")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # The original converts through JSON first: its words, without a "yaml." prefix.
        ("{f = print}", "unsupported Lua type for JSON: function"),
        ("{[true] = 1}", "unsupported table key type: boolean"),
        ("{x = 0/0}", "cannot encode NaN as JSON number"),
        (
            '{s = "\\255"}',
            "error converting Lua string to &str (invalid utf-8 sequence of 1 bytes from index 0)",
        ),
    ],
)
def test_encode_errors(lua: Lua, value: str, message: str) -> None:
    assert lua.error(f"yaml.encode({value})") == message


def test_encode_cyclic_table(lua: Lua) -> None:
    message = lua.error("local t = {}; t.self = t; yaml.encode(t)")
    assert message == "cannot encode a cyclic table"


def test_merge_keys_still_merge(lua: Lua) -> None:
    got = lua('local t = yaml.parse("b: &b {x: 1, y: 2}\\nd: {<<: *b, y: 3}"); return t.d.x, t.d.y')
    assert got == (1, 3)
