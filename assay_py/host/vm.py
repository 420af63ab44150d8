"""The Lua VM: one Lua state with the assay globals, and the bridge to Python callables.

Every Python callable handed to Lua goes through :meth:`LuaVM.function`, which turns a Python
exception into a Lua *string* error (so ``pcall`` + ``string.find(err, ...)`` works as on the
original runtime) and converts return values with :func:`to_lua`.

Coroutines, and the one rule Python code must keep. lupa binds every Lua object it hands to
Python to the Lua thread that was running when the object crossed over, and always works on
that thread's stack. A builtin called from inside a coroutine therefore receives objects of the
coroutine's thread, and objects it creates then (tables, functions, compiled chunks) are of that
thread too. Such an object must not outlive the call: once the coroutine is collected, using or
even freeing it touches freed memory (a segfault). And an object of another thread (one kept
from an earlier call, or made at start-up on the main thread) must not be used during the call:
lupa would work on a stack that is not running (wrong results, corrupted stacks). So:

- a builtin keeps no Lua object between calls; what must last lives in Lua (a table field,
  the global itself) and is read again through :attr:`LuaVM.globals` at each call;
- the VM's own long-lived objects are made on the main thread at start-up, and every use goes
  through :meth:`LuaVM.current`, which hands back the same object bound to the running thread.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence

from assay_py.host._convert import from_lua, to_lua
from assay_py.host._engine import engine_module, engine_name, import_module, lupa_engine
from assay_py.host._prelude import (
    BRIDGE,
    BRIDGE_CHUNKNAME,
    HOST_CHUNK_MARK,
    PRELUDE,
    PRELUDE_CHUNKNAME,
)
from assay_py.host.builtins._args import utf8_error
from assay_py.host.errors import LuaScriptError, UnplacedError
from assay_py.host.registry import BUILTIN_GLOBALS, unavailable_globals

TYPE_CHECKING = False  # not typing's: see assay_py.host
if TYPE_CHECKING:
    from typing import Any, Literal

    from assay_py.host._engine import EngineName
    from assay_py.host.gate import ApprovalConfig, Gate, Mode
    from assay_py.host.policy import Policy

# The builtin modules, `assay_py.host.builtins.<name>` (each has `install(vm)`), in the order
# `install_all` installs them.
BUILTINS: tuple[str, ...] = tuple(dict.fromkeys(g.module for g in BUILTIN_GLOBALS.values()))

_DEFAULT_PATH = "./?.lua;./?/init.lua"


def module_dirs() -> list[str]:
    """Folders searched for ``assay.*`` module files: the project's, then the global one."""
    global_dir = os.environ.get("ASSAY_MODULES_PATH") or os.path.join(
        os.path.expanduser("~"), ".assay", "modules"
    )
    return ["./modules", global_dir]


READONLY_ENV = "ASSAY_READONLY"
APPROVAL_ENV = "ASSAY_APPROVAL"


def mode_from_env() -> Mode | None:
    """The gate mode asked for by the environment: ``"approval"`` (``ASSAY_APPROVAL`` is
    ``1``/``true``; it wins), ``"readonly"`` (``ASSAY_READONLY``), or None."""
    if os.environ.get(APPROVAL_ENV, "").strip() in ("1", "true"):
        return "approval"
    if os.environ.get(READONLY_ENV, "").strip() in ("1", "true"):
        return "readonly"
    return None


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    # Lua must not walk from a Python object to its attributes (and from there to anything).
    raise AttributeError("Python attributes are not reachable from Lua")


