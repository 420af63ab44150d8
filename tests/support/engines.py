"""The Lua engine this test run uses, and expectations that differ between engines.

Every Lua-running test uses the engine of ``$ASSAY_LUA`` (LuaHost, LuaVM and the command all
default to it), so ``ASSAY_LUA=5.5 pytest`` runs the suite on Lua 5.5. Where the engines
differ on purpose (numbers: Lua 5.5 has an integer subtype; LuaJIT's own stdlib), a test
states both expectations with :func:`per_engine` or keeps to one engine with a mark.
"""

from __future__ import annotations

from typing import TypeVar

import pytest

from assay_py.host._engine import engine_name

ENGINE = engine_name()
LUAJIT = ENGINE == "luajit"
LUA55 = ENGINE == "5.5"

luajit_only = pytest.mark.skipif(not LUAJIT, reason="LuaJIT behaviour (ASSAY_LUA=5.5 run)")
lua55_only = pytest.mark.skipif(not LUA55, reason="Lua 5.5 behaviour (ASSAY_LUA=luajit run)")

T = TypeVar("T")


def per_engine(luajit: T, lua55: T) -> T:
    """The expectation for the engine of this run."""
    return luajit if LUAJIT else lua55
