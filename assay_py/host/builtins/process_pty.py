"""``process.spawn_pty(opts)``: a child on a fresh pseudo-terminal, and its handle.

``opts``: ``cmd`` (required), ``args`` (its strings, in order), ``cwd``, ``env`` (added to the
inherited environment), ``cols`` and ``rows`` (the terminal's size, 80 x 24 by default). The
child leads a new session whose controlling terminal is the pty, with the pty as its stdin,
stdout and stderr. The handle has:

- ``pid``;
- ``write(data)``, all of it;
- ``read({timeout_ms})`` → the next chunk of output (up to 4096 bytes), or ``nil`` at end of
  output (the child side closed) or when ``timeout_ms`` passed first (none or 0: no limit);
- ``resize(cols, rows)``: a new terminal size, and SIGWINCH to the child;
- ``close()``: SIGHUP to the child, without waiting for it;
- ``wait()`` → ``{status, exited, signaled, signal?}`` (``status`` -1 unless it exited);
  a second ``wait`` gives ``{status = -1, exited = false, signaled = false}``;
- ``is_alive()``: false once closed or waited, else whether the pid still exists.

``read``, ``write`` and ``wait`` let other ``async`` tasks run meanwhile. Children not closed
by the script get SIGHUP when the VM closes, as the original sends it when a handle is dropped.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import struct
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import (
    bad_argument,
    coerced_number,
    coerced_text,
    conversion_error,
    lua_text,
    lua_type_name,
    mlua_type_name,
)
from assay_py.host.builtins.process import child_argv, child_env
from assay_py.host.handles import Handles
from assay_py.host.scheduler import Pending, awaitable

if TYPE_CHECKING:
    import subprocess

    from assay_py.host.vm import LuaVM

KIND = "pty"
FN = "process.spawn_pty"
_CHUNK = 4096
_MAX_SIZE = 0xFFFF  # a winsize field; larger values saturate, as on the original


@dataclass
class Pty:
    master: int
    child: subprocess.Popen[bytes] | None
    pid: int
    closed: bool = False
    fd_open: bool = field(default=True)

    def hang_up(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            os.kill(self.pid, signal.SIGHUP)


def _size(opts: Any, key: str, default: int) -> int:
    value = opts[key.encode()]
    if value is None:
        return default
    number = coerced_number(value)
    if number is None:
        raise TypeError(f"{FN}: opts.{key}: {conversion_error(value, 'u32')}")
    if not 0 <= number < 2**32:
        raise ValueError(
            f"{FN}: opts.{key}: error converting Lua {mlua_type_name(value)} to u32 (out of range)"
        )
    return min(int(number), _MAX_SIZE)


def _winsize(rows: int, cols: int) -> bytes:
    return struct.pack("HHHH", rows, cols, 0, 0)


# The signals a terminal's child gets with their default action, as terminal emulators do.
_DEFAULTED = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGALRM", "SIGCHLD")


def _take_terminal() -> None:
    # In the child, between fork and exec: the pty (already its stdin) becomes the controlling
    # terminal of the session start_new_session made, as a login shell expects.
    # It also starts with default signal handling: an ignored SIGHUP (nohup, a service
    # manager) survives exec, and close() could then not hang the child up.
    import fcntl
    import signal
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    for name in _DEFAULTED:
        signal.signal(getattr(signal, name), signal.SIG_DFL)


def spawn(opts: Any = None) -> Pty:
    import fcntl
    import pty
    import subprocess
    import termios

    lua_type = lupa_engine().lua_type
    if opts is None or lua_type(opts) != "table":
        raise TypeError(f"{FN}: {bad_argument(1, opts, 'table')}")
    cmd = coerced_text(opts[b"cmd"])
    if cmd is None:
        raise ValueError(f"{FN}: opts.cmd (string) required")
    for key in ("args", "env"):
        value = opts[key.encode()]
        if value is not None and lua_type(value) != "table":
            raise TypeError(f"{FN}: opts.{key}: {conversion_error(value, 'table')}")
    argv = child_argv(cmd, opts[b"args"])
    env = child_env(opts[b"env"])
    cwd = opts[b"cwd"]
    where: bytes | None = None
    if cwd is not None:
        where = coerced_text(cwd)
        if where is None:
            raise TypeError(f"{FN}: opts.cwd: {conversion_error(cwd, 'String')}")
    cols, rows = _size(opts, "cols", 80), _size(opts, "rows", 24)

    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, _winsize(rows, cols))
        child = subprocess.Popen(
            argv,
            cwd=where,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
    except OSError as exc:
        os.close(master)
        shown = cmd.decode("utf-8", "replace")
        reason = f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)
        raise OSError(f"{FN}: spawn '{shown}': {reason}") from None
    except ValueError as exc:  # a NUL byte in the command, an argument or the environment
        from assay_py.host.builtins.shell import spawn_value_error

        os.close(master)
        raise OSError(
            f"{FN}: spawn '{cmd.decode('utf-8', 'replace')}': {spawn_value_error(exc)}"
        ) from None
    except subprocess.SubprocessError as exc:
        os.close(master)
        raise OSError(f"{FN}: spawn '{cmd.decode('utf-8', 'replace')}': {exc}") from None
    finally:
        # The child holds its own copies; ours would keep the pty open after it exits.
        os.close(slave)
    return Pty(master=master, child=child, pid=child.pid)


def read(p: Pty, timeout_ms: float | None) -> bytes | None:
    deadline = None if not timeout_ms else time.monotonic() + timeout_ms / 1000
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([p.master], [], [], wait)
        if not ready:
            return None
        try:
            data = os.read(p.master, _CHUNK)
        except BlockingIOError:
            continue
        except OSError as exc:
            # Linux reports the child side's last close as EIO on the master.
            if exc.errno == errno.EIO:
                return None
            raise OSError(f"pty:read: {exc.strerror} (os error {exc.errno})") from None
        return data or None


def write(p: Pty, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(p.master, view)
        except BlockingIOError:
            select.select([], [p.master], [])
            continue
        except OSError as exc:
            raise OSError(f"pty:write: {exc.strerror} (os error {exc.errno})") from None
        if n == 0:
            raise OSError("pty:write: zero-length write")
        view = view[n:]


def resize(p: Pty, cols: int, rows: int) -> None:
    import fcntl
    import termios

    if cols <= 0 or rows <= 0:
        raise ValueError("pty:resize: cols/rows must be > 0")
    try:
        fcntl.ioctl(
            p.master, termios.TIOCSWINSZ, _winsize(min(rows, _MAX_SIZE), min(cols, _MAX_SIZE))
        )
    except OSError as exc:
        raise OSError(f"pty:resize: TIOCSWINSZ failed: {exc.strerror}") from None
    with contextlib.suppress(OSError):  # exited already
        os.kill(p.pid, signal.SIGWINCH)


def wait(p: Pty) -> dict[str, Any]:
    child, p.child = p.child, None
    p.closed = True
    if child is None:
        return {"status": -1, "exited": False, "signaled": False}
    code = child.wait()
    if code >= 0:
        return {"status": code, "exited": True, "signaled": False}
    return {"status": -1, "exited": False, "signaled": True, "signal": -code}


def is_alive(p: Pty) -> bool:
    if p.closed:
        return False
    try:
        os.kill(p.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"pty:resize: {what} must be a number, got {lua_type_name(value)}")
    return int(value)


def install(vm: LuaVM, process: Any) -> None:
    """Add ``spawn_pty`` to the ``process`` table."""
    handles = Handles(vm, KIND)

    def cleanup() -> None:
        for p in handles.objects.values():
            if not p.closed:
                p.closed = True
                p.hang_up()
            if p.fd_open:
                p.fd_open = False
                os.close(p.master)

    vm.on_close(cleanup)

    def pty_of(handle: Any, fn: str) -> Pty:
        p: Pty = handles.get(handle, f"pty:{fn}", "self")
        if not p.fd_open:
            raise OSError(f"pty:{fn}: the pty is closed")
        return p

    def write_(handle: Any = None, data: Any = None) -> Pending:
        p = pty_of(handle, "write")
        payload = lua_text(data, "pty:write: data")
        return Pending(lambda: write(p, payload))

    def read_(handle: Any = None, opts: Any = None) -> Pending:
        p = pty_of(handle, "read")
        timeout: float | None = None
        if opts is not None and lupa_engine().lua_type(opts) == "table":
            value = opts[b"timeout_ms"]
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise TypeError(
                        "pty:read: timeout_ms must be a non-negative number, "
                        f"got {lua_type_name(value)}"
                    )
                timeout = float(value)
        return Pending(lambda: read(p, timeout))

    def resize_(handle: Any = None, cols: Any = None, rows: Any = None) -> None:
        resize(pty_of(handle, "resize"), _whole(cols, "cols"), _whole(rows, "rows"))

    def close_(handle: Any = None) -> None:
        p: Pty = handles.get(handle, "pty:close", "self")
        if not p.closed:
            p.closed = True
            p.hang_up()

    def wait_(handle: Any = None) -> Pending:
        p: Pty = handles.get(handle, "pty:wait", "self")
        return Pending(lambda: wait(p))

    def is_alive_(handle: Any = None) -> bool:
        return is_alive(handles.get(handle, "pty:is_alive", "self"))

    handles.methods = lambda: {
        "write": awaitable(vm, write_),
        "read": awaitable(vm, read_),
        "resize": vm.function(resize_),
        "close": vm.function(close_),
        "wait": awaitable(vm, wait_),
        "is_alive": vm.function(is_alive_),
    }

    def spawn_pty(opts: Any = None) -> Any:
        p = spawn(opts)
        return handles.new(p, {"pid": p.pid})

    process[b"spawn_pty"] = vm.function(spawn_pty)
