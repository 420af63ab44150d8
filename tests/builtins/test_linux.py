"""linux: /proc readers, checked against what /proc itself says."""

from __future__ import annotations

import os
import sys

import pytest

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_kernel(lua: Lua) -> None:
    version, hostname, btime, os_id = lua(
        "local k = linux.kernel(); return k.version, k.hostname, k.btime, k.os_release.ID"
    )
    with open("/proc/version") as file:
        assert version.decode() == file.read().strip()
    assert hostname.decode() == os.uname().nodename
    assert 0 < btime < 2**40
    if os.path.exists("/etc/os-release"):
        assert isinstance(os_id, bytes)


def test_uptime_and_loadavg(lua: Lua) -> None:
    up, idle, one, five, fifteen, running, total, last = lua(
        "local u, l = linux.uptime(), linux.loadavg() "
        "return u.uptime_secs, u.idle_secs, l.one, l.five, l.fifteen, l.running, l.total,"
        " l.last_pid"
    )
    assert up > 0 and idle >= 0
    assert abs(one - os.getloadavg()[0]) < 5
    assert five >= 0 and fifteen >= 0
    assert 1 <= running <= total
    assert last > 0


def test_cpu_stat_and_percent(lua: Lua) -> None:
    got = lua(
        """
        local all, cores = linux.cpu_stat(), linux.cpu_stat_per_core()
        local same = linux.cpu_percent(all, all).total_pct
        local busy = linux.cpu_percent({user = 0, idle = 0}, {user = 30, idle = 10}).total_pct
        local odd = linux.cpu_percent({user = 50}, {user = 10, idle = 5}).total_pct
        return all.user >= 0 and all.idle > 0, #cores, cores[1].cpu, same, busy, odd
        """
    )
    assert got == (True, os.cpu_count(), 0, 0.0, 75.0, 0.0)
    assert lua.error("linux.cpu_percent({}, 5)") == (
        "linux.cpu_percent: bad argument #2: error converting Lua integer to table"
    )


def test_meminfo_in_bytes(lua: Lua) -> None:
    total, free, available = lua("local m = linux.meminfo(); return m.total, m.free, m.available")
    with open("/proc/meminfo") as file:
        first = file.readline().split()
    assert total == int(first[1]) * 1024
    assert 0 <= free <= total
    assert available is None or 0 <= available <= total


def test_netdev_and_diskstats(lua: Lua) -> None:
    names, has_lo_bytes, disk_fields = lua(
        """
        local names, lo = {}, false
        for _, d in ipairs(linux.netdev()) do
          names[#names + 1] = d.name
          if d.name == "lo" then lo = d.rx_bytes >= 0 and d.tx_packets >= 0 end
        end
        local disks = linux.diskstats()
        local n = 0
        if disks[1] then for _ in pairs(disks[1]) do n = n + 1 end end
        return table.concat(names, ","), lo, n
        """
    )
    listed = names.decode().split(",")
    assert listed == sorted(listed)
    assert has_lo_bytes is True
    assert disk_fields in (0, 11)


def test_proc_stat_and_status_of_this_process(lua: Lua) -> None:
    pid = os.getpid()
    got = lua(
        f"""
        local s, t = linux.proc_stat({pid}), linux.proc_status({pid})
        return s.pid, s.ppid, s.state, s.num_threads >= 1, s.rss_pages > 0, t.pid, t.uid,
               t.vm_rss > 0, t.name == s.comm
        """
    )
    assert got[:2] == (pid, os.getppid())
    assert got[2] in (b"R", b"S", b"D")
    assert got[3:] == (True, True, pid, os.getuid(), True, True)


def test_proc_errors(lua: Lua) -> None:
    assert lua.error("linux.proc_stat(2147483647)") == (
        "linux.proc_stat(2147483647): File not found: /proc/2147483647"
    )
    assert lua.error("linux.proc_status(2147483647)") == (
        "linux.proc_status(2147483647): File not found: /proc/2147483647"
    )
    assert lua.error('linux.proc_status("x")') == (
        "linux.proc_status: bad argument #1: error converting Lua string to i32"
        " (expected number or string coercible to number)"
    )
    assert lua.error("linux.proc_stat(1099511627776)") == (
        "linux.proc_stat: bad argument #1: error converting Lua integer to i32 (out of range)"
    )


def test_pid_may_be_a_numeric_string_or_a_fraction(lua: Lua) -> None:
    pid = os.getpid()
    assert lua(f'return linux.proc_stat("{pid}").pid, linux.proc_status({pid}.7).pid') == (
        pid,
        pid,
    )


def test_load_averages_are_widened_from_single_precision(lua: Lua) -> None:
    import struct

    one = lua("return linux.loadavg().one")
    assert struct.unpack("f", struct.pack("f", one))[0] == one


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine("return linux.meminfo().total > 0") is True
