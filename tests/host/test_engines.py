"""Both engines side by side, whatever $ASSAY_LUA says: LuaJIT (default) and Lua 5.5.

The rest of the suite runs on the engine of $ASSAY_LUA (CI runs the Lua tests on both); these
tests pin what must be the same on both and what differs on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay_py.host import LuaHost, LuaScriptError
from assay_py.host._engine import EngineError
from assay_py.host.registry import BUILTIN_GLOBALS

ENGINES = ["luajit", "5.5"]


@pytest.fixture(params=ENGINES)
def host(request: pytest.FixtureRequest) -> Iterator[LuaHost]:
    with LuaHost(engine=request.param) as lua_host:
        yield lua_host


def run(host: LuaHost, code: str) -> list[object]:
    return host.run_string(code)


def test_each_engine_is_what_it_says(host: LuaHost) -> None:
    version = run(host, "return jit and jit.version or _VERSION")[0]
    assert isinstance(version, str)
    assert version.startswith("LuaJIT 2.1" if host.engine == "luajit" else "Lua 5.5")


def test_every_global_is_there_on_both(host: LuaHost) -> None:
    for name in sorted(BUILTIN_GLOBALS):
        expected = "function" if BUILTIN_GLOBALS[name].kind == "function" else "table"
        assert run(host, f"return type({name})") == [expected], name


def test_errors_have_the_same_shape(
    host: LuaHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("script.lua")
    path.write_text("local x = 1\n\n\n\nerror('boom')\n")
    with pytest.raises(LuaScriptError) as caught:
        host.run_file(path)
    assert str(caught.value) == f"{path}:5: boom"
    assert caught.value.traceback.startswith("stack traceback:")
    assert f"{path}:5: in main chunk" in caught.value.traceback
    assert "[assay" not in caught.value.traceback
    assert "xpcall" not in caught.value.traceback


def test_builtin_errors_name_the_calling_line_on_both(host: LuaHost) -> None:
    ok, err = run(host, "return pcall(function()\n\n  json.encode(print)\nend)")
    assert ok is False
    assert err == "<string>:3: unsupported Lua type for JSON: function"


def test_require_and_a_python_backed_module(host: LuaHost) -> None:
    assert run(host, "local r = require('assay.rauthy') return type(r.client)") == ["function"]
    message = run(host, "return select(2, pcall(require, 'nope'))")[0]
    assert isinstance(message, str)
    assert message.startswith("module 'nope' not found:\n\tno field package.preload['nope']")
    assert "\n\tno built-in module 'nope'" in message


def test_numbers_keep_their_subtype_on_lua_5_5() -> None:
    with LuaHost(engine="5.5") as host:
        assert run(host, "return math.type(3), math.type(3.0), tostring(10 / 2), 7 // 2") == [
            "integer",
            "float",
            "5.0",
            3,
        ]
        values = host.vm.execute("return 3, 3.0, 2^63, 9007199254740993", "=t")
        converted = [host.vm.from_lua(v) for v in values]
        assert converted == [3, 3.0, 2.0**63, 9007199254740993]
        assert [type(v) for v in converted] == [int, float, float, int]
        # Python -> Lua keeps them too.
        check = host.vm.execute(
            "local t = ... return math.type(t.i), math.type(t.f), t.big",
            "=t",
            {"i": 5, "f": 5.0, "big": 2**62},
        )
        assert check == (b"integer", b"float", 2**62)


def test_luajit_has_whole_doubles_as_int() -> None:
    with LuaHost(engine="luajit") as host:
        values = host.vm.execute("return 3, 10 / 2, 1.7961108526498e+18, 0.5", "=t")
        assert [host.vm.from_lua(v) for v in values] == [3, 5, 1796110852649799936, 0.5]


@pytest.mark.parametrize(
    ("code", "luajit", "lua55"),
    [
        (
            "return json.encode({a = 5.0, b = 10 / 2, c = 7})",
            '{"a":5,"b":5,"c":7}',
            '{"a":5.0,"b":5.0,"c":7}',
        ),
        ("return json.encode(1.7961108526498e+18)", "1796110852649799936", "1.7961108526498e18"),
        ("return yaml.encode({n = 10 / 2})", "n: 5\n", "n: 5.0\n"),
        ("return tostring(10 / 2)", "5", "5.0"),
        ("return '' .. 100000000000000", "1e+14", "100000000000000"),
        ("return type(unpack), type(table.unpack)", ["function", "function"], ["nil", "function"]),
        ("return type(setfenv), type(loadstring)", ["function", "function"], ["nil", "nil"]),
        ("return type(utf8), type(bit)", ["nil", "table"], ["table", "nil"]),
    ],
)
def test_what_differs_on_purpose(code: str, luajit: object, lua55: object) -> None:
    for engine, expected in (("luajit", luajit), ("5.5", lua55)):
        with LuaHost(engine=engine) as host:
            results = run(host, code)
            assert (results[0] if len(results) == 1 else results) == expected, engine


def test_goto_and_load_modes_on_both(host: LuaHost) -> None:
    assert run(host, "local i = 0 ::top:: i = i + 1 if i < 3 then goto top end return i") == [3]
    assert run(host, "return load('return 1', 'x', 't')()") == [1]
    assert run(host, "return select(2, load('return 1', 'x', 'b'))") == [
        "attempt to load a text chunk (mode is 'b')"
    ]


def test_utf8_library_on_lua_5_5() -> None:
    with LuaHost(engine="5.5") as host:
        assert run(host, "return utf8.len('h\\u{e9}'), utf8.char(233)") == [2, "é"]


def test_builtins_work_on_a_5_5_host_beside_a_luajit_one() -> None:
    # One process, two engines: builtins must recognise the objects of either.
    with LuaHost(engine="luajit") as jit, LuaHost(engine="5.5") as puc:
        for host in (jit, puc):
            assert run(host, "assert.eq({1} ~= nil, true) return http.client ~= nil") == [True]
            assert run(
                host, "return select(2, pcall(assert.matches, 'a', '[')):find('pattern') ~= nil"
            ) == [True]
            assert run(host, "return yaml.encode({a = {1, 2}})") == ["a:\n- 1\n- 2\n"]


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(EngineError, match=r"unknown Lua engine '5.4' \(expected luajit or 5.5\)"):
        LuaHost(engine="5.4")


def test_engine_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_LUA", "5.5")
    with LuaHost() as host:
        assert host.engine == "5.5"
        assert run(host, "return _VERSION") == ["Lua 5.5"]
    monkeypatch.setenv("ASSAY_LUA", "luajit")
    with LuaHost() as host:
        assert host.engine == "luajit"
