"""The ``os`` global: Lua's own ``os`` table plus ``hostname()``, ``arch()``, ``platform()``,
with ``date``, ``time`` and ``clock`` as the original defines them (see :mod:`.os_date`).

The original runtime replaced ``os`` with a reduced table (no ``getenv``); assay-py keeps the
rest of Lua's table, so scripts written against the documented ``os.getenv`` also run.
``arch`` and ``platform`` use the names the original reports (Rust's target names).
"""

from __future__ import annotations

import os
import sys

from assay_py.host.vm import LuaVM

_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "arm64": "aarch64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "ppc64le": "powerpc64",
    "ppc64": "powerpc64",
}

_PLATFORM_PREFIXES = (("darwin", "macos"), ("win32", "windows"), ("cygwin", "windows"))


def _uname() -> tuple[str, str]:
    """(hostname, machine). ``platform`` costs ~10 ms to import, so only where ``os.uname``
    is missing (Windows)."""
    if hasattr(os, "uname"):
        info = os.uname()
        return info.nodename, info.machine
    import platform

    return platform.node(), platform.machine()


def arch_name(machine: str) -> str:
    """Rust's name for a machine as ``uname -m`` (or Windows) spells it."""
    machine = machine.lower()
    if machine.startswith("armv"):
        return "arm"
    return _ARCH_ALIASES.get(machine, machine)


def platform_name(system: str) -> str:
    """Rust's name for a platform as ``sys.platform`` spells it."""
    for prefix, name in _PLATFORM_PREFIXES:
        if system.startswith(prefix):
            return name
    # "linux", "freebsd13" -> "freebsd", ...: Rust names carry no version digits.
    return system.rstrip("0123456789")


def install(vm: LuaVM) -> None:
    lua_os = vm.globals.os
    lua_os[b"hostname"] = vm.function(lambda: _uname()[0])
    lua_os[b"arch"] = vm.function(lambda: arch_name(_uname()[1]))
    lua_os[b"platform"] = vm.function(lambda: platform_name(sys.platform))
    from assay_py.host.builtins import os_date

    lua_os[b"date"] = vm.function(os_date.date)
    lua_os[b"time"] = vm.function(os_date.os_time)
    lua_os[b"clock"] = vm.function(os_date.clock_function(vm.started))
