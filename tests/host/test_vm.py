"""The VM: engine, sandbox, polyfills, print, errors, lazily installed globals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assay_py.host import LuaHost, LuaScriptError
from assay_py.host.registry import BUILTIN_GLOBALS
from assay_py.host.vm import BUILTINS, LuaVM
from tests.host.conftest import Lua
from tests.support.engines import per_engine


def test_engine_is_the_chosen_one(lua: Lua) -> None:
    version = lua("return jit and jit.version or _VERSION")
    assert version.startswith(per_engine("LuaJIT 2.1", "Lua 5.5"))


@pytest.mark.parametrize(
    "expression",
    [
        "python",
        "debug",
        "package.loaded.python",
        "package.loaded.debug",
        "string.dump",
    ],
)
def test_ways_back_to_python_or_c_are_closed(lua: Lua, expression: str) -> None:
    assert lua(f"return {expression} == nil") is True


def test_ffi_cannot_be_required(lua: Lua) -> None:
    assert "module 'ffi' not found" in lua.error("require('ffi')")


def test_c_modules_cannot_be_loaded(lua: Lua) -> None:
    assert "disabled" in lua.error("package.loadlib('x', 'y')")
    assert lua("return package.cpath") == ""


def test_python_objects_expose_no_attributes() -> None:
    vm = LuaVM(builtins=())
    vm.set_global("obj", object())  # a raw Python object, as a careless builtin might leak
    ok, err = vm.execute("return pcall(function() return obj.__class__ end)", "=t")
    assert ok is False
    assert "not reachable" in str(err)


def test_table_unpack_and_pack(lua: Lua) -> None:
    assert lua("return table.unpack({1, 2, 3})") == [1, 2, 3]
    assert lua("local t = table.pack(1, nil, 3) return t.n, t[1], t[3]") == [3, 1, 3]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("string.split('a,b,,c', ',')", ["a", "b", "", "c"]),
        ("string.split('  a b\\t\\nc  ')", ["a", "b", "c"]),
        ("string.split('a b', '')", ["a", "b"]),
        ("string.split('a.b', '.')", ["a", "b"]),  # literal, not a pattern
        ("string.split('a--b--', '--')", ["a", "b", ""]),
        ("('x=1'):split('=')", ["x", "1"]),
    ],
)
def test_string_split(lua: Lua, call: str, expected: list[str]) -> None:
    assert lua(f"return {call}") == expected


def test_string_split_of_nothing_is_empty(lua: Lua) -> None:
    assert lua("return #string.split('   ')") == 0


def test_print_writes_tab_separated_line_to_stdout(
    lua: Lua, capsys: pytest.CaptureFixture[str]
) -> None:
    lua("print('a', 1, nil, true, 2.5)")
    assert capsys.readouterr().out == "a\t1\tnil\ttrue\t2.5\n"


def test_print_keeps_non_utf8_bytes(lua: Lua, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    lua("print('\\255\\254')")
    assert capfdbinary.readouterr().out == b"\xff\xfe\n"


def test_python_exception_reaches_lua_as_string(lua: Lua) -> None:
    ok, err, found = lua(
        "local ok, err = pcall(http.get, 42) return ok, err, (string.find(err, 'URL string'))"
    )
    assert ok is False
    assert err == "http.get: first argument must be a URL string"
    assert found == len("http.get: first argument must be a ") + 1


def test_builtin_error_names_calling_line(lua: Lua) -> None:
    ok, err = lua("local ok, err = pcall(function()\n\n  http.get(1)\nend) return ok, err")
    assert (ok, err) == (False, "<string>:3: http.get: first argument must be a URL string")


def test_uncaught_error_raises_with_message_and_traceback(host: LuaHost) -> None:
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("local function f()\n  error('boom')\nend\nf()", "job.lua")
    assert str(caught.value) == "job.lua:2: boom"
    assert caught.value.traceback.startswith("stack traceback:")
    assert per_engine("job.lua:2: in function 'f'", "job.lua:2: in local 'f'") in (
        caught.value.traceback
    )
    assert "job.lua:4: in main chunk" in caught.value.traceback
    assert "assay prelude" not in caught.value.traceback
    assert not caught.value.syntax


def test_syntax_error_is_flagged(host: LuaHost) -> None:
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("local x = = 1", "bad.lua")
    assert caught.value.syntax
    assert caught.value.render() == "syntax error: bad.lua:1: unexpected symbol near '='"


def test_non_string_error_value_is_rendered(host: LuaHost) -> None:
    with pytest.raises(LuaScriptError, match=r"^table: 0x"):
        host.run_string("error({code = 1})")


def test_globals_install_on_first_use() -> None:
    code = (
        "import sys\n"
        "from assay_py.host.vm import LuaVM\n"
        "vm = LuaVM()\n"
        "loaded = lambda: sorted(m for m in ('http', 'json', 'yaml') "
        "if 'assay_py.host.builtins.' + m in sys.modules)\n"
        "before = loaded()\n"
        "early = vm.execute('return json', '=t')[0]\n"
        "kind = vm.execute('return type(json.encode), json == ...', '=t', early)\n"
        "print(before, loaded(), kind)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # Nothing imported until first use; a reference taken before it is the real table.
    assert out.strip() == "[] ['json'] (b'function', True)"


def test_placeholder_shows_no_metatable_and_iterates_full(lua: Lua) -> None:
    assert lua("return getmetatable(base64)") is None
    assert lua("local n = 0 for _ in pairs(crypto) do n = n + 1 end return n > 0") is True
    assert lua("local t = setmetatable(fs, nil) return t == fs, type(fs.exists)") == [
        True,
        "function",
    ]


def test_assert_replaces_lua_assert(lua: Lua) -> None:
    assert lua("return type(assert)") == "table"
    assert "attempt to call" in lua.error("assert(true)")


def test_install_all_installs_every_module_in_order() -> None:
    vm = LuaVM()
    vm.install_all()
    names = [g.name for g in BUILTIN_GLOBALS.values() if g.module in BUILTINS]
    present = vm.execute(
        "local out = {} for _, n in ipairs(...) do out[#out + 1] = rawget(_G, n) ~= nil end "
        "return table.unpack(out)",
        "=t",
        vm.to_lua(names),
    )
    assert all(present)


def test_globals_table_has_no_metatable(lua: Lua) -> None:
    assert lua("return getmetatable(_G)") is None
    assert lua("return type(rawget(_G, 'json')), type(rawget(_G, 'sleep'))") == [
        "table",
        "function",
    ]


def test_blocked_globals_stay_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_BLOCK_GLOBALS", "http, dofile,string.rep")
    with LuaHost() as host:
        assert host.run_string("return http == nil, dofile == nil, string.rep == nil") == [
            True,
            True,
            True,
        ]
        assert host.run_string("return type(json)") == ["table"]


def test_run_string_returns_python_values(lua: Lua) -> None:
    assert lua("return 1, 'two', {a = {1, 2}}, nil, 2.5") == [1, "two", {"a": [1, 2]}, None, 2.5]


def test_arg_global(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.lua").write_text("return arg[0], arg[1], arg[2], #arg")
    with LuaHost(args=["x", "y"]) as host:
        assert host.run_file("s.lua") == ["s.lua", "x", "y", 2]
    with LuaHost() as host:
        assert host.run_string("return arg") == [None]


def test_run_file_blanks_shebang_keeping_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.lua").write_text("#!/usr/bin/env assay-py\n\nerror('line three')\n")
    with LuaHost() as host, pytest.raises(LuaScriptError) as caught:
        host.run_file("s.lua")
    assert str(caught.value) == "s.lua:3: line three"


def test_string_split_splits_on_unicode_whitespace(lua: Lua) -> None:
    # Rust's split_whitespace: a no-break space or an ideographic space separates too.
    assert lua("return string.split('a\\194\\160b\\227\\128\\128c\\226\\128\\131d')") == [
        "a",
        "b",
        "c",
        "d",
    ]


def test_string_split_arguments_as_the_original_reads_them(lua: Lua) -> None:
    assert lua("return string.split(12345, 3)") == ["12", "45"]
    assert lua.error("string.split()") == "string.split: string required"
    assert lua.error("string.split(nil)") == (
        "error converting Lua nil to String (expected string or number)"
    )
    assert lua.error("string.split('a', {})") == (
        "error converting Lua table to String (expected string or number)"
    )
    assert lua.error("string.split('a\\255')") == (
        "error converting Lua string to &str (invalid utf-8 sequence of 1 bytes from index 1)"
    )
