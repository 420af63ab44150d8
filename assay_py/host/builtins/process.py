"""The ``process`` global: ``list``, ``is_running``, ``kill``, ``spawn``, ``wait``, ``wait_idle``.

- ``list()`` → ``{{pid, name, cmdline?}, ...}`` from ``/proc`` (``name`` is the kernel's
  ``comm``; ``cmdline`` its arguments joined by spaces, absent for kernel threads).
- ``is_running(name)`` → whether some process has that ``comm``.
- ``kill(pid, signal = 15)`` → ``true``, or an error naming the signal, the pid and the OS
  reason. Signal 0 only checks that the process exists. ``pid`` must be > 0 (0 and -1 would
  signal whole groups).
- ``spawn{cmd, args, cwd, env, stdout, stderr}`` → ``{pid}``: a detached child (no shell;
  stdin ``/dev/null``; stdout/stderr inherited or written to the named files), to be reaped
  with ``wait(pid, {timeout})`` → ``{status, exited, signaled, timed_out}``.
- ``wait_idle(names, timeout = 30, interval = 1)`` → ``true`` once none of ``names`` runs,
  ``false`` at the deadline.
- ``spawn_pty{cmd, args, cwd, env, cols, rows}`` → a handle on a child attached to a fresh
  pseudo-terminal (see ``process_pty``).
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import lua_text, lua_type_name
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

CHUNKNAME = "=[assay process]"
_WAIT_POLL = 0.05

# wait_idle is a loop over other globals (time, sleep), so it sleeps like any script would.
_WAIT_IDLE = rb"""
local process = ...
local type, ipairs = type, ipairs
function process.wait_idle(names, timeout, interval)
  timeout = timeout or 30
  interval = interval or 1
  if type(names) == "string" then names = { names } end
  local deadline = time() + timeout
  while time() < deadline do
    local busy = false
    for _, name in ipairs(names) do
      if process.is_running(name) then busy = true break end
    end
    if not busy then return true end
    sleep(interval)
  end
  return false
