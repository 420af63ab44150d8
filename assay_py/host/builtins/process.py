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
from assay_py.host.builtins._args import (
    bad_argument,
    coerced_number,
    coerced_text,
    conversion_error,
)
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
                comm = handle.read().decode("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue  # gone meanwhile, not ours to read, or (as on the original) not UTF-8
        if not comm:
            continue
        info: dict[str, Any] = {"pid": int(entry), "name": comm}
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                raw = handle.read()
        except OSError:
            raw = b""
        try:
            cmdline = raw.replace(b"\0", b" ").decode("utf-8").strip()
        except UnicodeDecodeError:
            cmdline = ""  # the original leaves out a command line that is not UTF-8
        if cmdline:
            info["cmdline"] = cmdline
        found.append(info)
    return found


def is_running(name: Any = None, *_: Any) -> bool:
    text = coerced_text(name)
    if text is None:
        raise TypeError(f"process.is_running: {bad_argument(1, name, 'String')}")
    wanted = text.decode("utf-8", "replace")
    try:
        return any(info["name"] == wanted for info in processes())
    except OSError:
        return False


def _whole(value: Any, fn: str, what: str) -> int:
    """A number as the original's ``as i32`` makes it: integers wrap, floats truncate and
    saturate, NaN is 0. Strings are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{fn}: {what} must be a number")
    if isinstance(value, float):
        if math.isnan(value):
            return 0
        return int(max(-(2**31), min(2**31 - 1, value)))
    return (value + 2**31) % 2**32 - 2**31


def kill(*args: Any) -> bool:
    if not args:
        raise ValueError("process.kill: pid required")
    number = _whole(args[0], "process.kill", "pid")
    if number <= 0:
        raise ValueError(f"process.kill: pid must be > 0, got {number}")
    signal = args[1] if len(args) > 1 else None
    sig = 15 if signal is None else _whole(signal, "process.kill", "signal")
    if sig < 0:
        raise ValueError(f"process.kill: signal must be >= 0, got {sig}")
    try:
        os.kill(number, sig)
    except (OSError, ValueError, OverflowError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else "Invalid argument (os error 22)"
        raise OSError(
            f"process.kill: failed to send signal {sig} to pid {number}: {reason}"
        ) from None
    return True


def _optional_text(opts: Any, key: str) -> str | None:
    value = opts[key.encode()]
    if value is None:
        return None
    text = coerced_text(value)
    if text is None:
        raise TypeError(f"process.spawn: opts.{key}: {conversion_error(value, 'String')}")
    return text.decode("utf-8", "surrogateescape")


def child_argv(cmd: bytes, args: Any) -> list[bytes]:
    """``cmd`` and the array part of ``args`` in order; as on the original, items that are
    not strings or numbers are left out (shared with ``process.spawn_pty``)."""
    argv = [cmd]
    if args is not None:
        index = 1
        while args[index] is not None:
            item = coerced_text(args[index])
            if item is not None:
                argv.append(item)
            index += 1
    return argv


def child_env(extra: Any) -> dict[bytes, bytes]:
    """This process's environment with the text pairs of ``extra`` set over it."""
    env = dict(os.environb)
    if extra is not None:
        for key, value in extra.items():
            name, text = coerced_text(key), coerced_text(value)
            if name is not None and text is not None:
                env[name] = text
    return env


def _optional_table(opts: Any, key: str) -> Any:
    value = opts[key.encode()]
    if value is not None and lupa_engine().lua_type(value) != "table":
        raise TypeError(f"process.spawn: opts.{key}: {conversion_error(value, 'table')}")
    return value


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


def spawn(opts: Any = None, *_: Any) -> dict[str, int]:
    if opts is None or lupa_engine().lua_type(opts) != "table":
        raise TypeError(f"process.spawn: {bad_argument(1, opts, 'table')}")
    cmd = coerced_text(opts[b"cmd"])
    if cmd is None:
        raise ValueError("process.spawn: opts.cmd (string) is required")
    argv = child_argv(cmd, _optional_table(opts, "args"))
    env = child_env(_optional_table(opts, "env"))
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
    except (OSError, ValueError) as exc:
        from assay_py.host.builtins.shell import spawn_value_error

        shown = argv[0].decode("utf-8", "replace")
        reason = _os_reason(exc) if isinstance(exc, OSError) else spawn_value_error(exc)
        raise OSError(f"process.spawn: failed to launch '{shown}': {reason}") from None
    _children[child.pid] = child
    return int(child.pid)


def wait(*args: Any) -> Pending:
    if not args:
        raise ValueError("process.wait: pid required")
    number = _whole(args[0], "process.wait", "pid")
    if number <= 0:
        raise ValueError("process.wait: pid must be > 0")
    timeout: float | None = None
    opts = args[1] if len(args) > 1 else None
    if opts is not None and lupa_engine().lua_type(opts) == "table":
        value = opts[b"timeout"]
        if value is not None:
            seconds = coerced_number(value)
            if seconds is None:
                raise TypeError(f"process.wait: opts.timeout: {conversion_error(value, 'f64')}")
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError("process.wait: timeout must be a non-negative finite number")
            timeout = float(seconds)
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
