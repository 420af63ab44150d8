"""A file's creation (birth) time, where the OS records one.

``os.stat`` gives ``st_birthtime`` only on macOS, the BSDs and Windows; Linux keeps birth times
behind the ``statx`` system call, which Python's ``os`` module does not expose. We call glibc's
``statx`` through ctypes, imported on first use so start-up stays lean.
"""

from __future__ import annotations

import functools
import os
import struct
import sys

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_AT_FDCWD = -100
_STATX_BTIME = 0x800
_STATX_SIZE = 256  # sizeof(struct statx), fixed by the kernel ABI
_BTIME_OFFSET = 80  # stx_btime: after mask..attributes_mask (64 bytes) and stx_atime (16)


def birth_time(path: str, st: os.stat_result) -> float | None:
    """Seconds since the epoch when ``path`` (links followed) was created, or None."""
    birth = getattr(st, "st_birthtime", None)
    if birth is not None:
        return float(birth)
    if not sys.platform.startswith("linux"):
        return None
    statx = _statx()
    if statx is None:
        return None
    import ctypes

    buffer = ctypes.create_string_buffer(_STATX_SIZE)
    if statx(_AT_FDCWD, os.fsencode(path), 0, _STATX_BTIME, buffer) != 0:
        return None
    (mask,) = struct.unpack_from("=I", buffer.raw, 0)
    if not mask & _STATX_BTIME:
        return None  # the filesystem does not record it
    seconds, nanos = struct.unpack_from("=qI", buffer.raw, _BTIME_OFFSET)
    return float(seconds) + float(nanos) / 1e9


@functools.cache
def _statx() -> Any:
    import ctypes

    try:
        # The interpreter itself links libc; find_library would spawn ldconfig to find it.
        function = ctypes.CDLL(None, use_errno=True).statx
    except (OSError, AttributeError):  # musl before 1.2.5, or glibc before 2.28
        return None
    c = ctypes
    function.argtypes = [c.c_int, c.c_char_p, c.c_int, c.c_uint, c.c_char_p]
    function.restype = ctypes.c_int
    return function
