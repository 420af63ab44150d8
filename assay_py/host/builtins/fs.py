"""The ``fs`` global: ``read``, ``write``, ``exists``, ``mkdir``, ``list``, ``remove``, ``stat``.

Paths are Lua strings decoded as UTF-8 with ``surrogateescape``, so any byte path works.
I/O errors read like the original's: ``fs.read: failed to read "p": No such file or
directory (os error 2)``.
"""

from __future__ import annotations

import contextlib
import os
import stat as stat_mode
from collections.abc import Callable
from typing import Any

from assay_py.host.builtins._args import lua_text
from assay_py.host.vm import LuaVM


class FsError(OSError):
    """An I/O failure, worded for the script."""


def _path(raw: Any, fn: str) -> str:
    return lua_text(raw, f"fs.{fn}: path").decode("utf-8", "surrogateescape")


def _failed(fn: str, doing: str, path: str, why: OSError | str) -> FsError:
    if isinstance(why, OSError):
        # Rust's io::Error wording, which scripts of the original may match on.
        why = f"{why.strerror} (os error {why.errno})" if why.strerror else str(why)
    shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return FsError(f'fs.{fn}: failed to {doing} "{shown}": {why}')


def read(raw_path: Any = None) -> bytes:
    path = _path(raw_path, "read")
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise _failed("read", "read", path, exc) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _failed("read", "read", path, "stream did not contain valid UTF-8") from None
    return data


def write(raw_path: Any = None, content: Any = None) -> None:
    path = _path(raw_path, "write")
    data = lua_text(content, "fs.write: content")
    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise _failed("write", "write", path, exc) from None


def exists(raw_path: Any = None) -> bool:
    return os.path.exists(_path(raw_path, "exists"))


def mkdir(raw_path: Any = None) -> None:
    path = _path(raw_path, "mkdir")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise _failed("mkdir", "create directory", path, exc) from None


def list_dir(raw_path: Any = None) -> list[dict[str, str]]:
    path = _path(raw_path, "list")
    try:
        with os.scandir(path) as entries:
            listing = [{"name": entry.name, "type": _entry_type(entry)} for entry in entries]
    except OSError as exc:
        raise _failed("list", "list directory", path, exc) from None
    return sorted(listing, key=lambda item: item["name"].encode("utf-8", "surrogateescape"))


def _entry_type(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "symlink"
    return "directory" if entry.is_dir(follow_symlinks=False) else "file"


def remove(raw_path: Any = None) -> None:
    path = _path(raw_path, "remove")
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil  # rarely needed; keeps start-up lean

            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as exc:
        raise _failed("remove", "remove", path, exc) from None


def stat(raw_path: Any = None) -> dict[str, Any]:
    """Size and kind of what the path leads to (links followed); ``is_symlink`` from the
    path itself. ``modified``/``created`` are whole Unix seconds, absent where unknown."""
    path = _path(raw_path, "stat")
    try:
        link = target = os.lstat(path)
    except OSError as exc:
        raise _failed("stat", "stat", path, exc) from None
    if stat_mode.S_ISLNK(link.st_mode):
        with contextlib.suppress(OSError):  # a dangling link: describe the link itself
            target = os.stat(path)
    info: dict[str, Any] = {
        "size": target.st_size,
        "is_file": stat_mode.S_ISREG(target.st_mode),
        "is_dir": stat_mode.S_ISDIR(target.st_mode),
        "is_symlink": stat_mode.S_ISLNK(link.st_mode),
        "modified": int(target.st_mtime),
    }
    created = getattr(target, "st_birthtime", None)
    if created is not None:
        info["created"] = int(created)
    return info


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "read": read,
        "write": write,
        "exists": exists,
        "mkdir": mkdir,
        "list": list_dir,
        "remove": remove,
        "stat": stat,
    }
    vm.set_global("fs", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
