from __future__ import annotations

import os
import socket
import sys
import time

import pytest

from assay_py.host.builtins.os import arch_name
from tests.builtins.conftest import Lua


def test_time_is_fractional_unix_seconds(lua: Lua) -> None:
    before = time.time()
    now = lua("return time()")
    after = time.time()
    assert isinstance(now, float)
    assert before <= now <= after


def test_sleep_waits_at_least_the_given_fraction(lua: Lua) -> None:
    started = time.monotonic()
    assert lua("return sleep(0.05)") is None
    assert time.monotonic() - started >= 0.05


def test_sleep_returns_no_value_at_all(lua: Lua) -> None:
    # As the original's: nothing, not a nil, whether it blocks or yields to the scheduler.
    assert lua('return select("#", sleep(0))') == 0
    inside = "return coroutine.wrap(function() return select('#', sleep(0.01)) end)()"
    assert lua(inside) == 0


def test_sleep_zero_is_allowed(lua: Lua) -> None:
    assert lua("sleep(0); return true") is True


COERCIBLE = "(expected number or string coercible to number)"


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("-1", "sleep: seconds must be a finite number >= 0, got -1"),
        ("0/0", "sleep: seconds must be a finite number >= 0, got nan"),
        ("1/0", "sleep: seconds must be a finite number >= 0, got inf"),
        # An f64, as the original declares it.
        ('"x"', "bad argument #1: error converting Lua string to f64 " + COERCIBLE),
        ("{}", "bad argument #1: error converting Lua table to f64 " + COERCIBLE),
        ("", "bad argument #1: error converting Lua nil to f64 " + COERCIBLE),
    ],
)
def test_sleep_rejects_bad_durations(lua: Lua, arg: str, message: str) -> None:
    assert lua.error(f"sleep({arg})") == message


def test_sleep_reads_a_numeric_string(lua: Lua) -> None:
    assert lua('sleep("0.001") return 1') == 1


def test_os_hostname_arch_platform(lua: Lua) -> None:
    hostname, arch, platform = lua("return os.hostname(), os.arch(), os.platform()")
    assert hostname.decode() == socket.gethostname()
    assert arch.decode() == arch_name(os.uname().machine)
    expected = {"linux": "linux", "darwin": "macos", "win32": "windows"}[sys.platform]
    assert platform.decode() == expected


def test_luajit_os_stays_whole(lua: Lua, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_PY_TEST_OS", "seen")
    got = lua(
        'return os.getenv("ASSAY_PY_TEST_OS"), type(os.exit), type(os.time()), type(os.clock())'
    )
    assert got == (b"seen", b"function", b"number", b"number")


def test_os_clock_counts_from_the_vm_start_not_from_first_use() -> None:
    # The os global installs lazily; its clock still starts with the VM, as the original's.
    import time

    from assay_py.host.vm import LuaVM

    machine = LuaVM()
    try:
        low = time.monotonic() - machine.started
        elapsed = machine.execute("return os.clock()", "=test")[0]
        high = time.monotonic() - machine.started
    finally:
        machine.close()
    assert low <= elapsed <= high
