"""A real LuaVM with the builtins under test installed, and helpers to run Lua in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from assay_py.host import LuaHost
from assay_py.host.builtins import (
    assert_,
    base64,
    clock,
    compress,
    crypto,
    disk,
    env,
    fs,
    json,
    linux,
    log,
    markdown,
    os,
    regex,
    tar,
    template,
    toml,
    yaml,
)
from assay_py.host.vm import LuaVM

INSTALLERS = (
    assert_,
    json,
    log,
    env,
    clock,
    os,
    base64,
    crypto,
    disk,
    yaml,
    fs,
    toml,
    regex,
    template,
    markdown,
    compress,
    tar,
    linux,
)
CHUNK = "=test"
# Builtin errors carry the calling line, like any Lua error: "test:1: fs.read: ...".
_POSITION = re.compile(r"^test:\d+: ")


@pytest.fixture
def vm() -> LuaVM:
    machine = LuaVM(builtins=())  # only the globals under test, installed below
    for module in INSTALLERS:
        module.install(machine)
    return machine


class Lua:
    def __init__(self, vm: LuaVM) -> None:
        self.vm = vm

    def __call__(self, code: str) -> Any:
        """Run a chunk and return its values (several values come back as a tuple)."""
        return self.vm.lua.execute(code.encode(), name=CHUNK)

    def error(self, code: str) -> str:
        """Run a chunk that must fail; return the error text without its position prefix."""
        wrapped = b"return pcall(function() " + code.encode() + b" end)"
        ok, err = self.vm.lua.execute(wrapped, name=CHUNK)
        assert ok is False, f"expected an error from: {code}"
        assert isinstance(err, bytes), f"error value is not a string: {err!r}"
        return _POSITION.sub("", err.decode("utf-8", "replace"), count=1)


@pytest.fixture
def lua(vm: LuaVM) -> Lua:
    return Lua(vm)


class HostLua:
    """Lua run through a real LuaHost: every global, installed lazily on first use."""

    def __init__(self, host: LuaHost) -> None:
        self.host = host

    def __call__(self, code: str) -> Any:
        """Run a chunk; return its single value, or a list when it returns several."""
        results = self.host.run_string(code, "test")
        return results[0] if len(results) == 1 else results

    def error(self, code: str) -> str:
        """Run a chunk that must fail; return the error text without its position prefix."""
        ok, err = self.host.run_string(f"return pcall(function() {code} end)", "test")
        assert ok is False, f"expected an error from: {code}"
        assert isinstance(err, str), f"error value is not a string: {err!r}"
        return _POSITION.sub("", err, count=1)


@pytest.fixture
def host_lua() -> Iterator[HostLua]:
    with LuaHost() as host:
        yield HostLua(host)