class LuaVM:
    """A Lua state. Builtins install themselves with ``install(vm)`` (see host/builtins)."""

    def __init__(
        self,
        *,
        builtins: Sequence[str] = BUILTINS,
        engine: EngineName | str | None = None,
        policy: Policy | None = None,
        mode: Mode | Literal["unrestricted"] | None = None,
        approval: ApprovalConfig | None = None,
    ) -> None:
        """``mode``: ``"readonly"``, ``"approval"``, ``"unrestricted"``, or None for the
        environment's (:func:`mode_from_env`). ``approval``: the grants of an approval-mode
        replay (default: from ``ASSAY_APPROVED_INDICES`` and friends)."""
        self.started = time.monotonic()
        """When the VM was made: ``os.clock()`` counts from here, as the original's does."""
        self.http_read_classifier: Callable[[str, str], bool] | None = None
        """A say on an http write: ``(verb, url) -> True`` when this exact call is a read, so
        the read-only gate lets it through (see :mod:`assay_py.host.gate`). Unset, a policy's
        ``classify: read`` rules decide."""
        self.gate: Gate | None = None
        self.engine: EngineName = engine_name(engine)
        """``"luajit"`` or ``"5.5"`` (see :mod:`assay_py.host._engine`)."""
        self.policy: Policy | None = policy if policy is not None else _policy_from_env()
        """The capability policy (``policy``, else ``$ASSAY_POLICY_FILE``), or None: then
        every check passes. A malformed file raises PolicyError here, before any script."""
        # Lua 5.5 has an integer subtype: numbers keep it both ways (int <-> integer,
        # float <-> float). LuaJIT has doubles only: whole ones come to Python as int.
        self.integers = self.engine == "5.5"
        engine_lib = engine_module(self.engine)
        # encoding=None keeps Lua strings as bytes, so non-UTF-8 data is never mangled.
        self.lua: Any = engine_lib.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny_attributes,
        )
        self._closers: list[Callable[[], None]] = []
        # Made here, on the main thread, and only ever used through self.current().
        self._wrap = self.lua.execute(BRIDGE, name=BRIDGE_CHUNKNAME)
        self._private: Any = self.lua.execute(PRELUDE, self._hooks(), name=PRELUDE_CHUNKNAME)
        # Before any global is set: each arrives gated (see set_global).
        gate_mode = mode_from_env() if mode is None else mode
        if gate_mode == "readonly" or gate_mode == "approval":
            from assay_py.host.gate import Gate

            self.gate = Gate(self, gate_mode, approval)
        elif gate_mode not in (None, "unrestricted"):
            raise ValueError(
                f"mode: unknown gate mode {gate_mode!r} (expected readonly, approval or "
                "unrestricted)"
            )
        self._builtins = tuple(builtins)
        lazy = [g for g in BUILTIN_GLOBALS.values() if g.module in self._builtins]
        self._private.lazy_globals(
            self.lua.table_from(
                [
                    self.lua.table(
                        g.name.encode(),
                        g.module.encode(),
                        g.kind.encode(),
                        self.lua.table(*(key.encode() for key in g.replaces)),
                    )
                    for g in lazy
                ]
            ),
            self.function(lambda module: self._install(module.decode())),
        )
        self._private.unavailable(
            self.lua.table_from([name.encode() for name in unavailable_globals()])
        )
        owners = {g.module for g in lazy}
        for name in self._builtins:
            if name not in owners:
                self._install(name)
        if self.policy is not None:
            self.policy.install(self)
        blocked = os.environ.get("ASSAY_BLOCK_GLOBALS")
        if blocked:
            self._private.block(blocked.encode())

    @property
    def globals(self) -> Any:
        """The globals table, bound to the running Lua thread (so safe inside a coroutine)."""
        return self.lua.globals()

    def current(self, value: Any) -> Any:
        """``value`` (a Lua object) bound to the running Lua thread; see the module's notes."""
        return self.lua.table(value)[1]

    def _p(self) -> Any:
        return self.current(self._private)

    def keep(self, key: str, value: Any) -> None:
        """Keep a Lua value for the VM's life, in Lua (Python must not hold it: see above)."""
        self._p().kept[key.encode()] = value

    def kept(self, key: str) -> Any:
        """A value stored with :meth:`keep`, bound to the running thread (None if absent)."""
        return self._p().kept[key.encode()]

    def stock(self, name: str) -> Any:
        """A stock Lua function (``tostring``, ``find``, ``gsub``, ``getmetatable``) as before any
        script ran, bound to the running thread: for builtins that need Lua's own behaviour."""
        return self._p().stock[name.encode()]

    def _hooks(self) -> Any:
        return self.lua.table_from(
            {
                b"write": self.function(_write_stdout),
                b"utf8_fault": self.function(utf8_error),
                b"builtin_loader": self.function(self._builtin_loader),
                b"module_dirs": self.lua.table_from([d.encode() for d in module_dirs()]),
                b"path": None if "LUA_PATH" in os.environ else _DEFAULT_PATH.encode(),
                b"require_guard": None
                if self.policy is None
                else self.function(self._require_refusal),
            }
        )

    def _require_refusal(self, name: bytes) -> str | None:
        assert self.policy is not None
        return self.policy.require_refusal(name.decode("utf-8", "replace"))

    def _install(self, name: str) -> None:
        module_name = f"assay_py.host.builtins.{name}"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return  # not written yet: run without that global
            raise
        module.install(self)

    def install_all(self) -> None:
        """Install every builtin now, in BUILTINS order (normally each waits for first use)."""
        self._p().install_all(self.lua.table_from([m.encode() for m in self._builtins]))

    def _builtin_loader(self, name: bytes) -> Any:
        from assay_py.host import registry

        entry = registry.find(name.decode("utf-8", "replace"))
        if entry is None:
            return None
        return self.function(lambda *_: registry.load(entry, self))

    # -- values -------------------------------------------------------------------------
    def to_lua(self, value: Any) -> Any:
        return to_lua(self.lua, value, integers=self.integers)

    def from_lua(self, value: Any) -> Any:
        return from_lua(value, self._getmetatable, integers=self.integers)

    def _getmetatable(self, table: Any) -> Any:
        return self._p().getmetatable(table)

    def table(self, entries: dict[str, Any] | None = None) -> Any:
        """A Lua table from string keys to values already fit for Lua (e.g. functions)."""
        table = self.lua.table()
        for key, value in (entries or {}).items():
            table[key.encode()] = value
        return table

    def json_codec(self) -> Any:
        """The Lua JSON codec: ``(global_table, raw)``, compiled once per VM.

        ``global_table`` is what scripts see as ``json``; ``raw.encode``/``raw.decode`` raise
        plain messages, for Python builtins (e.g. http table bodies).
        """
        private = self._p()
        codec = private.json_codec()
        if codec is None:
            from assay_py.host._json_codec import CHUNKNAME, LUA_JSON

            codec = self.run_host_chunk(LUA_JSON, CHUNKNAME)
            private.set_json_codec(*codec)
        return codec

    def run_host_chunk(self, source: bytes, chunkname: str, *args: Any) -> Any:
        """Run a chunk of the host's own Lua (a builtin's Lua half) and return its results.

        It sees the globals as they were before any script ran, so a script that removed or
        guarded globals cannot break it; ``args`` (Lua values) reach it as ``...``.
        """
        return self._p().run_host(source, chunkname.encode("utf-8"), *args)

    def json_encode(self, value: Any) -> bytes:
        """Compact JSON of a Lua value with assay's rules; ValueError on unencodable values."""
        try:
            encoded: bytes = self.json_codec()[1].encode(value)
        except lupa_engine().LuaError as exc:
            raise ValueError(error_text(exc)) from None
        return encoded

    # -- functions ----------------------------------------------------------------------
    def function(self, fn: Callable[..., Any]) -> Any:
        """Wrap a Python callable for Lua.

        ``fn`` receives raw Lua arguments (bytes for strings, lupa tables); its result is
        converted with :meth:`to_lua` (a tuple becomes several Lua return values). Any
        exception becomes a Lua error whose value is the exception's text.
        """
        outcome = self.outcome

        def call(*args: Any) -> Any:
            return outcome(fn, *args)

        return self.current(self._wrap)(call)

    def outcome(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
        """Run ``fn(*args)`` for Lua: ``(True, values...)`` or ``(False, message, level)``.

        The protocol of :meth:`function`'s bridge, for other bridges (the async scheduler's).
        """
        try:
            result = fn(*args)
            if isinstance(result, tuple):
                return (True, *(self.to_lua(item) for item in result))
            return True, self.to_lua(result)
        except Exception as exc:  # every failure must reach Lua as text
            # A Lua error passing back through Python already names its position.
            level = 0 if _is_lua_error(exc) or isinstance(exc, UnplacedError) else 2
            return False, error_text(exc).encode("utf-8", "replace"), level

    def set_global(self, name: str, value: Any) -> None:
        """Set a global without going through a script's _G metatable (a strict mode's
        __newindex must not see the host's own globals). Under a gate, its writes arrive
        gated."""
        if self.gate is not None:
            value = self.gate.wrap_global(name, value)
        self._p().set_global(name.encode(), value)

    def get_global(self, name: str) -> Any:
        """A global read with rawget: a script's _G metatable is never consulted."""
        return self._p().get_global(name.encode())

    # -- running code -------------------------------------------------------------------
    def execute(self, source: bytes | str, chunkname: str, *args: Any) -> tuple[Any, ...]:
        """Compile and run a chunk; return its raw Lua results.

        ``chunkname`` follows Lua: ``@path`` makes errors read ``path:LINE: msg``. ``args``
        (converted with :meth:`to_lua`) reach the chunk as ``...``. Raises
        :class:`LuaScriptError` with the message and the Lua traceback.
        """
        if isinstance(source, str):
            source = source.encode("utf-8")
        outcome = self._p().run(source, chunkname.encode("utf-8"), *(self.to_lua(a) for a in args))
        if outcome[0]:
            results = outcome[1]
            return tuple(results[i] for i in range(1, int(results[b"n"]) + 1))
        message, traceback = outcome[1], outcome[2]
        if traceback is None:
            raise LuaScriptError(_text(message), syntax=True)
        raise LuaScriptError(_text(message), _clean_traceback(_text(traceback)))

    def run_module_file(self, source: bytes, chunkname: str, *args: Any) -> Any:
        """Run a Lua module's source (e.g. ``lua/assay/rauthy.lua``) and return its value.

        Used by Python-backed module loaders: ``args`` reach the chunk as ``...`` (e.g. a
        table of native functions), and the chunk's first result is the module.
        """
        results = self.execute(source, chunkname, *args)
        return results[0] if results else None

    def close(self) -> None:
        """Release what builtins hold (e.g. the pooled HTTP client)."""
        closers, self._closers = self._closers, []
        for closer in reversed(closers):
            closer()

    def on_close(self, closer: Callable[[], None]) -> None:
        """Register a cleanup run by :meth:`close` (for resources a builtin opens lazily)."""
        self._closers.append(closer)


def _policy_from_env() -> Policy | None:
    # The policy package is imported only when a policy is asked for (start-up is measured).
    if not os.environ.get("ASSAY_POLICY_FILE"):
        return None
    from assay_py.host.policy import from_env

    return from_env()


def _write_stdout(data: bytes) -> None:
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8", "replace"))
        return
    # Straight to the byte buffer: print must keep non-UTF-8 bytes as they are.
    buffer.write(data)
    if stream.line_buffering:
        buffer.flush()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _clean_traceback(traceback: str) -> str:
    # Drop the host's own frames (the runner and xpcall) from the bottom of the stack.
    lines = traceback.strip("\n").split("\n")
    # The xpcall line reads "in function 'xpcall'" on LuaJIT, "in upvalue 'xpcall'" on 5.5.
    kept = [
        line
        for line in lines
        if HOST_CHUNK_MARK not in line
        and not (line.lstrip().startswith("[C]:") and "'xpcall'" in line)
    ]
    return "\n".join(kept)


def _is_lua_error(exc: BaseException) -> bool:
    return isinstance(exc, (LuaScriptError, lupa_engine().LuaError))


def error_text(exc: BaseException) -> str:
    """The text a Lua script sees for a Python exception."""
    text = str(exc)
    if isinstance(exc, lupa_engine().LuaError):
        # lupa appends a traceback to errors of Lua functions called from Python.
        text = text.split("\nstack traceback:", 1)[0]
    return text if text else type(exc).__name__
