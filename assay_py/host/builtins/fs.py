"""The ``fs`` global: files and folders, with the original runtime's functions and shapes.

``read``/``write`` (text), ``read_bytes``/``write_bytes``, ``exists``, ``mkdir`` (-p), ``list``,
``readdir`` (recursive), ``remove``, ``stat``, ``copy`` (returns bytes copied), ``rename``,
``glob``, ``tempdir``, ``chmod``, ``lines`` (an iterator) and ``sub_in_file`` (Lua ``gsub``
on a file's text, rewriting it only when something matched).

Paths are Lua strings decoded as UTF-8 with ``surrogateescape``, so any byte path works.
I/O errors read like the original's: ``fs.read: failed to read "p": No such file or
directory (os error 2)``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat as stat_mode
import time
from collections.abc import Callable

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import lua_text, lua_type_name
from assay_py.host.builtins._birthtime import birth_time
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_MAX_MODE = 0xFFFFFFFF
_tempdir_sequence = itertools.count()


class FsError(OSError):
    """An I/O failure, worded for the script."""


def _path(raw: Any, fn: str) -> str:
    return lua_text(raw, f"fs.{fn}: path").decode("utf-8", "surrogateescape")


def _shown(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def os_error_text(why: OSError) -> str:
    """Rust's io::Error wording, which scripts of the original may match on."""
    return f"{why.strerror} (os error {why.errno})" if why.strerror else str(why)


def _failed(fn: str, doing: str, path: str, why: OSError | str) -> FsError:
    if isinstance(why, OSError):
        why = os_error_text(why)
    return FsError(f'fs.{fn}: failed to {doing} "{_shown(path)}": {why}')


def _failed_pair(fn: str, doing: str, src: str, dst: str, why: OSError) -> FsError:
    return FsError(
        f'fs.{fn}: failed to {doing} "{_shown(src)}" to "{_shown(dst)}": {os_error_text(why)}'
    )


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


def read_bytes(raw_path: Any = None) -> bytes:
    path = _path(raw_path, "read_bytes")
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:
        raise _failed("read_bytes", "read", path, exc) from None


def write(raw_path: Any = None, content: Any = None) -> None:
    _write("write", raw_path, content)


def write_bytes(raw_path: Any = None, content: Any = None) -> None:
    _write("write_bytes", raw_path, content)


def _write(fn: str, raw_path: Any, content: Any) -> None:
    # Lua strings are bytes already: text and binary writes differ only in their names.
    path = _path(raw_path, fn)
    data = lua_text(content, f"fs.{fn}: content")
    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise _failed(fn, "write", path, exc) from None


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
    path itself. ``modified``/``created`` are Unix seconds with their fraction (floats, as the
    original's), each absent where the OS does not know it."""
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
        "modified": _seconds(target.st_mtime_ns),
    }
    created = birth_time(path, target)
    if created is not None:
        info["created"] = created
    return info


def _seconds(nanoseconds: int) -> float:
    # Whole seconds plus the fraction, as Rust's Duration::as_secs_f64 sums them.
    whole, fraction = divmod(nanoseconds, 1_000_000_000)
    return float(whole) + float(fraction) / 1e9


def copy(raw_src: Any = None, raw_dst: Any = None) -> int:
    """Copy a file's content and permission bits (not its times); returns the bytes copied."""
    src, dst = _path(raw_src, "copy"), _path(raw_dst, "copy")
    import shutil

    try:
        if os.path.isdir(src):
            raise IsADirectoryError(21, "Is a directory")
        shutil.copyfile(src, dst)
        shutil.copymode(src, dst)
        return os.stat(dst).st_size
    except OSError as exc:
        raise _failed_pair("copy", "copy", src, dst, exc) from None


def rename(raw_src: Any = None, raw_dst: Any = None) -> None:
    """Move within one filesystem, replacing ``dst`` atomically (POSIX rename)."""
    src, dst = _path(raw_src, "rename"), _path(raw_dst, "rename")
    try:
        os.replace(src, dst)
    except OSError as exc:
        raise _failed_pair("rename", "rename", src, dst, exc) from None


def tempdir() -> str:
    """A new, empty folder under ``$TMPDIR`` (or /tmp), named ``assay-<time>-<n>``.

    Made with mode 0700 and never reused: an existing name is skipped, not adopted, so another
    user cannot prepare the folder a script is about to write into.
    """
    base = os.environ.get("TMPDIR") or "/tmp"
    while True:
        path = os.path.join(base, f"assay-{time.time_ns():x}-{next(_tempdir_sequence)}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue
        except OSError as exc:
            raise _failed("tempdir", "create", path, exc) from None


def chmod(raw_path: Any = None, mode: Any = None) -> None:
    path = _path(raw_path, "chmod")
    if isinstance(mode, bool) or not isinstance(mode, (int, float)):
        raise TypeError(f"fs.chmod: mode must be a number, got {lua_type_name(mode)}")
    if not float(mode).is_integer() or not 0 <= mode <= _MAX_MODE:
        raise ValueError(
            f"fs.chmod: mode must be a whole number from 0 to {_MAX_MODE} "
            f"(e.g. 493 for 0o755), got {mode}"
        )
    try:
        os.chmod(path, int(mode) & 0o7777)
    except OSError as exc:
        raise _failed("chmod", "chmod", path, exc) from None


def readdir(raw_path: Any = None, opts: Any = None) -> list[dict[str, str]]:
    """Every entry under a folder, depth first, each ``{path = relative path, type}``.

    ``opts.depth`` limits the levels listed (1: the folder's own entries). Links are listed,
    never followed. Entries of each folder come in byte order, so the result is stable.
    """
    if raw_path is None:
        raise TypeError("fs.readdir: path required")
    base = _path(raw_path, "readdir")
    max_depth = _depth(opts)
    found: list[dict[str, str]] = []

    def walk(folder: str, prefix: str, depth: int) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            raise _failed("readdir", "read", folder, exc) from None
        for entry in entries:
            kind = _entry_type(entry)
            relative = prefix + entry.name
            found.append({"path": relative, "type": kind})
            if kind == "directory" and (max_depth is None or depth < max_depth):
                walk(entry.path, relative + os.sep, depth + 1)

    walk(base, "", 1)
    return found


def _depth(opts: Any) -> int | None:
    if lupa_engine().lua_type(opts) != "table":
        return None
    depth = opts[b"depth"]
    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, (int, float)):
        raise TypeError(f"fs.readdir: opts.depth must be a number, got {lua_type_name(depth)}")
    if not float(depth).is_integer() or depth < 0:
        raise ValueError(f"fs.readdir: opts.depth must be a whole number >= 0, got {depth}")
    return int(depth)


