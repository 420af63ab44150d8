"""Running a global's first use inside a coroutine, as the original's workflow workers do."""

from __future__ import annotations

from typing import Any

from assay_py.host.vm import LuaVM


def first_use_in_coroutine(body: str) -> Any:
    """Run ``body`` (a Lua function body) in a coroutine on a fresh VM whose globals are
    installed lazily, so the global it touches is built there; returns its first result."""
    vm = LuaVM()
    try:
        results = vm.execute(f"return coroutine.wrap(function() {body} end)()", "=test")
    finally:
        vm.close()
    return results[0] if results else None
