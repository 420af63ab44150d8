"""``LuaHost``: run assay Lua code from Python."""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType

from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: see assay_py.host
if TYPE_CHECKING:
    from typing import Any, Literal

    from assay_py.host._engine import EngineName
    from assay_py.host.gate import ApprovalConfig, Mode
    from assay_py.host.policy import Policy


def strip_shebang(source: bytes) -> bytes:
    """Blank out a ``#!`` first line, keeping its newline so line numbers do not shift."""
    if not source.startswith(b"#!"):
        return source
    newline = source.find(b"\n")
    return b"" if newline < 0 else source[newline:]


class LuaHost:
    """A Lua VM with every assay global, for Python callers.

    >>> with LuaHost() as host:
    ...     host.run_string("return 1 + 1, {a = true}")
    [2, {'a': True}]

    ``args`` become the global ``arg`` (``arg[1..n]``; :meth:`run_file` sets ``arg[0]``).
    ``engine`` is ``"luajit"`` or ``"5.5"`` (default: ``$ASSAY_LUA``, else LuaJIT).
    ``policy`` (:class:`~assay_py.host.policy.Policy`; default: the file ``$ASSAY_POLICY_FILE``
    names, if set) narrows what scripts may require, read and send.
    ``mode`` is ``"readonly"``, ``"approval"`` or ``"unrestricted"`` (default: from
    ``ASSAY_APPROVAL`` / ``ASSAY_READONLY``); ``approval`` the grants of an approval replay
    (see :mod:`assay_py.host.gate`).
    Errors raise :class:`~assay_py.host.errors.LuaScriptError`.
    """

    def __init__(
        self,
        args: Sequence[str] | None = None,
        *,
        engine: EngineName | str | None = None,
        policy: Policy | None = None,
        mode: Mode | Literal["unrestricted"] | None = None,
        approval: ApprovalConfig | None = None,
    ) -> None:
        self.vm = LuaVM(engine=engine, policy=policy, mode=mode, approval=approval)
        self._args = None if args is None else list(args)
        if self._args is not None:
            self._set_arg(None)

    @property
    def engine(self) -> EngineName:
        """The engine this host runs: ``"luajit"`` or ``"5.5"``."""
        return self.vm.engine

    @property
    def globals(self) -> Any:
        """The Lua globals table (a lupa table; string keys are bytes)."""
        return self.vm.globals

    def run_string(self, code: str | bytes, chunkname: str = "<string>") -> list[Any]:
        """Run a chunk of Lua code; return its results converted to Python values."""
        source = code.encode("utf-8") if isinstance(code, str) else code
        results = self.vm.execute(strip_shebang(source), "@" + chunkname)
        return [self.vm.from_lua(value) for value in results]

    def run_file(self, path: str | os.PathLike[str]) -> list[Any]:
        """Run a Lua file (chunk name ``@path``, so errors read ``path:LINE: msg``)."""
        name = os.fspath(path)
        with open(name, "rb") as handle:
            source = handle.read()
        if self._args is not None:
            self._set_arg(name)
        return self.run_string(source, name)

    def _set_arg(self, script: str | None) -> None:
        table = self.vm.lua.table()
        for index, value in enumerate(self._args or (), 1):
            table[index] = value.encode("utf-8", "surrogateescape")
        if script is not None:
            table[0] = script.encode("utf-8", "surrogateescape")
        self.vm.set_global("arg", table)

    def close(self) -> None:
        self.vm.close()

    def __enter__(self) -> LuaHost:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
