"""Scripts that once crashed the host: strict-mode _G, bytecode chunks, missing globals.

Run in a subprocess where a crash (segfault, PANIC) is the failure being guarded against.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py.host.registry import UNAVAILABLE_GLOBALS
from tests.host.conftest import Lua
from tests.support.engines import LUAJIT, luajit_only, per_engine

STRICT = 'setmetatable(_G, {__index = function(_, k) error("undefined " .. k, 2) end})\n'
STRICT_WRITES = (
    "setmetatable(_G, {__index = function(_, k) error('undefined ' .. k, 2) end, "
    "__newindex = function(_, k) error('assignment to undeclared ' .. k, 2) end})\n"
)


def run_lua(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assay_py", "exec", "-e", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "ASSAY_MODULES_PATH": str(cwd or ".")},
    )


# -- strict mode ----------------------------------------------------------------------------


def test_strict_mode_script_ends_cleanly() -> None:
    done = run_lua(STRICT + "print('done')")
    assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
    assert "PANIC" not in done.stderr


def test_strict_mode_then_every_kind_of_builtin() -> None:
    # First uses after the script took over _G: lazy installs, builtins calling back into
    # Lua (assert.matches), Python->Lua conversions (json, yaml), require of a Python module.
    code = STRICT_WRITES + (
        "print(json.encode({a = {1, 2}}), yaml.encode({b = 1}) == 'b: 1\\n')\n"
        "assert.matches('abc', 'b')\n"
        "sleep(0)\n"
        "print(type(require('assay.rauthy').client), type(time()))\n"
        "print(pcall(function() return undefined_name end))\n"
    )
    done = run_lua(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        '{"a":[1,2]}\ttrue',
        "function\tnumber",
        "false\t<eval>:6: undefined undefined_name",
    ]
    assert "PANIC" not in done.stderr


def test_strict_mode_error_still_reports_the_script_line() -> None:
    done = run_lua(STRICT + "local x = 1\nprint(missing)\n")
    assert done.returncode == 1
    assert "<eval>:3: undefined missing" in done.stderr
    assert "PANIC" not in done.stderr


def test_host_sets_globals_past_a_strict_newindex(lua: Lua) -> None:
    assert lua(STRICT_WRITES + "return sleep(0) == nil, type(sleep), rawget(_G, 'x')") == [
        True,
        "function",
        None,
    ]


@pytest.mark.parametrize(
    "code",
    [
        "debug = nil\n" + STRICT,
        STRICT + "rawset(_G, 'debug', nil)\n",
        "local G, rs = _G, rawset\n"
        "local keep = {_G = 1, print = 1, setmetatable = 1, json = 1, error = 1, pcall = 1}\n"
        "for k in pairs(G) do if not keep[k] then rs(G, k, nil) end end\n" + STRICT,
    ],
    ids=["debug-removed-first", "debug-removed-after", "sandboxed-globals"],
)
def test_strict_mode_after_removing_globals_does_not_crash(code: str) -> None:
    # The host reads the global `debug` on every call into Lua, outside any protected call.
    done = run_lua(code + "print(json.encode({1}))\nprint(pcall(function() return nope end))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "[1]"
    assert "undefined nope" in done.stdout
    assert "PANIC" not in done.stderr


def test_host_lua_does_not_depend_on_the_scripts_globals() -> None:
    # The builtins' own Lua (json codec, scheduler, async, process) is compiled on first use,
    # after the script removed stock globals and made absent ones raise.
    code = (
        "local rs = rawset\n"
        "for _, k in ipairs({'type', 'pairs', 'ipairs', 'select', 'error', 'tostring'}) do\n"
        "  rs(_G, k, nil)\n"
        "end\n"
        + STRICT
        + "print(json.encode({a = {1}}), async.spawn(function() return 2 end):await()[1])\n"
        "print(process.wait_idle({}, 5, 0))\n"
    )
    done = run_lua(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"a":[1]}\t2\ntrue\n'


def test_strict_newindex_errors_at_the_script_line(lua: Lua) -> None:
    ok, err = lua("return pcall(function()\n" + STRICT_WRITES + "\n  fresh = 1\nend)")
    assert ok is False
    assert err == "<string>:4: assignment to undeclared fresh"


def test_globals_metatable_is_the_scripts_own(lua: Lua) -> None:
    assert lua("local mt = {} setmetatable(_G, mt) return getmetatable(_G) == mt") is True
    assert lua("setmetatable(_G, nil) return getmetatable(_G)") is None
    assert lua("setmetatable(_G, {__index = {fallback = 42}}) return fallback, nope") == [42, None]
    assert lua("setmetatable(_G, {__metatable = 'locked'}) return getmetatable(_G)") == "locked"
    assert "cannot change a protected metatable" in lua.error("setmetatable(_G, {})")


# -- bytecode ---------------------------------------------------------------------------------


def bytecode() -> bytes:
    # string.dump is gone inside assay-py, so the bytecode comes from a bare engine.
    import lupa.luajit21

    runtime = lupa.luajit21.LuaRuntime(encoding=None)
    dumped: bytes = runtime.eval("string.dump(function() return 42 end)")
    return dumped


MALFORMED = b"\x1bLJ\x02\x00\xff\xff\xff\xff\x7f" + b"\x00" * 32

BINARY_ERROR = "attempt to load a binary chunk: assay-py runs Lua source text only"


@pytest.mark.parametrize("chunk", [bytecode(), MALFORMED], ids=["valid", "malformed"])
@pytest.mark.parametrize(
    "loader",
    [
        "load(CHUNK)",
        "load(CHUNK, 'name', 'b')",
        "load(CHUNK, 'name', 'bt', {})",
        pytest.param("loadstring(CHUNK)", marks=luajit_only),
        "load(function() local c = CHUNK CHUNK = nil return c end)",
        "loadfile('chunk.luac')",
    ],
)
def test_bytecode_is_refused(tmp_path: Path, chunk: bytes, loader: str) -> None:
    (tmp_path / "chunk.luac").write_bytes(chunk)
    escaped = "".join(f"\\{b}" for b in chunk)
    code = f"local CHUNK = '{escaped}'\nlocal f, err = {loader}\nprint(f, err)"
    done = run_lua(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"nil\t{BINARY_ERROR}\n"


@pytest.mark.parametrize("chunk", [bytecode(), MALFORMED], ids=["valid", "malformed"])
def test_bytecode_files_are_refused_by_dofile_and_require(tmp_path: Path, chunk: bytes) -> None:
    (tmp_path / "chunk.lua").write_bytes(chunk)
    (tmp_path / "assay").mkdir()
    (tmp_path / "assay" / "mod.lua").write_bytes(chunk)
    code = (
        "print(pcall(dofile, 'chunk.lua'))\n"
        "print(pcall(require, 'chunk'))\n"
        "print(pcall(require, 'assay.mod'))\n"
    )
    done = run_lua(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"false\t{BINARY_ERROR}"
    assert (
        lines[1]
        == (
            "false\terror loading module 'chunk' from file './chunk.lua':\n\t" + BINARY_ERROR
        ).split("\n")[0]
    )
    assert BINARY_ERROR in done.stdout.split("\n", 1)[1]
    assert "assay.mod" in done.stdout


def test_text_chunks_still_load(lua: Lua, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.lua").write_text("return ... or 7")
    assert lua("return load('return 1 + 1')()") == 2
    assert lua("return load('return x', 'n', 't', {x = 5})()") == 5
    if LUAJIT:
        assert lua("return loadstring('return 3')()") == 3
    assert lua("return loadfile('m.lua')(), dofile('m.lua'), (require('m'))") == [7, 7, "m"]
    assert lua("local f, e = load('x =', '=chunk') return f, e") == [
        None,
        per_engine(
            "chunk:1: unexpected symbol near '<eof>'", "chunk:1: unexpected symbol near <eof>"
        ),
    ]


# -- globals of the original that assay-py does not provide ----------------------------------


@pytest.mark.parametrize("name", sorted(UNAVAILABLE_GLOBALS))
def test_unprovided_global_names_itself(lua: Lua, name: str) -> None:
    message = f"'{name}' is a global of the original assay that assay-py does not provide"
    assert lua.error(f"return {name}.anything()") == f"{name}.anything: {message}"
    assert lua.error(f"{name}.x = 1") == f"{name}.x: {message}"
    assert lua(f"return type({name})") == "table"


def test_unprovided_global_error_points_at_the_script_line(lua: Lua) -> None:
    ok, err = lua("return pcall(function()\n  local units = systemd.list_units()\nend)")
    assert ok is False
    assert err.startswith("<string>:2: systemd.list_units: ")
