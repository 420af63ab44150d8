"""The ``linux`` global: readers of ``/proc``, with the original's names and shapes.

``kernel()`` ``{version, hostname, os_release = {KEY = value}, btime}``; ``uptime()``
``{uptime_secs, idle_secs}``; ``loadavg()`` ``{one, five, fifteen, running, total, last_pid}``;
``cpu_stat()`` (all CPUs) and ``cpu_stat_per_core()`` (a list, each with ``cpu``) in clock
ticks ``{user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice}``;
``cpu_percent(prev, curr)`` ``{total_pct}``; ``meminfo()`` in bytes (every ``/proc/meminfo``
line the original maps, times 1024 as it does, the ``HugePages_*`` counts included);
``netdev()`` sorted by name; ``diskstats()``; ``proc_stat(pid)`` and ``proc_status(pid)``.

Off Linux the table is empty, as on the original (``linux.kernel ~= nil`` tells support).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import bad_argument, coerced_number, mlua_type_name
from assay_py.host.vm import LuaVM

_CPU_FIELDS = (
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"
)  # fmt: skip
# /proc/meminfo keys and the names the original gives them.
_MEMINFO = {
    "MemTotal": "total", "MemFree": "free", "MemAvailable": "available",
    "Buffers": "buffers", "Cached": "cached", "SwapCached": "swap_cached",
    "Active": "active", "Inactive": "inactive", "Active(anon)": "active_anon",
    "Inactive(anon)": "inactive_anon", "Active(file)": "active_file",
    "Inactive(file)": "inactive_file", "Unevictable": "unevictable", "Mlocked": "mlocked",
    "HighTotal": "high_total", "HighFree": "high_free", "LowTotal": "low_total",
    "LowFree": "low_free", "SwapTotal": "swap_total", "SwapFree": "swap_free",
    "Dirty": "dirty", "Writeback": "writeback", "AnonPages": "anon_pages", "Mapped": "mapped",
    "Shmem": "shmem", "Slab": "slab", "SReclaimable": "s_reclaimable",
    "SUnreclaim": "s_unreclaim", "KernelStack": "kernel_stack", "PageTables": "page_tables",
    "NFS_Unstable": "nfs_unstable", "Bounce": "bounce", "WritebackTmp": "writeback_tmp",
    "CommitLimit": "commit_limit", "Committed_AS": "committed_as",
    "VmallocTotal": "vmalloc_total", "VmallocUsed": "vmalloc_used",
    "VmallocChunk": "vmalloc_chunk", "HardwareCorrupted": "hardware_corrupted",
    "AnonHugePages": "anon_hugepages", "ShmemHugePages": "shmem_hugepages",
    "ShmemPmdMapped": "shmem_pmd_mapped", "CmaTotal": "cma_total", "CmaFree": "cma_free",
    "HugePages_Total": "hugepages_total", "HugePages_Free": "hugepages_free",
    "HugePages_Rsvd": "hugepages_rsvd", "HugePages_Surp": "hugepages_surp",
    "Hugepagesize": "hugepagesize", "DirectMap4k": "direct_map_4k",
    "DirectMap2M": "direct_map_2m", "DirectMap1G": "direct_map_1g", "Hugetlb": "hugetlb",
    "Percpu": "per_cpu", "KReclaimable": "k_reclaimable", "Zswap": "z_swap",
    "Zswapped": "z_swapped",
}  # fmt: skip
_DISK_FIELDS = (
    "reads", "reads_merged", "sectors_read", "ms_read", "writes", "writes_merged",
    "sectors_written", "ms_write", "in_progress", "ms_io",
)  # fmt: skip
_NET_RX = {0: "rx_bytes", 1: "rx_packets", 2: "rx_errs", 3: "rx_drop"}
_NET_TX = {8: "tx_bytes", 9: "tx_packets", 10: "tx_errs", 11: "tx_drop"}


class LinuxError(OSError):
    """A /proc file that could not be read or made sense of."""


def _read(path: str, where: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError as exc:
        why = f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)
        raise LinuxError(f"{where}: {path}: {why}") from None


def kernel() -> dict[str, Any]:
    version = _read("/proc/version", "linux.kernel").strip()
    hostname = _read("/proc/sys/kernel/hostname", "linux.kernel").strip()
    btime = _btime(_read("/proc/stat", "linux.kernel"))
    release: dict[str, str] = {}
    try:
        with open("/etc/os-release", encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        lines = []
    for raw in lines:
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            release[key] = value.strip('"')
    return {"version": version, "hostname": hostname, "os_release": release, "btime": btime}


def _btime(stat: str) -> int:
    for line in stat.splitlines():
        if line.startswith("btime "):
            return int(line.split()[1])
    raise LinuxError("linux.kernel: /proc/stat: no btime line")


def uptime() -> dict[str, float]:
    fields = _read("/proc/uptime", "linux.uptime").split()
    return {"uptime_secs": float(fields[0]), "idle_secs": float(fields[1])}


def loadavg() -> dict[str, Any]:
    one, five, fifteen, tasks, last = _read("/proc/loadavg", "linux.loadavg").split()[:5]
    running, _, total = tasks.partition("/")
    # Read as single precision and widened, as the original does (0.52 -> 0.5199999809265137).
    return {
        "one": _single(one),
        "five": _single(five),
        "fifteen": _single(fifteen),
        "running": int(running),
        "total": int(total),
        "last_pid": int(last),
    }


def _single(text: str) -> float:
    import struct

    return float(struct.unpack("f", struct.pack("f", float(text)))[0])


def _cpu_rows(where: str) -> list[tuple[str, dict[str, int]]]:
    rows = []
    for line in _read("/proc/stat", where).splitlines():
        if line.startswith("cpu"):
            name, *values = line.split()
            rows.append((name, {f: int(v) for f, v in zip(_CPU_FIELDS, values, strict=False)}))
    if not rows:
        raise LinuxError(f"{where}: /proc/stat: no cpu lines")
    return rows


def cpu_stat() -> dict[str, int]:
    return _cpu_rows("linux.cpu_stat")[0][1]


def cpu_stat_per_core() -> list[dict[str, int]]:
    cores = [row for name, row in _cpu_rows("linux.cpu_stat_per_core") if name != "cpu"]
    return [{**row, "cpu": index} for index, row in enumerate(cores)]


def cpu_percent(prev: Any = None, curr: Any = None) -> dict[str, float]:
    engine = lupa_engine()
    for position, value in ((1, prev), (2, curr)):
        if engine.lua_type(value) != "table":
            raise TypeError(f"linux.cpu_percent: {bad_argument(position, value, 'table')}")
    total = busy = 0
    for field in _CPU_FIELDS:
        delta = max(0, _jiffies(curr, field) - _jiffies(prev, field))
        total += delta
        if field != "idle":
            busy += delta
    return {"total_pct": 0.0 if total == 0 else 100.0 * busy / total}


def _jiffies(table: Any, field: str) -> int:
    value = table[field.encode()]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0  # missing or not a number counts as 0, as on the original
    return max(0, int(value))


def meminfo() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in _read("/proc/meminfo", "linux.meminfo").splitlines():
        key, _, rest = line.partition(":")
        name = _MEMINFO.get(key.strip())
        if name is not None and rest.split():
            out[name] = int(rest.split()[0]) * 1024
    return out


def netdev() -> list[dict[str, Any]]:
    devices = []
    for line in _read("/proc/net/dev", "linux.netdev").splitlines()[2:]:
        name, _, counters = line.partition(":")
        values = [int(v) for v in counters.split()]
        row: dict[str, Any] = {"name": name.strip()}
        row.update({key: values[i] for i, key in {**_NET_RX, **_NET_TX}.items()})
        devices.append(row)
    return sorted(devices, key=lambda d: str(d["name"]))


def diskstats() -> list[dict[str, Any]]:
    disks = []
    for line in _read("/proc/diskstats", "linux.diskstats").splitlines():
        fields = line.split()
        if len(fields) < 14:
            continue
        row: dict[str, Any] = {"device": fields[2]}
        row.update({key: int(value) for key, value in zip(_DISK_FIELDS, fields[3:13], strict=True)})
        disks.append(row)
    return disks


def _pid(raw: Any, where: str) -> int:
    """The pid as the original converts it (to i32: numbers truncated, numeric strings read)."""
    number = coerced_number(raw)
    if number is None or number != number:
        raise TypeError(f"{where}: {bad_argument(1, raw, 'i32')}")
    if not -(2**31) <= number < 2**31:
        raise ValueError(
            f"{where}: bad argument #1: error converting Lua {mlua_type_name(raw)} to i32"
            " (out of range)"
        )
    return int(number)


def _read_process(pid: int, name: str, where: str) -> str:
    """A /proc/<pid> file, failing in the original's (procfs's) words."""
    for path in (f"/proc/{pid}", f"/proc/{pid}/{name}"):
        try:
            if path.endswith(name):
                with open(path, encoding="utf-8", errors="replace") as file:
                    return file.read()
            os.stat(path)
        except (FileNotFoundError, ProcessLookupError):
            raise LinuxError(f"{where}: File not found: {path}") from None
        except PermissionError:
            raise LinuxError(f"{where}: Permission Denied: {path}") from None
        except OSError as exc:
            why = f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)
            raise LinuxError(f"{where}: Unexpected IO error({path}): {why}") from None
    raise AssertionError("unreachable")


def proc_stat(raw_pid: Any = None) -> dict[str, Any]:
    pid = _pid(raw_pid, "linux.proc_stat")
    text = _read_process(pid, "stat", f"linux.proc_stat({pid})")
    # comm may hold spaces and parentheses: it runs to the last ")".
    head, _, tail = text.rpartition(")")
    comm = head.partition("(")[2]
    f = tail.split()  # f[0] is field 3 (state)
    return {
        "pid": int(head.split()[0]),
        "comm": comm,
        "state": f[0],
        "ppid": int(f[1]),
        "pgrp": int(f[2]),
        "session": int(f[3]),
        "utime": int(f[11]),
        "stime": int(f[12]),
        "priority": int(f[15]),
        "nice": int(f[16]),
        "num_threads": int(f[17]),
        "starttime": int(f[19]),
        "vsize": int(f[20]),
        "rss_pages": int(f[21]),
    }


def proc_status(raw_pid: Any = None) -> dict[str, Any]:
    pid = _pid(raw_pid, "linux.proc_status")
    fields: dict[str, str] = {}
    for line in _read_process(pid, "status", f"linux.proc_status({pid})").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    out: dict[str, Any] = {
        "name": fields.get("Name", ""),
        "state": fields.get("State", ""),
        "pid": int(fields.get("Pid", pid)),
        "ppid": int(fields.get("PPid", 0)),
        "uid": int(fields.get("Uid", "0").split()[0]),
        "gid": int(fields.get("Gid", "0").split()[0]),
        "threads": int(fields.get("Threads", 1)),
    }
    for key, name in (("VmRSS", "vm_rss"), ("VmSize", "vm_size")):
        if key in fields:
            out[name] = int(fields[key].split()[0]) * 1024
    return out


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {}
    if sys.platform.startswith("linux"):
        functions = {
            "kernel": kernel,
            "uptime": uptime,
            "loadavg": loadavg,
            "cpu_stat": cpu_stat,
            "cpu_stat_per_core": cpu_stat_per_core,
            "cpu_percent": cpu_percent,
            "meminfo": meminfo,
            "netdev": netdev,
            "diskstats": diskstats,
            "proc_stat": proc_stat,
            "proc_status": proc_status,
        }
    vm.set_global("linux", vm.table({k: vm.function(f) for k, f in functions.items()}))
