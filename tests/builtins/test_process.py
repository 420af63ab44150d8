from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builtins.conftest import HostLua


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(["sleep", "300"])
    # Popen returns once the child is forked; until it has exec'd, its comm is still ours.
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/comm").read_text().strip() != "sleep":
        assert time.monotonic() < deadline, "the sleeper never became sleep"
        time.sleep(0.01)
    yield child
    child.kill()
    child.wait()


def test_list_has_this_process_with_name_and_cmdline(host_lua: HostLua) -> None:
    procs = host_lua("return process.list()")
    mine = [p for p in procs if p["pid"] == os.getpid()]
    assert len(mine) == 1
    with open("/proc/self/comm") as handle:
        assert mine[0]["name"] == handle.read().strip()
    assert "pytest" in mine[0]["cmdline"] or "python" in mine[0]["cmdline"]


def test_is_running(host_lua: HostLua, sleeper: subprocess.Popen[bytes]) -> None:
    assert host_lua('return process.is_running("sleep")') is True
    assert host_lua('return process.is_running("definitely_not_running_xyz")') is False


def test_kill_signal_zero_checks_and_nine_kills(
    host_lua: HostLua, sleeper: subprocess.Popen[bytes]
) -> None:
    assert host_lua(f"return process.kill({sleeper.pid}, 0)") is True
    assert host_lua(f"return process.kill({sleeper.pid}, 9)") is True
    assert sleeper.wait(timeout=10) == -9


def test_kill_errors(host_lua: HostLua) -> None:
    assert host_lua.error("process.kill(999999999)") == (
        "process.kill: failed to send signal 15 to pid 999999999: No such process (os error 3)"
    )
    assert host_lua.error("process.kill()") == "process.kill: pid required"
    assert host_lua.error('process.kill("1")') == "process.kill: pid must be a number"
    assert host_lua.error("process.kill(0)") == "process.kill: pid must be > 0, got 0"
    assert host_lua.error("process.kill(-1)") == "process.kill: pid must be > 0, got -1"
    assert host_lua.error("process.kill(1, -2)") == "process.kill: signal must be >= 0, got -2"
    assert host_lua.error("process.kill(1, {})") == "process.kill: signal must be a number"


def test_spawn_and_wait_for_the_exit_status(host_lua: HostLua, tmp_path: Path) -> None:
    got = host_lua(
        f"""
        local child = process.spawn({{ cmd = "sh", args = {{ "-c", "pwd; echo $WHO >&2; exit 7" }},
          cwd = "{tmp_path}", env = {{ WHO = "me" }},
          stdout = "{tmp_path}/out", stderr = "{tmp_path}/err" }})
        return process.wait(child.pid)
        """
    )
    assert got == {"status": 7, "exited": True, "signaled": False, "timed_out": False}
    assert (tmp_path / "out").read_text() == f"{tmp_path}\n"
    assert (tmp_path / "err").read_text() == "me\n"


def test_wait_with_timeout_then_killed_child(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local child = process.spawn({ cmd = "sleep", args = { "300" } })
        local early = process.wait(child.pid, { timeout = 0.05 })
        process.kill(child.pid, 9)
        return early, process.wait(child.pid)
        """
    )
    assert got == [
        {"status": -1, "exited": False, "signaled": False, "timed_out": True},
        {"status": 137, "exited": False, "signaled": True, "timed_out": False},
    ]


def test_spawn_and_wait_errors(host_lua: HostLua, tmp_path: Path) -> None:
    assert host_lua.error("process.spawn({})") == "process.spawn: opts.cmd (string) is required"
    assert host_lua.error('process.spawn("ls")') == (
        "process.spawn: bad argument #1: error converting Lua string to table"
    )
    assert host_lua.error('process.spawn({ cmd = "true", args = "-l" })') == (
        "process.spawn: opts.args: error converting Lua string to table"
    )
    assert host_lua.error('process.spawn({ cmd = "no-such-program-xyz" })') == (
        "process.spawn: failed to launch 'no-such-program-xyz':"
        " No such file or directory (os error 2)"
    )
    assert host_lua.error(f'process.spawn({{ cmd = "true", stdout = "{tmp_path}/no/x" }})') == (
        f"process.spawn: failed to open stdout file '{tmp_path}/no/x':"
        " No such file or directory (os error 2)"
    )
    assert host_lua.error("process.wait()") == "process.wait: pid required"
    assert host_lua.error("process.wait(nil)") == "process.wait: pid must be a number"
    assert host_lua.error("process.kill()") == "process.kill: pid required"
    assert host_lua.error("process.kill(nil)") == "process.kill: pid must be a number"
    assert host_lua.error("process.kill('1')") == "process.kill: pid must be a number"
    assert host_lua.error("process.kill(0/0)") == "process.kill: pid must be > 0, got 0"
    assert host_lua.error("process.is_running()") == (
        "process.is_running: bad argument #1: error converting Lua nil to String"
        " (expected string or number)"
    )
    assert host_lua.error("process.wait(1, { timeout = {} })") == (
        "process.wait: opts.timeout: error converting Lua table to f64"
        " (expected number or string coercible to number)"
    )
    assert host_lua.error("process.wait(0)") == "process.wait: pid must be > 0"
    assert host_lua.error("process.wait(1, { timeout = -1 })") == (
        "process.wait: timeout must be a non-negative finite number"
    )
    assert host_lua.error("process.wait(999999999)").startswith(
        "process.wait: waitpid(999999999) failed: No child processes"
    )


def test_spawn_leaves_out_arguments_and_env_entries_that_are_not_text(
    host_lua: HostLua, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    got = host_lua(
        'local p = process.spawn({ cmd = "sh", args = { "-c", {}, "echo $0 $A $B", 5 },'
        f' env = {{ A = 1, B = {{}} }}, stdout = "{out}" }})'
        " return process.wait(p.pid).status"
    )
    assert got == 0
    assert out.read_text() == "5 1\n"


def test_wait_idle(host_lua: HostLua, sleeper: subprocess.Popen[bytes]) -> None:
    assert host_lua('return process.wait_idle({"none_a_xyz", "none_b_xyz"}, 2, 0.01)') is True
    assert host_lua('return process.wait_idle("none_a_xyz")') is True
    assert host_lua('return process.wait_idle("sleep", 0.05, 0.01)') is False


def test_first_use_inside_a_coroutine(host_lua: HostLua) -> None:
    got = host_lua(
        'return coroutine.wrap(function() return process.is_running("no_such_xyz") end)()'
    )
    assert got is False


def test_a_nul_byte_fails_the_launch_in_the_originals_words(host_lua: HostLua) -> None:
    assert host_lua.error('process.spawn({ cmd = "true", args = { "a\\0" } })') == (
        "process.spawn: failed to launch 'true': nul byte found in provided data"
    )
