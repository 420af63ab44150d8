"""Tool mode (``run --mode tool`` or ``ASSAY_MODE=tool``): a script run for a program.

The script's return value becomes the ``output`` of one JSON envelope on stdout (see
``_envelope``), and the process exits 0 whatever happened, so a caller reads one shape.
Everything else the script writes, ``print`` included, goes to stderr: stdout carries the
envelope alone. A run that outlives ``--timeout`` seconds is answered with a ``timeout``
envelope by a watchdog thread, which then ends the process (a Lua loop cannot be
interrupted from Python, and the caller must not wait on it).

Imported only when a run is in tool mode (start-up of plain scripts never pays for it).
"""

from __future__ import annotations

import os
import sys
import threading

from assay_py.cli import _envelope
from assay_py.cli._launch import fail, log_line

TYPE_CHECKING = False  # not typing's: see assay_py.cli
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn

DEFAULT_TIMEOUT = 20
APPROVAL_PREFIX = "__assay_approval_request__:"


def gate_mode() -> str:
    """``approval``, ``readonly`` or ``unrestricted``: the mode the VMs of this process run
    in (set by ``--readonly``/``--approval-mode`` or the environment; approval wins)."""
    from assay_py.host.vm import mode_from_env

    return mode_from_env() or "unrestricted"


class _Stdout:
    """The real stdout, kept aside for the envelope; at most one envelope is written."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._fd = os.dup(1)
        os.dup2(2, 1)  # print, io.write and child processes: all on stderr from here
        self._lock = threading.Lock()
        self._written = False

    def write_once(self, envelope: bytes) -> bool:
        with self._lock:
            if self._written:
                return False
            self._written = True
            view = memoryview(envelope)
            while view:
                view = view[os.write(self._fd, view) :]
            return True


def run_tool(path: str, args: Sequence[str], *, timeout: int, verbose: bool) -> NoReturn:
    """Run ``path`` in tool mode, print its envelope, exit 0."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:  # as in script mode: nothing ran, so there is no envelope
        fail(f"reading {path}: {exc.strerror or exc}")
    mode = gate_mode()
    readonly = mode == "readonly"
    if verbose:
        log_line("INFO", f"starting assay-py (tool mode) script={path} timeout_secs={timeout}")
    # Scripts (and the modules they require) ask env.get("ASSAY_MODE") to learn that a
    # program is the caller; children inherit it.
    os.environ["ASSAY_MODE"] = "tool"
    stdout = _Stdout()

    def on_timeout() -> None:
        message = f"execution timed out after {timeout}s"
        if stdout.write_once(_envelope.error(message, status="timeout", readonly=readonly)):
            os._exit(0)

    def on_exit(envelope: bytes) -> None:
        sys.stdout.flush()
        if stdout.write_once(envelope):
            os._exit(0)

    watchdog = threading.Timer(timeout, on_timeout)
    watchdog.daemon = True
    watchdog.start()
    envelope = _evaluate(path, source, args, mode, on_exit)
    watchdog.cancel()
    stdout.write_once(envelope)
    sys.exit(0)


# os.exit ends the process from C, before any envelope: in tool mode it answers first.
_TOOL_EXIT = b"os.exit = ..."


def _exit_envelope(code: Any, readonly: bool) -> bytes:
    """What ``os.exit(code)`` answers in tool mode (Lua: true or nil succeed, false fails)."""
    if code is None or code is True or (not isinstance(code, bool) and code == 0):
        return _envelope.success(b"null", readonly=readonly)
    status = code if isinstance(code, (int, float)) and not isinstance(code, bool) else 1
    if isinstance(status, float) and status.is_integer():
        status = int(status)
    return _envelope.error(f"the script called os.exit({status})", readonly=readonly)


def _evaluate(
    path: str,
    source: bytes,
    args: Sequence[str],
    mode: str,
    on_exit: Callable[[bytes], None],
) -> bytes:
    """The envelope of one run: its return value, its error, or its approval request."""
    from assay_py.host._engine import EngineError, engine_name
    from assay_py.host._host import LuaHost, strip_shebang
    from assay_py.host.errors import LuaScriptError, PolicyError

    readonly = mode == "readonly"
    try:
        host = LuaHost(engine=engine_name())
    except (EngineError, PolicyError) as exc:
        return _envelope.error(f"creating Lua VM: {exc}", readonly=readonly)
    try:
        vm = host.vm
        vm.set_global("arg", vm.to_lua({0: path, **dict(enumerate(args, 1))}))
        exit_now = vm.function(
            lambda code=None, close=None: on_exit(_exit_envelope(code, readonly))
        )
        vm.execute(_TOOL_EXIT, "=[tool mode]", exit_now)
        results = vm.execute(strip_shebang(source), "@" + path)
        value = results[0] if results else None
        try:
            output = vm.json_encode(value)
        except ValueError as exc:
            return _envelope.error(f"serializing Lua result: {exc}", readonly=readonly)
        return _envelope.success(output, readonly=readonly)
    except LuaScriptError as exc:
        request = approval_request(exc.message)
        if request is None:
            return _envelope.error(exc.render(), readonly=readonly)
        from assay_py.cli.resume import suspend

        return suspend(path, args, request, mode)
    finally:
        host.close()
        sys.stdout.flush()


def approval_request(message: str) -> dict[str, Any] | None:
    """The request in an error raised with ``__assay_approval_request__:<JSON>`` (by an
    approval gate, or a module asking its caller for a decision), else None."""
    start = message.find(APPROVAL_PREFIX)
    if start < 0:
        return None
    import json

    text = message[start + len(APPROVAL_PREFIX) :].split("\n", 1)[0]
    try:
        request = json.loads(text)
    except ValueError:
        return None
    # A request must say what it asks; anything else is an ordinary error.
    if not isinstance(request, dict) or not isinstance(request.get("prompt"), str):
        return None
    return request
