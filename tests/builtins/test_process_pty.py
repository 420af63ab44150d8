"""process.spawn_pty, through real pseudo-terminals, on both engines."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay_py.host import LuaHost
from tests.builtins.conftest import HostLua
from tests.support.cli import ASSAY_PY

# Reads until the child's side closes, so each test sees all of a short command's output.
DRAIN = """
local function drain(p)
  local out = {}
  for _ = 1, 500 do
    local chunk = p:read({ timeout_ms = 5000 })
    if chunk == nil then break end
    out[#out + 1] = chunk
  end
  return table.concat(out)
end
"""


@pytest.fixture(params=["luajit", "5.5"])
def pty_lua(request: pytest.FixtureRequest) -> Iterator[HostLua]:
    with LuaHost(engine=request.param) as host:
        yield HostLua(host)


def test_what_is_written_comes_back_through_the_terminal(pty_lua: HostLua) -> None:
    got = pty_lua(
        """
        local p = process.spawn_pty({ cmd = "cat" })
        p:write("ping over a pty\\n")
        local seen = ""
        for _ = 1, 50 do
          local chunk = p:read({ timeout_ms = 5000 })
          if chunk == nil then break end
          seen = seen .. chunk
          -- the terminal echoes the line, then cat writes it back: twice in all
          local _, n = seen:gsub("ping over a pty", "")
          if n >= 2 then break end
        end
        p:close()
        return seen
        """
    )
    # A terminal turns each newline into CRLF on the way out.
    assert got.count("ping over a pty\r\n") == 2


def test_the_child_runs_on_a_controlling_terminal_of_the_given_size(pty_lua: HostLua) -> None:
    got = pty_lua(
        DRAIN
        + """
        local p = process.spawn_pty({ cmd = "sh", args = { "-c",
          "test -t 0 && test -t 1 && echo stdio-is-a-tty; stty size; echo via-tty > /dev/tty" },
          cols = 132, rows = 43 })
        local out = drain(p)
        local r = p:wait()
        return out, r.status
        """
    )
    out, status = got
    assert status == 0
    lines = out.replace("\r", "").split("\n")
    assert lines[:3] == ["stdio-is-a-tty", "43 132", "via-tty"]


def test_default_size_is_80_by_24(pty_lua: HostLua) -> None:
    out = pty_lua(DRAIN + 'return drain(process.spawn_pty({ cmd = "stty", args = { "size" } }))')
    assert out.strip() == "24 80"


def test_cwd_env_and_only_string_args(pty_lua: HostLua, tmp_path: Path) -> None:
    out = pty_lua(
        DRAIN
        + f"""
        local p = process.spawn_pty({{ cmd = "sh",
          args = {{ "-c", "pwd; echo \\"$PTY_NOTE\\"; echo \\"$HOME\\"" }},
          cwd = "{tmp_path}", env = {{ PTY_NOTE = "from opts" }} }})
        return drain(p)
        """
    )
    assert out.replace("\r", "").split("\n")[:3] == [
        str(tmp_path),
        "from opts",
        os.environ.get("HOME", ""),
    ]


def test_read_gives_nil_at_the_end_and_when_the_timeout_passes(pty_lua: HostLua) -> None:
    got = pty_lua(
        DRAIN
        + """
        local quiet = process.spawn_pty({ cmd = "sleep", args = { "30" } })
        local nothing = quiet:read({ timeout_ms = 50 })
        quiet:close()
        local done = process.spawn_pty({ cmd = "echo", args = { "last words" } })
        local out = drain(done)
        return nothing == nil, out, done:read({ timeout_ms = 50 }) == nil
        """
    )
    assert got == [True, "last words\r\n", True]


def test_wait_reports_exit_codes_and_signals_once(pty_lua: HostLua) -> None:
    got = pty_lua(
        """
        local exits = process.spawn_pty({ cmd = "sh", args = { "-c", "exit 3" } })
        local a = exits:wait()
        local again = exits:wait()
        local killed = process.spawn_pty({ cmd = "sh", args = { "-c", "kill -TERM $$" } })
        local b = killed:wait()
        return a.status, a.exited, a.signaled, again.status, again.exited,
               b.status, b.exited, b.signaled, b.signal
        """
    )
    assert got == [3, True, False, -1, False, -1, False, True, 15]


def test_close_hangs_up_and_is_alive_follows(pty_lua: HostLua) -> None:
    got = pty_lua(
        """
        local p = process.spawn_pty({ cmd = "sleep", args = { "30" } })
        local before = p:is_alive()
        p:close()
        local after = p:is_alive()
        local r = p:wait()
        return type(p.pid), before, after, r.signaled, r.signal
        """
    )
    assert got == ["number", True, False, True, 1]


def test_resize_reaches_the_child(pty_lua: HostLua) -> None:
    out = pty_lua(
        DRAIN
        + """
        -- the child reports its size each time it reads a line
        local p = process.spawn_pty({ cmd = "sh",
          args = { "-c", "stty -echo; read a; stty size; read b; stty size" } })
        p:write("first\\n")
        local seen = ""
        while not seen:find("24 80", 1, true) do
          seen = seen .. (p:read({ timeout_ms = 5000 }) or error("no size from the child"))
        end
        p:resize(100, 30)
        p:write("second\\n")
        return seen .. drain(p)
        """
    )
    # (the first line may be echoed before `stty -echo` took hold)
    sizes = [line for line in out.replace("\r", "").split("\n") if re.fullmatch(r"\d+ \d+", line)]
    assert sizes == ["24 80", "30 100"]


def test_errors_name_the_function_and_the_rule(pty_lua: HostLua) -> None:
    assert pty_lua.error("process.spawn_pty({})") == "process.spawn_pty: opts.cmd (string) required"
    assert pty_lua.error("process.spawn_pty()") == (
        "process.spawn_pty: bad argument #1: error converting Lua nil to table"
    )
    assert pty_lua.error('process.spawn_pty({ cmd = "cat", args = "-u" })') == (
        "process.spawn_pty: opts.args: error converting Lua string to table"
    )
    assert pty_lua.error('process.spawn_pty({ cmd = "cat", cols = "wide" })') == (
        "process.spawn_pty: opts.cols: error converting Lua string to u32"
        " (expected number or string coercible to number)"
    )
    assert pty_lua.error('process.spawn_pty({ cmd = "cat", rows = -1 })') == (
        "process.spawn_pty: opts.rows: error converting Lua integer to u32 (out of range)"
    )
    assert pty_lua.error('process.spawn_pty({ cmd = "/no/such/program" })') == (
        "process.spawn_pty: spawn '/no/such/program': No such file or directory (os error 2)"
    )
    assert pty_lua.error(
        'local p = process.spawn_pty({ cmd = "cat" }); p:close(); p:resize(0, 10)'
    ) == ("pty:resize: cols/rows must be > 0")


def test_number_arguments_are_passed_as_text(pty_lua: HostLua) -> None:
    got = pty_lua(
        'local p = process.spawn_pty({ cmd = "sh", args = { "-c", "echo $0", 42 }, cols = "100" })'
        " local out = p:read({ timeout_ms = 5000 }) p:wait() return out"
    )
    assert got.strip() == "42"


def test_inside_an_async_task_other_tasks_run_while_it_reads(pty_lua: HostLua) -> None:
    got = pty_lua(
        """
        local order = {}
        local reader = async.spawn(function()
          local p = process.spawn_pty({ cmd = "sh", args = { "-c", "sleep 0.3; echo late" } })
          local chunk = p:read({ timeout_ms = 5000 })
          order[#order + 1] = "read " .. chunk:gsub("%s+$", "")
          p:wait()
        end)
        async.spawn(function() order[#order + 1] = "other task" end)
        reader:await()
        return order[1], order[2]
        """
    )
    assert got == ["other task", "read late"]


def test_close_hangs_up_a_child_even_when_the_host_ignores_sighup(tmp_path: Path) -> None:
    # Started under nohup or a service manager, the host inherits SIGHUP ignored; a pty child
    # must not, or close() would leave it running.
    script = tmp_path / "hangup.lua"
    script.write_text(
        'local p = process.spawn_pty({ cmd = "sleep", args = { "30" } })\n'
        "p:close()\n"
        "local r = p:wait()\n"
        "print(r.signaled, r.signal)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["sh", "-c", 'trap "" HUP; exec "$0" "$1"', ASSAY_PY, str(script)],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"true\t1\n"