def glob(raw_pattern: Any = None) -> list[str]:
    """Paths matching a shell pattern: ``*``, ``?``, ``[...]``/``[!...]`` and ``**`` for any
    number of folders. As in the original, wildcards match names starting with a dot."""
    pattern = lua_text(raw_pattern, "fs.glob: pattern").decode("utf-8", "surrogateescape")
    problem = _glob_problem(pattern)
    if problem is not None:
        position, reason = problem
        raise ValueError(
            f'fs.glob: invalid pattern "{_shown(pattern)}": '
            f"Pattern syntax error near position {position}: {reason}"
        )
    import glob as globbing
    import sys

    if sys.version_info >= (3, 11):
        matches = globbing.glob(pattern, recursive=True, include_hidden=True)
    else:  # Python 3.10's glob skips dot-names; no switch exists there
        matches = globbing.glob(pattern, recursive=True)
    # "dir/**" also yields "dir/" itself; the original lists folders without the slash.
    cleaned = {m[:-1] if m.endswith(os.sep) and len(m) > 1 else m for m in matches}
    return sorted(cleaned, key=os.fsencode)


def _glob_problem(pattern: str) -> tuple[int, str] | None:
    """Where and why the original's glob rules reject a pattern (Python's would take it)."""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            run = len(pattern[i:]) - len(pattern[i:].lstrip("*"))
            if run > 2:
                return i, "wildcards are either regular `*` or recursive `**`"
            if run == 2:
                before_ok = i == 0 or pattern[i - 1] == "/"
                after_ok = i + 2 == len(pattern) or pattern[i + 2] == "/"
                if not (before_ok and after_ok):
                    return i, "recursive wildcards must form a single path component"
            i += run
            continue
        if char == "[":
            close = _class_end(pattern, i)
            if close is None:
                return i, "invalid range pattern"
            i = close + 1
            continue
        i += 1
    return None


def _class_end(pattern: str, start: int) -> int | None:
    # The first member may be "]" (or "!]"), taken literally.
    i = start + 1
    if i < len(pattern) and pattern[i] == "!":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    close = pattern.find("]", i)
    return None if close < 0 else close


def _lines(vm: LuaVM) -> Callable[..., Any]:
    def lines(raw_path: Any = None) -> Any:
        """An iterator over a file's lines without their ``\n`` (or ``\r\n``), read as the
        loop goes, so a large file never sits in memory whole."""
        path = _path(raw_path, "lines")
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed at the end, or when collected
        except OSError as exc:
            raise _failed("lines", "open", path, exc) from None

        def next_line(*_ignored: Any) -> bytes | None:
            if file.closed:
                return None
            try:
                line = file.readline()
            except OSError as exc:
                file.close()
                raise FsError(f"fs.lines: read error: {os_error_text(exc)}") from None
            if not line:
                file.close()
                return None
            line = line[:-1] if line.endswith(b"\n") else line
            line = line[:-1] if line.endswith(b"\r") else line
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                file.close()
                raise FsError("fs.lines: read error: stream did not contain valid UTF-8") from None
            return line

        return vm.function(next_line)

    return lines


def _sub_in_file(vm: LuaVM) -> Callable[..., Any]:
    def sub_in_file(raw_path: Any = None, pattern: Any = None, replacement: Any = None) -> int:
        path = _path(raw_path, "sub_in_file")
        pattern_text = lua_text(pattern, "fs.sub_in_file: pattern")
        try:
            with open(path, "rb") as file:
                content = file.read()
        except OSError as exc:
            raise _failed("sub_in_file", "read", path, exc) from None
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _failed(
                "sub_in_file", "read", path, "stream did not contain valid UTF-8"
            ) from None
        # Lua's own gsub: the same patterns, %1 captures and table/function replacements.
        # Fetched per call: a Lua function kept from install time may belong to a coroutine
        # long gone (see LuaVM).
        new_content, count = vm.stock("gsub")(content, pattern_text, replacement)
        if count > 0:
            try:
                with open(path, "wb") as file:
                    file.write(new_content)
            except OSError as exc:
                raise _failed("sub_in_file", "write", path, exc) from None
        return int(count)

    return sub_in_file


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "read": read,
        "write": write,
        "exists": exists,
        "mkdir": mkdir,
        "list": list_dir,
        "remove": remove,
        "stat": stat,
        "read_bytes": read_bytes,
        "write_bytes": write_bytes,
        "copy": copy,
        "rename": rename,
        "glob": glob,
        "tempdir": tempdir,
        "chmod": chmod,
        "readdir": readdir,
        "lines": _lines(vm),
        "sub_in_file": _sub_in_file(vm),
    }
    vm.set_global("fs", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
