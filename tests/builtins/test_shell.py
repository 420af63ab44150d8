from __future__ import annotations

from pathlib import Path

import pytest

from tests.builtins.conftest import HostLua


def test_result_has_status_outputs_and_timed_out(host_lua: HostLua) -> None:
    got = host_lua('return shell.exec("echo out; echo err >&2; exit 3")')
    assert got == {"status": 3, "stdout": "out\n", "stderr": "err\n", "timed_out": False}


def test_runs_through_sh_with_pipes(host_lua: HostLua) -> None:
    got = host_lua("""return shell.exec("echo 'hello world' | tr h H").stdout""")
    assert got == "Hello world\n"


def test_cwd_and_env_added_to_the_inherited_environment(
    host_lua: HostLua, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INHERITED_ONE", "kept")
    got = host_lua(
        f'return shell.exec("pwd; echo $EXTRA $INHERITED_ONE",'
        f' {{ cwd = "{tmp_path}", env = {{ EXTRA = "added", N = 5 }} }}).stdout'
    )
    assert got == f"{tmp_path}\nadded kept\n"


def test_stdin_is_fed_as_bytes_and_defaults_to_dev_null(host_lua: HostLua) -> None:
    fed = host_lua(r'return shell.exec("od -An -tx1", { stdin = "a\0\255" }).stdout')
    assert fed.split() == ["61", "00", "ff"]
    # Without stdin the command reads end-of-file at once instead of waiting for input.
    assert host_lua('return shell.exec("cat").stdout') == ""


def test_timeout_kills_and_reports(host_lua: HostLua) -> None:
    got = host_lua('return shell.exec("echo early; sleep 30", { timeout = 0.2 })')
    assert got == {"status": -1, "stdout": "", "stderr": "", "timed_out": True}


def test_zero_timeout_means_none(host_lua: HostLua) -> None:
    assert host_lua('return shell.exec("echo x", { timeout = 0 }).timed_out') is False


def test_signalled_command_has_status_minus_one(host_lua: HostLua) -> None:
    assert host_lua('return shell.exec("kill -9 $$").status') == -1


def test_non_utf8_output_is_replaced(host_lua: HostLua) -> None:
    assert host_lua(r'return shell.exec("printf \"a\\377b\"").stdout') == "a\ufffdb"


def test_bad_arguments(host_lua: HostLua) -> None:
    assert host_lua.error("shell.exec()") == "shell.exec: command string required"
    # An explicit nil is not a missing argument: the original words it as a conversion.
    assert host_lua.error("shell.exec(nil)") == (
        "shell.exec: error converting Lua nil to String (expected string or number)"
    )
    assert host_lua.error("shell.exec({})") == (
        "shell.exec: error converting Lua table to String (expected string or number)"
    )
    assert host_lua.error('shell.exec("true", { timeout = -1 })') == (
        "shell.exec: timeout must be a non-negative finite number"
    )
    assert host_lua.error('shell.exec("true", { timeout = "soon" })') == (
        "shell.exec: opts.timeout: error converting Lua string to f64"
        " (expected number or string coercible to number)"
    )
    assert host_lua.error('shell.exec("true", { env = "A=1" })') == (
        "shell.exec: opts.env: error converting Lua string to table"
    )
    assert host_lua.error('shell.exec("true", { env = { A = {} } })') == (
        "shell.exec: opts.env: error converting Lua table to String (expected string or number)"
    )
    assert host_lua.error('shell.exec("true", { cwd = true })') == (
        "shell.exec: opts.cwd: error converting Lua boolean to String (expected string or number)"
    )
    assert host_lua.error('shell.exec("true", { stdin = {} })') == (
        "shell.exec: opts.stdin: error converting Lua table to string (expected string or number)"
    )
    assert host_lua.error('shell.exec("true", { cwd = "/no/such/dir" })') == (
        "shell.exec: failed to spawn command: No such file or directory (os error 2)"
    )


def test_numbers_are_coerced_to_strings(host_lua: HostLua) -> None:
    got = host_lua(
        'local r = shell.exec("echo $N; cat", { env = { N = 7 }, stdin = 12, timeout = "5" })'
        " return r.stdout"
    )
    assert got == "7\n12"


def test_a_second_argument_that_is_not_a_table_is_ignored(host_lua: HostLua) -> None:
    assert host_lua('return shell.exec("echo ok", "ignored").stdout') == "ok\n"


def test_first_use_inside_a_coroutine(host_lua: HostLua) -> None:
    got = host_lua('return coroutine.wrap(function() return shell.exec("echo co").stdout end)()')
    assert got == "co\n"


def test_other_tasks_run_while_a_command_waits(host_lua: HostLua, tmp_path: Path) -> None:
    # The command waits for a file that only the main chunk creates while the command runs:
    # if exec blocked the Lua thread, the command would time out.
    flag = tmp_path / "flag"
    got = host_lua(
        f"""
        local task = async.spawn(function()
          return shell.exec("while [ ! -e {flag} ]; do sleep 0.01; done; echo seen",
                            {{ timeout = 20 }})
        end)
        fs.write("{flag}", "x")
        return task.await()[1]
        """
    )
    assert got == {"status": 0, "stdout": "seen\n", "stderr": "", "timed_out": False}


def test_a_nul_byte_fails_the_spawn_in_the_originals_words(host_lua: HostLua) -> None:
    assert host_lua.error('shell.exec("echo a\\0b")') == (
        "shell.exec: failed to spawn command: nul byte found in provided data"
    )
    assert host_lua.error('shell.exec("true", { env = { A = "x\\0" } })') == (
        "shell.exec: failed to spawn command: nul byte found in provided data"
    )
