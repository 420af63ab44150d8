"""The assay-py command in a subprocess: exit codes, stderr shape, arg, shebang, modules."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py import __version__
from tests.support.engines import per_engine

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"


def assay(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from assay_py.cli import main; main()", *args]
    full_env = {**os.environ, "ASSAY_MODULES_PATH": str(cwd / "global"), **(env or {})}
    return subprocess.run(
        command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    return tmp_path


def script(cwd: Path, name: str, text: str) -> str:
    (cwd / name).write_text(text)
    return name


def test_file_runs_and_prints(cwd: Path) -> None:
    name = script(cwd, "hello.lua", "print('hello', 1 + 1)\nprint(json.encode({b = 1, a = 2}))")
    result = assay(name, cwd=cwd)
    assert (result.returncode, result.stdout, result.stderr) == (0, 'hello\t2\n{"a":2,"b":1}\n', "")


def test_run_passes_arguments_as_arg(cwd: Path) -> None:
    name = script(cwd, "args.lua", "print(arg[0], #arg, arg[1], arg[2])")
    assert (
        assay("run", name, "--", "prod", "--flag", cwd=cwd).stdout == "args.lua\t2\tprod\t--flag\n"
    )
    assert assay(name, "--", "x", cwd=cwd).stdout == "args.lua\t1\tx\tnil\n"
    nested = cwd / "jobs"
    nested.mkdir()
    (nested / "a.lua").write_text("print(arg[0])")
    assert assay("./jobs/a.lua", cwd=cwd).stdout == "./jobs/a.lua\n"


def test_error_exits_1_with_timestamped_error_and_traceback(cwd: Path) -> None:
    name = script(
        cwd, "fail.lua", "local function f()\n  error('boom')\nend\nprint('before')\nf()\n"
    )
    result = assay(name, cwd=cwd)
    assert result.returncode == 1
    assert result.stdout == "before\n"
    lines = result.stderr.splitlines()
    assert re.fullmatch(rf"{TIMESTAMP} ERROR fail\.lua:2: boom", lines[0])
    assert lines[1] == "stack traceback:"
    assert per_engine("\tfail.lua:2: in function 'f'", "\tfail.lua:2: in local 'f'") in lines
    assert "\tfail.lua:5: in main chunk" in lines


def test_builtin_error_exits_1(cwd: Path) -> None:
    name = script(cwd, "b.lua", "\nassert.eq(1, 2, 'numbers')\n")
    result = assay(name, cwd=cwd)
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(
        rf'{TIMESTAMP} ERROR b\.lua:2: assert\.eq failed: "1" != "2" - numbers', first
    )


def test_shebang_keeps_line_numbers(cwd: Path) -> None:
    name = script(cwd, "tool.lua", "#!/usr/bin/env assay-py\nlocal x = 1\nerror('on line 3')\n")
    result = assay(name, cwd=cwd)
    assert result.returncode == 1
    assert "ERROR tool.lua:3: on line 3" in result.stderr


NAME_TOKEN = per_engine("'<name>'", "<name>")  # how each engine words the token


def test_syntax_error_is_one_line(cwd: Path) -> None:
    name = script(cwd, "bad.lua", "print('ok')\nlocal = 1\n")
    result = assay(name, cwd=cwd)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(
        rf"{TIMESTAMP} ERROR syntax error: bad\.lua:2: {NAME_TOKEN} "
        r"expected near '='\n",
        result.stderr,
    )


def test_missing_file(cwd: Path) -> None:
    result = assay("nope.lua", cwd=cwd)
    assert (result.returncode, result.stderr) == (
        1,
        "error: reading nope.lua: No such file or directory\n",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", 'error: unsupported file extension "txt" (expected .yaml, .yml, or .lua)\n'),
        ("Makefile", 'error: unsupported file extension "" (expected .yaml, .yml, or .lua)\n'),
    ],
)
def test_unsupported_extension(cwd: Path, name: str, message: str) -> None:
    script(cwd, name, "print(1)")
    result = assay(name, cwd=cwd)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", message)


def test_exec_inline_code(cwd: Path) -> None:
    result = assay("exec", "-e", "print(arg == nil) error('x')", cwd=cwd)
    assert result.returncode == 1
    assert result.stdout == "true\n"
    assert "ERROR <eval>:1: x" in result.stderr


def test_exec_file_with_any_extension(cwd: Path) -> None:
    name = script(cwd, "job.txt", "print(arg[0], arg[1])")
    result = assay("exec", name, "a", cwd=cwd)
    assert (result.returncode, result.stdout) == (0, "job.txt\ta\n")


def test_exec_needs_code_or_file(cwd: Path) -> None:
    result = assay("exec", cwd=cwd)
    assert (result.returncode, result.stderr) == (
        1,
        "error: exec requires either -e <code> or a file path\n",
    )


def test_no_arguments_prints_help_and_exits_1(cwd: Path) -> None:
    result = assay(cwd=cwd)
    assert result.returncode == 1
    assert "Usage:" in result.stdout
    assert "exec" in result.stdout


def test_version_names_the_engine(cwd: Path) -> None:
    result = assay("--version", cwd=cwd)
    assert result.returncode == 0
    engine = per_engine(r"LuaJIT 2\.1\.\d+", r"Lua 5\.5")
    assert re.fullmatch(
        rf"assay-py {re.escape(__version__)} \({engine} via lupa [\d.]+\)\n", result.stdout
    )


@pytest.mark.parametrize(
    ("argv", "engine"),
    [
        (["--lua", "5.5", "--version"], r"Lua 5\.5"),
        (["--version", "--lua", "luajit"], r"LuaJIT 2\.1\.\d+"),
        (["--lua=5.5", "--version"], r"Lua 5\.5"),
    ],
)
def test_version_names_the_chosen_engine(cwd: Path, argv: list[str], engine: str) -> None:
    result = assay(*argv, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rf"assay-py \S+ \({engine} via lupa [\d.]+\)\n", result.stdout)


@pytest.mark.parametrize(
    "argv",
    [
        ["--lua", "5.5", "exec", "-e", "print(_VERSION, math.type(1))"],
        ["exec", "--lua", "5.5", "-e", "print(_VERSION, math.type(1))"],
        ["-v", "--lua=5.5", "exec", "-e", "print(_VERSION, math.type(1))"],
        ["--lua", "5.5", "s.lua"],
        ["run", "--lua", "5.5", "s.lua"],
        ["--lua", "5.5", "run", "s.lua", "--", "x"],
    ],
)
def test_lua_option_runs_the_script_on_lua_5_5(cwd: Path, argv: list[str]) -> None:
    script(cwd, "s.lua", "print(_VERSION, math.type(1))")
    result = assay(*argv, cwd=cwd, env={"ASSAY_LUA": "luajit"})
    assert (result.returncode, result.stdout) == (0, "Lua 5.5\tinteger\n"), result.stderr


def test_lua_env_var_chooses_the_engine_and_the_option_wins(cwd: Path) -> None:
    code = "print(_VERSION)"
    assert assay("exec", "-e", code, cwd=cwd, env={"ASSAY_LUA": "5.5"}).stdout == "Lua 5.5\n"
    chosen = assay("--lua", "luajit", "exec", "-e", code, cwd=cwd, env={"ASSAY_LUA": "5.5"})
    assert chosen.stdout == "Lua 5.1\n"


@pytest.mark.parametrize(
    "argv", [["--lua", "5.4", "exec", "-e", "x"], ["exec", "--lua", "5", "-e", "x"]]
)
def test_unknown_engine_is_a_usage_error(cwd: Path, argv: list[str]) -> None:
    result = assay(*argv, cwd=cwd)
    assert result.returncode == 2
    assert "Invalid value for '--lua'" in result.stderr
    assert "'luajit', '5.5'" in result.stderr


def test_unknown_engine_in_the_environment_is_named(cwd: Path) -> None:
    result = assay("exec", "-e", "print(1)", cwd=cwd, env={"ASSAY_LUA": "jit"})
    assert result.returncode == 1
    assert result.stderr == "error: ASSAY_LUA: unknown Lua engine 'jit' (expected luajit or 5.5)\n"


def test_modules_names_the_engine(cwd: Path) -> None:
    listing = json.loads(assay("modules", "--lua", "5.5", "--json", cwd=cwd).stdout)
    assert listing["engine"] == "5.5"


def test_verbose_logs_start_line(cwd: Path) -> None:
    result = assay("-v", "exec", "-e", "print(1)", cwd=cwd)
    assert result.stdout == "1\n"
    assert re.fullmatch(
        rf"{TIMESTAMP}  INFO starting assay-py \(script mode\) script=<eval> readonly=false\n",
        result.stderr,
    )


def test_modules_lists_globals_builtins_and_files(cwd: Path) -> None:
    (cwd / "modules" / "ory").mkdir(parents=True)
    (cwd / "modules" / "ory" / "init.lua").write_text("--- @description Ory umbrella\nreturn {}\n")
    (cwd / "modules" / "rauthy.lua").write_text("--- @module x\n--- @description Local rauthy\n")
    (cwd / "global").mkdir()
    (cwd / "global" / "tool.lua").write_text("--- @description A global tool\n")
    table = assay("modules", cwd=cwd)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["MODULE", "SOURCE", "DESCRIPTION"]
    assert lines[1] == "-" * 80
    rows = {line[:30].strip(): (line[31:43].strip(), line[44:]) for line in lines[2:]}
    assert rows["assay.ory"] == ("project", "Ory umbrella")
    assert rows["assay.rauthy"] == ("project", "Local rauthy")  # a file hides the built-in
    assert rows["assay.tool"] == ("global", "A global tool")
    assert rows["http"][0] == "builtin"
    names = [line[:30].strip() for line in lines[2:]]
    assert names == sorted(names)

    listing = json.loads(assay("modules", "--json", cwd=cwd).stdout)
    assert listing["version"] == __version__
    by_name = {entry["name"]: entry for entry in listing["modules"]}
    assert by_name["assay.tool"]["source"] == "global"
    assert by_name["json"]["description"]


def test_modules_lists_the_originals_globals_we_do_not_provide(cwd: Path) -> None:
    listing = json.loads(assay("modules", "--json", cwd=cwd).stdout)
    by_name = {entry["name"]: entry for entry in listing["modules"]}
    for name in ("systemd", "machinectl", "cgroup", "apt", "oci", "authz"):
        assert by_name[name]["source"] == "unavailable"
        assert by_name[name]["description"].startswith("not provided by assay-py")
    rows = assay("modules", cwd=cwd).stdout.splitlines()
    (systemd,) = [row for row in rows if row.startswith("systemd ")]
    assert systemd[31:43].strip() == "unavailable"


def test_modules_shows_builtin_rauthy_without_override(cwd: Path) -> None:
    listing = json.loads(assay("modules", "--json", cwd=cwd).stdout)
    (rauthy,) = [m for m in listing["modules"] if m["name"] == "assay.rauthy"]
    assert rauthy["source"] == "builtin"
    assert rauthy["description"].startswith("Rauthy IdP admin client")


def test_emulator_flag_keeps_a_given_rauthy_url(cwd: Path) -> None:
    name = script(cwd, "e.lua", "print(env.get('RAUTHY_URL'))")
    result = assay("run", "--emulator", name, cwd=cwd, env={"RAUTHY_URL": "http://given.example"})
    assert (result.returncode, result.stdout) == (0, "http://given.example\n")


def test_verbose_shows_log_debug(cwd: Path) -> None:
    quiet = assay("exec", "-e", "log.debug('detail')", cwd=cwd)
    loud = assay("-v", "exec", "-e", "log.debug('detail')", cwd=cwd)
    assert quiet.returncode == loud.returncode == 0
    assert "detail" not in quiet.stderr
    assert re.search(rf"{TIMESTAMP} DEBUG detail\n", loud.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "-v", "v.lua"],
        ["run", "v.lua", "-v"],
        ["v.lua", "--verbose"],
        ["exec", "-v", "v.lua"],
    ],
)
def test_verbose_flag_works_after_the_subcommand(cwd: Path, args: list[str]) -> None:
    # Like the original's global flags: -v anywhere before `--` (after it, it is an argument).
    script(cwd, "v.lua", "log.debug('detail') print(#arg)")
    result = assay(*args, cwd=cwd)
    assert (result.returncode, result.stdout) == (0, "0\n")
    assert re.search(rf"{TIMESTAMP} DEBUG detail\n", result.stderr)
    assert assay("run", "v.lua", "--", "-v", cwd=cwd).stdout == "1\n"
