from __future__ import annotations

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def test_parse_tables_arrays_and_scalars(lua: Lua) -> None:
    lua(
        r"""
        local d = toml.parse([==[
title = "assay"
count = 42
ratio = 3.14
on = true
values = [1, 2, 3]

[server]
host = "localhost"
port = 8080

[server.tls]
enabled = true

[[item]]
k = "a"
[[item]]
k = "b"
]==])
        assert.eq(d.title, "assay")
        assert.eq(d.count, 42)
        assert.gt(d.ratio, 3.13)
        assert.lt(d.ratio, 3.15)
        assert.eq(d.on, true)
        assert.eq(#d.values, 3)
        assert.eq(d.values[3], 3)
        assert.eq(d.server.port, 8080)
        assert.eq(d.server.tls.enabled, true)
        assert.eq(#d.item, 2)
        assert.eq(d.item[2].k, "b")
        """
    )


def test_dates_come_as_the_originals_datetime_table(lua: Lua) -> None:
    got = lua(
        """
        local d = toml.parse("at = 1979-05-27T07:32:00Z\\nday = 1979-05-27\\n"
          .. "t = 07:32:00.5\\nlocal_at = 1979-05-27T07:32:00\\noff = 1979-05-27T00:32:00-07:00")
        local f = "$__toml_private_datetime"
        return d.at[f], d.day[f], d.t[f], d.local_at[f], d.off[f]
        """
    )
    assert got == (
        b"1979-05-27T07:32:00Z",
        b"1979-05-27",
        b"07:32:00.5",
        b"1979-05-27T07:32:00",
        b"1979-05-27T00:32:00-07:00",
    )


def test_nan_and_infinity_become_nil(lua: Lua) -> None:
    assert lua('local d = toml.parse("a = nan\\nb = inf\\nc = 1"); return d.a, d.b, d.c') == (
        None,
        None,
        1,
    )


def test_encode_round_trips_and_sorts_keys(lua: Lua) -> None:
    got = lua(
        """
        local text = toml.encode({name = "assay", count = 10, active = true,
                                  server = {port = 80}, list = {1, 2}})
        local back = toml.parse(text)
        assert.eq(back.count, 10)
        assert.eq(back.active, true)
        assert.eq(back.name, "assay")
        assert.eq(back.server.port, 80)
        assert.eq(back.list[2], 2)
        return text
        """
    )
    text = got.decode()
    assert text.index("active") < text.index("count") < text.index("name")
    assert text.index("[server]") > text.index("name")


def test_encode_writes_dates_back_as_dates(lua: Lua) -> None:
    got = lua(
        """
        local d = toml.parse("at = 1979-05-27T07:32:00Z\\nday = 1979-05-27")
        local again = toml.parse(toml.encode(d))
        return again.at["$__toml_private_datetime"], again.day["$__toml_private_datetime"]
        """
    )
    assert got == (b"1979-05-27T07:32:00Z", b"1979-05-27")


def test_errors(lua: Lua) -> None:
    assert lua.error('toml.parse("= invalid")').startswith("toml.parse: ")
    assert lua.error("toml.parse(nil)") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error('toml.encode("x")') == "toml.encode: argument must be a table, got string"
    assert lua.error("toml.encode({1, 2})") == (
        "toml.encode: the top level must be a table with string keys"
    )
    # Through JSON first, as the original: its words, without a "toml." prefix.
    assert lua.error("toml.encode({x = 0/0})") == "cannot encode NaN as JSON number"
    assert lua.error("toml.encode({f = print})") == "unsupported Lua type for JSON: function"


def test_parse_errors_are_framed_as_the_original_frames_them(lua: Lua) -> None:
    # Position, the line, a caret under the column, then the reason.
    assert lua.error('toml.parse("a = 1\\nb = [1,")') == (
        "toml.parse: TOML parse error at line 2, column 8\n"
        "  |\n"
        "2 | b = [1,\n"
        "  |        ^\n"
        "Invalid value\n"
    )


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine('return toml.parse("a = 7").a') == 7
