"""A real LuaHost with every global, and helpers to run Lua in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from assay_py.host import LuaHost
from tests.support.recorder import Recorder

# Builtin errors carry the calling line, like any Lua error: "<string>:1: http.get: ...".
_POSITION = re.compile(r"^[^:\n]+:\d+: ")


class Lua:
    def __init__(self, host: LuaHost) -> None:
        self.host = host

    def __call__(self, code: str) -> Any:
        """Run a chunk; return its single value, or a list when it returns several."""
        results = self.host.run_string(code)
        return results[0] if len(results) == 1 else results

    def error(self, code: str) -> str:
        """Run a chunk that must fail; return the error text without its position prefix."""
        ok, err = self.host.run_string(f"return pcall(function() {code} end)")
        assert ok is False, f"expected an error from: {code}"
        assert isinstance(err, str), f"error value is not a string: {err!r}"
        return _POSITION.sub("", err, count=1)


@pytest.fixture
def host() -> Iterator[LuaHost]:
    with LuaHost() as lua_host:
        yield lua_host


@pytest.fixture
def lua(host: LuaHost) -> Lua:
    return Lua(host)


# One loopback recorder per test module, emptied before each test that asks for ``rec``.
@pytest.fixture(scope="module")
def server() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def rec(server: Recorder) -> Recorder:
    server.reset()
    return server
