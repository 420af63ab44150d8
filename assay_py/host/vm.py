"""The Lua VM: one LuaJIT state with the assay globals, and the bridge to Python callables.

Every Python callable handed to Lua goes through :meth:`LuaVM.function`, which turns a Python
exception into a Lua *string* error (so ``pcall`` + ``string.find(err, ...)`` works as on the
original runtime) and converts return values with :func:`to_lua`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from assay_py.host._convert import from_lua, to_lua
from assay_py.host._engine import lupa_engine
from assay_py.host._prelude import (
    BRIDGE,
    BRIDGE_CHUNKNAME,
    HOST_CHUNK_MARK,
    PRELUDE,
    PRELUDE_CHUNKNAME,
)
from assay_py.host.errors import LuaScriptError
from assay_py.host.registry import BUILTIN_GLOBALS

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


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    # Lua must not walk from a Python object to its attributes (and from there to anything).
    raise AttributeError("Python attributes are not reachable from Lua")


class LuaVM:
    """A LuaJIT state. Builtins install themselves with ``install(vm)`` (see host/builtins)."""

    def __init__(self, *, builtins: Sequence[str] = BUILTINS) -> None:
        engine = lupa_engine()
        # encoding=None keeps Lua strings as bytes, so non-UTF-8 data is never mangled.
        self.lua: Any = engine.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny_attributes,
        )
        self.globals: Any = self.lua.globals()
        self._closers: list[Callable[[], None]] = []
        self._json: Any = None
        self._wrap = self.lua.execute(BRIDGE, name=BRIDGE_CHUNKNAME)
        self._private: Any = self.lua.execute(PRELUDE, self._hooks(), name=PRELUDE_CHUNKNAME)
        self._run = self._private.run
        self._getmetatable = self._private.getmetatable
        self._builtins = tuple(builtins)
        lazy = {g.name: g.module for g in BUILTIN_GLOBALS.values() if g.module in self._builtins}
        self._private.lazy_globals(
            self.lua.table_from({g.encode(): m.encode() for g, m in lazy.items()}),
            self.lua.table_from([m.encode() for m in self._builtins]),
            self.function(lambda module: self._install(module.decode())),
        )
        for name in self._builtins:
            if name not in lazy.values():
                self._install(name)
        blocked = os.environ.get("ASSAY_BLOCK_GLOBALS")
        if blocked:
            self._private.block(blocked.encode())

    def _hooks(self) -> Any:
        return self.lua.table_from(
            {
                b"write": self.function(_write_stdout),
                b"builtin_loader": self.function(self._builtin_loader),
                b"module_dirs": self.lua.table_from([d.encode() for d in module_dirs()]),
                b"path": None if "LUA_PATH" in os.environ else _DEFAULT_PATH.encode(),
            }
        )

    def _install(self, name: str) -> None:
        module_name = f"assay_py.host.builtins.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return  # not written yet: run without that global
            raise
        module.install(self)

    def install_all(self) -> None:
        """Install every builtin now, in BUILTINS order (normally each waits for first use)."""
        self._private.install_all(self.lua.table_from([m.encode() for m in self._builtins]))

    def _builtin_loader(self, name: bytes) -> Any:
        from assay_py.host import registry

        entry = registry.find(name.decode("utf-8", "replace"))
        if entry is None:
            return None
        return self.function(lambda *_: registry.load(entry, self))

    # -- values -------------------------------------------------------------------------
    def to_lua(self, value: Any) -> Any:
        return to_lua(self.lua, value)

    def from_lua(self, value: Any) -> Any:
        return from_lua(value, self._getmetatable)

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
        if self._json is None:
            from assay_py.host._json_codec import CHUNKNAME, LUA_JSON

            self._json = self.lua.execute(LUA_JSON, name=CHUNKNAME)
        return self._json

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

        return self._wrap(call)

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
            level = 0 if _is_lua_error(exc) else 2
            return False, error_text(exc).encode("utf-8", "replace"), level

    def set_global(self, name: str, value: Any) -> None:
        self.globals[name.encode()] = value

    # -- running code -------------------------------------------------------------------
    def execute(self, source: bytes | str, chunkname: str, *args: Any) -> tuple[Any, ...]:
        """Compile and run a chunk; return its raw Lua results.

        ``chunkname`` follows Lua: ``@path`` makes errors read ``path:LINE: msg``. ``args``
        (converted with :meth:`to_lua`) reach the chunk as ``...``. Raises
        :class:`LuaScriptError` with the message and the Lua traceback.
        """
        if isinstance(source, str):
            source = source.encode("utf-8")
        outcome = self._run(source, chunkname.encode("utf-8"), *(self.to_lua(a) for a in args))
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
    kept = [
        line for line in lines if HOST_CHUNK_MARK not in line and "in function 'xpcall'" not in line
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
