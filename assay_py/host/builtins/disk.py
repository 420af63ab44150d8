"""The ``disk`` global: ``usage(path)``, ``sweep(dir, age_secs)``, ``dir_size(path)``.

- ``usage`` is ``{total, free, used, percent}`` in bytes for the filesystem holding
  ``path`` (``free`` counts blocks reserved for root, as the original's statvfs ``f_bfree``).
- ``sweep`` removes the entries of ``dir`` (files and whole folders) last modified more than
  ``age_secs`` seconds ago and returns how many it removed.
- ``dir_size`` adds up the sizes of the regular files anywhere under ``path``.

``sweep`` and ``dir_size`` are the original's Lua helpers over ``fs.list``/``fs.readdir``/
``fs.stat``/``fs.remove``, done here with the same functions, so their errors read the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from assay_py.host.builtins import fs
from assay_py.host.builtins._args import bad_argument, coerced_text, lua_type_name
from assay_py.host.vm import LuaVM


def usage(raw_path: Any = None, *_: Any) -> dict[str, Any]:
    text = coerced_text(raw_path)
    if text is None:
        raise TypeError(f"disk.usage: {bad_argument(1, raw_path, 'String')}")
    path = text.decode("utf-8", "surrogateescape")
    try:
        info = os.statvfs(path)
    except (OSError, ValueError) as exc:
        why = fs.os_error_text(exc) if isinstance(exc, OSError) else f"invalid path: {exc}"
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise OSError(f'disk.usage: failed to stat "{shown}": {why}') from None
    total = info.f_blocks * info.f_frsize
    free = info.f_bfree * info.f_frsize
    percent = 0.0 if total == 0 else (total - free) / total * 100.0
    return {"total": total, "free": free, "used": total - free, "percent": percent}


def _path(value: Any, fn: str) -> bytes:
    # The helpers hand their path to fs functions, whose argument rule this is.
    text = coerced_text(value)
    if text is None:
        raise TypeError(f"{fn}: {bad_argument(1, value, 'String')}")
    return text


def sweep(raw_dir: Any = None, age: Any = None) -> int:
    folder = _path(raw_dir, "disk.sweep")
    now = time.time()
    removed = 0
    for entry in fs.list_dir(folder):
        full = folder + b"/" + entry["name"].encode("utf-8", "surrogateescape")
        info = fs.stat(full)
        # The original's helper is Lua: a bad age only fails once there is an entry to compare.
        if isinstance(age, bool) or not isinstance(age, (int, float)):
            raise TypeError(f"disk.sweep: attempt to compare {lua_type_name(age)} with number")
        if now - info["modified"] > age:
            fs.remove(full)
            removed += 1
    return removed


def dir_size(raw_path: Any = None) -> int:
    base = _path(raw_path, "disk.dir_size")
    total = 0
    for entry in fs.readdir(base):
        if entry["type"] == "file":
            total += fs.stat(base + b"/" + entry["path"].encode("utf-8", "surrogateescape"))["size"]
    return total


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "usage": usage,
        "sweep": sweep,
        "dir_size": dir_size,
    }
    vm.set_global("disk", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
