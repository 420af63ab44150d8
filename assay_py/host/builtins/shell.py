"""The ``shell`` global: ``shell.exec(cmd, opts?)`` runs a command through ``/bin/sh -c``.

Returns ``{status, stdout, stderr, timed_out}``; a non-zero exit is a result, not an error.
``opts``: ``cwd``, ``env`` (added to the inherited environment), ``stdin`` (bytes fed to the
command, which otherwise reads ``/dev/null``), ``timeout`` (seconds; 0 means none). On expiry
the shell is killed and the result is ``status = -1``, empty outputs, ``timed_out = true``.

Inside an ``async`` task the command runs on a worker thread while other tasks go on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import coerced_number, coerced_text, conversion_error
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM


@dataclass(frozen=True)
class Command:
    """A parsed ``shell.exec`` call: plain Python data, safe to run off the Lua thread."""

    command: bytes
    cwd: str | None = None
    env: dict[bytes, bytes] | None = None
    stdin: bytes | None = None
    timeout: float | None = None


def os_error_text(exc: OSError) -> str:
    """An OSError worded as the original's Rust io::Error (``... (os error 2)``)."""
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def _text(value: Any, what: str, to: str = "String") -> bytes:
    """A string (numbers coerced as Lua does), else the original's conversion error."""
    text = coerced_text(value)
    if text is None:
        raise TypeError(f"{what}: {conversion_error(value, to)}")
    return text


def spawn_value_error(exc: ValueError) -> str:
    """What the original (Rust's process spawning) says where Python refuses an argument."""
    if "null byte" in str(exc):
        return "nul byte found in provided data"
    return str(exc)


def parse(args: tuple[Any, ...]) -> Command:
    # No argument at all and an explicit nil are different errors on the original.
    if not args:
        raise ValueError("shell.exec: command string required")
    command = _text(args[0], "shell.exec")
    opts = args[1] if len(args) > 1 else None
    # Like the original, a second argument that is not a table is ignored.
    if opts is None or lupa_engine().lua_type(opts) != "table":
        return Command(command)
    cwd = opts[b"cwd"]
    stdin = opts[b"stdin"]
    env_table = opts[b"env"]
    env: dict[bytes, bytes] | None = None
    if env_table is not None:
        if lupa_engine().lua_type(env_table) != "table":
            raise TypeError(f"shell.exec: opts.env: {conversion_error(env_table, 'table')}")
        env = {
            _text(key, "shell.exec: opts.env"): _text(value, "shell.exec: opts.env")
            for key, value in env_table.items()
        }
    return Command(
        command,
        cwd=None
        if cwd is None
        else _text(cwd, "shell.exec: opts.cwd").decode("utf-8", "surrogateescape"),
        env=env,
        stdin=None if stdin is None else _text(stdin, "shell.exec: opts.stdin", "string"),
        timeout=_timeout(opts[b"timeout"]),
    )


def _timeout(value: Any) -> float | None:
    if value is None:
        return None
    number = coerced_number(value)
    if number is None:
        raise TypeError(f"shell.exec: opts.timeout: {conversion_error(value, 'f64')}")
    if not math.isfinite(number) or number < 0:
        raise ValueError("shell.exec: timeout must be a non-negative finite number")
    return float(number) if number > 0 else None


def run(spec: Command) -> dict[str, Any]:
    """Run the command to completion (or its timeout). Touches no Lua state."""
    import subprocess

    env: dict[bytes, bytes] | None = None
    if spec.env is not None:
        env = dict(os.environb)
        env.update(spec.env)
    try:
        child = subprocess.Popen(
            [b"/bin/sh", b"-c", spec.command],
            cwd=spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL if spec.stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise OSError(f"shell.exec: failed to spawn command: {os_error_text(exc)}") from None
    except ValueError as exc:  # a NUL byte in the command or the environment
        raise OSError(f"shell.exec: failed to spawn command: {spawn_value_error(exc)}") from None
    try:
        stdout, stderr = child.communicate(spec.stdin, timeout=spec.timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        # A background grandchild may hold the pipes open: drop them unread, as the
        # original does, rather than wait for it.
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
        return {"status": -1, "stdout": "", "stderr": "", "timed_out": True}
    status = child.returncode if child.returncode >= 0 else -1
    return {
        "status": status,
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr.decode("utf-8", "replace"),
        "timed_out": False,
    }


def _exec(*args: Any) -> Pending:
    spec = parse(args)
    return Pending(lambda: run(spec))


def install(vm: LuaVM) -> None:
    vm.set_global("shell", vm.table({"exec": awaitable(vm, _exec)}))
