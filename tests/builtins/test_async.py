from __future__ import annotations

from pathlib import Path

import pytest

from tests.builtins.conftest import HostLua


def test_spawn_returns_a_handle_whose_await_gives_all_results(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local h = async.spawn(function() return 1, "two", nil, true end)
        local dotted = h.await()
        local h2 = async.spawn(function() return "x" end)
        return dotted[1], dotted[2], dotted[3], dotted[4], h2:await()[1]
        """
    )
    assert got == [1, "two", None, True, "x"]


def test_sleep_inside_a_task_returns_no_value(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local h = async.spawn(function() return select("#", sleep(0.01)) end)
        local other = async.spawn(function() sleep(0.02) end)
        local n = h:await()[1]
        other:await()
        return n
        """
    )
    assert got == 0


def test_a_task_starts_at_once_and_runs_until_it_waits(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local log = {}
        local h = async.spawn(function()
          log[#log + 1] = "task start"
          sleep(0.01)
          log[#log + 1] = "task end"
        end)
        log[#log + 1] = "after spawn"
        h.await()
        return table.concat(log, ",")
        """
    )
    assert got == "task start,after spawn,task end"


def test_tasks_interleave_at_their_waits(host_lua: HostLua) -> None:
    # Each task records its steps around sleeps of different lengths: a task that waits
    # less goes first, whatever the order they were spawned in.
    got = host_lua(
        """
        local order = {}
        local slow = async.spawn(function() sleep(0.2) order[#order + 1] = "slow" end)
        local fast = async.spawn(function() sleep(0.01) order[#order + 1] = "fast" end)
        slow.await()
        fast.await()
        return table.concat(order, ",")
        """
    )
    assert got == "fast,slow"


def test_await_raises_the_task_error_with_its_position(host_lua: HostLua) -> None:
    assert host_lua.error('async.spawn(function() error("task failed") end).await()') == (
        "task failed"
    )
    # A non-string error value reaches the awaiting code as it is.
    got = host_lua(
        "return pcall(function()"
        " async.spawn(function() sleep(0) error({code = 1}) end).await() end)"
    )
    assert got == [False, {"code": 1}]


def test_await_twice_is_an_error(host_lua: HostLua) -> None:
    assert (
        host_lua.error("local h = async.spawn(function() return 1 end) h.await() h.await()")
        == "async handle already awaited"
    )


def test_a_task_awaiting_another_task(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local inner = async.spawn(function() sleep(0.01) return 20 end)
        local outer = async.spawn(function() return inner.await()[1] + 1 end)
        return outer.await()[1]
        """
    )
    assert got == 21


def test_a_task_awaiting_itself_is_an_error(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local h
        h = async.spawn(function() sleep(0) return pcall(h.await) end)
        sleep(0.01)
        return h.await()
        """
    )
    assert got[0] is False
    assert got[1].endswith("async: a task cannot await itself")


def test_spawn_interval_ticks_until_cancelled(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local count = 0
        local handle = async.spawn_interval(0.01, function() count = count + 1 end)
        while count < 3 do sleep(0.01) end
        handle.cancel()
        local at_cancel = count
        sleep(0.05)
        return at_cancel, count
        """
    )
    assert got[0] >= 3
    assert got[0] == got[1]


def test_spawn_interval_stops_on_a_callback_error_and_logs_it(
    host_lua: HostLua, capfd: pytest.CaptureFixture[str]
) -> None:
    got = host_lua(
        """
        local calls = 0
        async.spawn_interval(0.01, function() calls = calls + 1 error("boom") end)
        sleep(0.1)
        return calls
        """
    )
    assert got == 1
    err = capfd.readouterr().err
    assert "ERROR async.spawn_interval: callback error: test:3: boom" in err


def test_bad_arguments(host_lua: HostLua) -> None:
    assert host_lua.error("async.spawn()") == (
        "async.spawn: bad argument #1: error converting Lua nil to function"
    )
    assert host_lua.error("async.spawn(1)") == (
        "async.spawn: bad argument #1: error converting Lua integer to function"
    )
    assert host_lua.error("async.spawn_interval(0, function() end)") == (
        "async.spawn_interval: interval must be positive"
    )
    assert host_lua.error("async.spawn_interval(-1, function() end)") == (
        "async.spawn_interval: interval must be positive"
    )
    assert host_lua.error('async.spawn_interval("soon", function() end)') == (
        "async.spawn_interval: bad argument #1: error converting Lua string to f64"
        " (expected number or string coercible to number)"
    )
    # Both arguments are converted before the interval is checked.
    assert host_lua.error("async.spawn_interval(0)") == (
        "async.spawn_interval: bad argument #2: error converting Lua nil to function"
    )


def test_spawn_interval_takes_a_numeric_string(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local n = 0
        local h = async.spawn_interval("0.01", function() n = n + 1 end)
        while n == 0 do sleep(0.01) end
        h.cancel()
        return n > 0
        """
    )
    assert got is True


def test_first_use_inside_a_coroutine(host_lua: HostLua) -> None:
    got = host_lua(
        """
        return coroutine.wrap(function()
          return async.spawn(function() sleep(0.01) return "inner" end).await()[1]
        end)()
        """
    )
    assert got == "inner"


def test_a_scripts_own_coroutine_inside_a_task_can_sleep(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local h = async.spawn(function()
          local co = coroutine.wrap(function() sleep(0.01) coroutine.yield("mine") end)
          return co()
        end)
        return h.await()[1]
        """
    )
    assert got == "mine"


def test_plain_yield_in_a_task_lets_others_run(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local seen = {}
        local a = async.spawn(function()
          for i = 1, 3 do seen[#seen + 1] = "a" .. i coroutine.yield() end
        end)
        local b = async.spawn(function()
          for i = 1, 3 do seen[#seen + 1] = "b" .. i coroutine.yield() end
        end)
        a.await() b.await()
        return table.concat(seen, ",")
        """
    )
    assert got == "a1,b1,a2,b2,a3,b3"


def test_errors_of_blocking_builtins_in_tasks_name_the_script_line(
    host_lua: HostLua, tmp_path: Path
) -> None:
    got = host_lua(
        """
        local h = async.spawn(function()
          sleep(0)
          return pcall(sleep, -1)
        end)
        return h.await()
        """
    )
    assert got[0] is False
    assert got[1] == "sleep: seconds must be a finite number >= 0, got -1"
    msg = host_lua.error(
        """
        async.spawn(function()
          sleep(0)
          shell.exec("true", { cwd = "/no/such" })
        end).await()
        """
    )
    assert msg == "shell.exec: failed to spawn command: No such file or directory (os error 2)"