end
"""


def _os_reason(exc: OSError) -> str:
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def processes() -> list[dict[str, Any]]:
    try:
        names = os.listdir("/proc")
    except OSError as exc:
        raise OSError(f"process.list: failed to read /proc: {_os_reason(exc)}") from None
    found: list[dict[str, Any]] = []
    for entry in names:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", "rb") as handle:
                comm = handle.read().decode("utf-8", "replace").strip()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if not comm:
            continue
        info: dict[str, Any] = {"pid": int(entry), "name": comm}
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                raw = handle.read()
        except OSError:
            raw = b""
        cmdline = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
        if cmdline:
            info["cmdline"] = cmdline
        found.append(info)
    return found


def is_running(name: Any = None) -> bool:
    wanted = lua_text(name, "process.is_running: name").decode("utf-8", "replace")
    try:
        return any(info["name"] == wanted for info in processes())
    except OSError:
        return False


def _whole(value: Any, fn: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{fn}: {what} must be a number")
    return int(value)


def kill(pid: Any = None, signal: Any = None, *_: Any) -> bool:
    if pid is None:
        raise ValueError("process.kill: pid required")
    number = _whole(pid, "process.kill", "pid")
    if number <= 0:
        raise ValueError(f"process.kill: pid must be > 0, got {number}")
    sig = 15 if signal is None else _whole(signal, "process.kill", "signal")
    if sig < 0:
        raise ValueError(f"process.kill: signal must be >= 0, got {sig}")
    try:
        os.kill(number, sig)
    except (OSError, ValueError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise OSError(
            f"process.kill: failed to send signal {sig} to pid {number}: {reason}"
        ) from None
    return True


def _optional_text(opts: Any, key: str) -> str | None:
    value = opts[key.encode()]
    if value is None:
        return None
    return lua_text(value, f"process.spawn: opts.{key}").decode("utf-8", "surrogateescape")


def _open_for(opts: Any, key: str) -> int | None:
    path = _optional_text(opts, key)
    if path is None:
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise OSError(
            f"process.spawn: failed to open {key} file '{path}': {_os_reason(exc)}"
        ) from None


def spawn(opts: Any = None) -> dict[str, int]:
    table_type = lupa_engine().lua_type
    if opts is None or table_type(opts) != "table":
        raise TypeError(f"process.spawn: opts must be a table, got {lua_type_name(opts)}")
    if not isinstance(opts[b"cmd"], (bytes, int, float)) or isinstance(opts[b"cmd"], bool):
        raise ValueError("process.spawn: opts.cmd (string) is required")
    cmd = lua_text(opts[b"cmd"], "process.spawn: opts.cmd")
    argv = [cmd]
    args = opts[b"args"]
    if args is not None:
        if table_type(args) != "table":
            raise TypeError(f"process.spawn: opts.args must be a table, got {lua_type_name(args)}")
        index = 1
        while args[index] is not None:
            argv.append(lua_text(args[index], f"process.spawn: opts.args[{index}]"))
            index += 1
    env = dict(os.environb)
    extra = opts[b"env"]
    if extra is not None:
        if table_type(extra) != "table":
            raise TypeError(f"process.spawn: opts.env must be a table, got {lua_type_name(extra)}")
        for key, value in extra.items():
            env[lua_text(key, "process.spawn: opts.env key")] = lua_text(
                value, "process.spawn: opts.env value"
            )
    cwd = _optional_text(opts, "cwd")
    files: list[int] = []
    try:
        stdout = _open_for(opts, "stdout")
        if stdout is not None:
            files.append(stdout)
        stderr = _open_for(opts, "stderr")
        if stderr is not None:
            files.append(stderr)
        pid = _launch(argv, env, cwd, stdout, stderr)
    finally:
        for fd in files:
            os.close(fd)
    return {"pid": pid}


# Spawned children by pid. Holding the Popen objects keeps subprocess from reaping a child
# whose object was dropped (which would steal process.wait's status); wait() lets go.
_children: dict[int, Any] = {}


def _launch(
    argv: list[bytes],
    env: dict[bytes, bytes],
    cwd: str | None,
    stdout: int | None,
    stderr: int | None,
) -> int:
    import subprocess

    try:
        child = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
        )
    except OSError as exc:
        shown = argv[0].decode("utf-8", "replace")
        raise OSError(f"process.spawn: failed to launch '{shown}': {_os_reason(exc)}") from None
    _children[child.pid] = child
    return int(child.pid)


def wait(pid: Any = None, opts: Any = None, *_: Any) -> Pending:
    if pid is None:
        raise ValueError("process.wait: pid required")
    number = _whole(pid, "process.wait", "pid")
    if number <= 0:
        raise ValueError("process.wait: pid must be > 0")
    timeout: float | None = None
    if opts is not None and lupa_engine().lua_type(opts) == "table":
        value = opts[b"timeout"]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"process.wait: timeout must be a number, got {lua_type_name(value)}"
                )
            if not math.isfinite(value) or value < 0:
                raise ValueError("process.wait: timeout must be a non-negative finite number")
            timeout = float(value)
    return Pending(lambda: _reap(number, timeout))


def _reap(pid: int, timeout: float | None) -> dict[str, Any]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            got, status = os.waitpid(pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError as exc:
            raise OSError(f"process.wait: waitpid({pid}) failed: {_os_reason(exc)}") from None
        if got == pid:
            break
        assert deadline is not None
        if time.monotonic() >= deadline:
            return {"status": -1, "exited": False, "signaled": False, "timed_out": True}
        time.sleep(_WAIT_POLL)
    exited, signaled = os.WIFEXITED(status), os.WIFSIGNALED(status)
    if exited:
        code = os.WEXITSTATUS(status)
    elif signaled:
        code = 128 + os.WTERMSIG(status)
    else:
        code = -1
    child = _children.pop(pid, None)
    if child is not None:
        # Reaped here: tell the Popen, or dropping it would report the child as running.
        child.returncode = status
    return {"status": code, "exited": exited, "signaled": signaled, "timed_out": False}


def install(vm: LuaVM) -> None:
    table = vm.table(
        {
            "list": vm.function(processes),
            "is_running": vm.function(is_running),
            "kill": vm.function(kill),
            "spawn": vm.function(spawn),
            "wait": awaitable(vm, wait),
        }
    )
    vm.run_host_chunk(_WAIT_IDLE, CHUNKNAME, table)
    from assay_py.host.builtins import process_pty

    process_pty.install(vm, table)
    vm.set_global("process", table)
