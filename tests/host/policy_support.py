"""Shared by the policy tests: a host under a policy written as YAML, on either engine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assay_py.host import LuaHost
from assay_py.host.policy import Policy

ENGINES = ["luajit", "5.5"]
_POSITION = re.compile(r"^[^:\n]+:\d+: ")


@contextmanager
def policed(yaml_text: str, engine: str) -> Iterator[LuaHost]:
    with LuaHost(engine=engine, policy=Policy.from_text(yaml_text)) as host:
        yield host


def run(host: LuaHost, code: str) -> Any:
    results = host.run_string(code)
    return results[0] if len(results) == 1 else results


def error_of(host: LuaHost, code: str) -> str:
    """The error a chunk raises (run inside pcall), position prefix removed."""
    ok, err = host.run_string(f"return pcall(function() {code} end)")
    assert ok is False, f"expected an error from: {code}"
    assert isinstance(err, str)
    return _POSITION.sub("", err, count=1)
