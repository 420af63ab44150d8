"""The ``fs`` global: files and folders, with the original runtime's functions and shapes.

``read``/``write`` (text), ``read_bytes``/``write_bytes``, ``exists``, ``mkdir`` (-p), ``list``,
``readdir`` (recursive), ``remove``, ``stat``, ``copy`` (returns bytes copied), ``rename``,
``glob``, ``tempdir``, ``chmod``, ``lines`` (an iterator) and ``sub_in_file`` (Lua ``gsub``
on a file's text, rewriting it only when something matched).

Arguments convert as the original's do: paths (and ``write``'s text, ``sub_in_file``'s
pattern) are Rust text, so a string that is not UTF-8 is a bad argument; ``write_bytes`` takes
any bytes; ``chmod``'s mode is a ``u32`` (a numeric string is read as a number). I/O errors
read like the original's, with the path quoted as Rust's ``{:?}`` writes it:
``fs.read: failed to read "p": No such file or directory (os error 2)``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat as stat_mode
import time
from collections.abc import Callable

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import (
    BadArgument,
    arg_bytes,
    arg_str,
    arg_unsigned,
    coerced_text,
    conversion_error,
    no_values,
    rust_debug,
    utf8_error,
)
from assay_py.host.builtins._birthtime import birth_time
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_tempdir_sequence = itertools.count()


class FsError(OSError):
    """An I/O failure, worded for the script."""


def _path(raw: Any, position: int = 1) -> str:
    return arg_str(raw, position)


def _shown(path: str) -> str:
    return rust_debug(path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def os_error_text(why: OSError) -> str:
    """Rust's io::Error wording, which scripts of the original may match on."""
    return f"{why.strerror} (os error {why.errno})" if why.strerror else str(why)


def _failed(fn: str, doing: str, path: str, why: OSError | str) -> FsError:
    if isinstance(why, OSError):
        why = os_error_text(why)
    return FsError(f"fs.{fn}: failed to {doing} {_shown(path)}: {why}")


def _failed_pair(fn: str, doing: str, src: str, dst: str, why: OSError | str) -> FsError:
    if isinstance(why, OSError):
        why = os_error_text(why)
    return FsError(f"fs.{fn}: failed to {doing} {_shown(src)} to {_shown(dst)}: {why}")


def read(raw_path: Any = None) -> bytes:
    path = _path(raw_path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise _failed("read", "read", path, exc) from None
    fault = utf8_error(data)
    if fault is not None:
        raise FsError(f"fs.read: invalid UTF-8 in {_shown(path)}: {fault}")
    return data


def read_bytes(raw_path: Any = None) -> bytes:
    path = _path(raw_path)
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
    # The text write takes Rust text (UTF-8), the binary one any bytes.
    path = _path(raw_path)
    data = arg_str(content, 2).encode("utf-8") if fn == "write" else arg_bytes(content, 2)
    parent = _parent(path)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise _failed(fn, "create directories for", path, exc) from None
    try:
        with open(path, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise _failed(fn, "write", path, exc) from None


def _parent(path: str) -> str:
    """The folder a path names its entry in, as Rust's ``Path::parent`` has it ("a/b/" and
    "a/b" both live in "a"; "a" in "")."""
    trimmed = path.rstrip("/")
    return os.path.dirname(trimmed) if trimmed else ""


def exists(raw_path: Any = None) -> bool:
    return os.path.exists(_path(raw_path))


def mkdir(raw_path: Any = None) -> None:
    path = _path(raw_path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise _failed("mkdir", "create", path, exc) from None


def list_dir(raw_path: Any = None) -> list[dict[str, str]]:
    path = _path(raw_path)
    try:
        with os.scandir(path) as entries:
            listing = [{"name": entry.name, "type": _entry_type(entry)} for entry in entries]
    except OSError as exc:
        raise _failed("list", "list", path, exc) from None
    return sorted(listing, key=lambda item: item["name"].encode("utf-8", "surrogateescape"))


def _entry_type(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "symlink"
    return "directory" if entry.is_dir(follow_symlinks=False) else "file"


def remove(raw_path: Any = None) -> None:
    path = _path(raw_path)
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil  # rarely needed; keeps start-up lean

        try:
            shutil.rmtree(path)
        except OSError as exc:
            raise _failed("remove", "remove directory", path, exc) from None
        return
    try:
        os.unlink(path)
    except OSError as exc:
        raise _failed("remove", "remove", path, exc) from None


def stat(raw_path: Any = None) -> dict[str, Any]:
    """Size and kind of what the path leads to (links followed, so a dangling link is an
    error, as on the original); ``is_symlink`` from the path itself. ``modified``/``created``
    are Unix seconds with their fraction (floats, as the original's), each absent where the
    OS does not know it."""
    path = _path(raw_path)
    try:
        target = os.stat(path)
    except OSError as exc:
        raise _failed("stat", "stat", path, exc) from None
    link = target
    with contextlib.suppress(OSError):
        link = os.lstat(path)
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
    src, dst = _path(raw_src), _path(raw_dst, 2)
    import shutil

    if os.path.exists(src) and not os.path.isfile(src):
        # Rust's own words, without an OS error number.
        why = "the source path is neither a regular file nor a symlink to a regular file"
        raise _failed_pair("copy", "copy", src, dst, why)
    try:
        shutil.copyfile(src, dst)
        shutil.copymode(src, dst)
        return os.stat(dst).st_size
    except OSError as exc:
        raise _failed_pair("copy", "copy", src, dst, exc) from None


def rename(raw_src: Any = None, raw_dst: Any = None) -> None:
    """Move within one filesystem, replacing ``dst`` atomically (POSIX rename)."""
    src, dst = _path(raw_src), _path(raw_dst, 2)
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
    path = _path(raw_path)
    # A u32, e.g. 493 for 0o755 (a string "755" is read as decimal 755, as on the original).
    bits = arg_unsigned(mode, 2, "u32", 32)
    try:
        os.chmod(path, bits & 0o7777)
    except OSError as exc:
        raise _failed("chmod", "chmod", path, exc) from None


def readdir(*args: Any) -> list[dict[str, str]]:
    """Every entry under a folder, depth first, each ``{path = relative path, type}``.

    ``opts.depth`` limits the levels listed (0 or 1: the folder's own entries). Links are
    listed, never followed. Entries of each folder come in byte order, so the result is
    stable.
    """
    if not args:
        raise TypeError("fs.readdir: path required")
    base = _inner_text(args[0])
    max_depth = _depth(args[1] if len(args) > 1 else None)
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


def _inner_text(value: Any) -> str:
    """A string the original converts inside the function (not as a declared parameter):
    the same rules, without the "bad argument" frame."""
    data = coerced_text(value)
    if data is None:
        raise BadArgument(conversion_error(value, "String", "expected string or number"))
    fault = utf8_error(data)
    if fault is not None:
        raise BadArgument(conversion_error(value, "&str", fault))
    return data.decode("utf-8")


def _depth(opts: Any) -> int | None:
    if lupa_engine().lua_type(opts) != "table":
        return None
    depth = opts[b"depth"]
    if depth is None:
        return None
    return arg_unsigned(depth, None, "usize", 64)


def glob(raw_pattern: Any = None) -> list[str]:
    """Paths matching a shell pattern: ``*``, ``?``, ``[...]``/``[!...]`` and ``**`` for any
    number of folders. As in the original, wildcards match names starting with a dot."""
    pattern = _path(raw_pattern)
    problem = _glob_problem(pattern)
    if problem is not None:
        position, reason = problem
        raise ValueError(
            f"fs.glob: invalid pattern {_shown(pattern)}: "
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
        path = _path(raw_path)
        try:
            # A raw descriptor: a folder opens (and fails on the first read), as in Rust.
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise _failed("lines", "open", path, exc) from None
        try:
            file = open(fd, "rb")  # noqa: SIM115 - closed at the end, or when collected
        except OSError as exc:  # a folder: every read fails
            os.close(fd)
            failure = FsError(f"fs.lines: read error: {os_error_text(exc)}")

            def failing(*_ignored: Any) -> None:
                raise failure

            return vm.function(failing)

        def next_line(*_ignored: Any) -> bytes | None:
            if file.closed:
                return None
            try:
                line = file.readline()
            except OSError as exc:
                raise FsError(f"fs.lines: read error: {os_error_text(exc)}") from None
            if not line:
                file.close()
                return None
            # Rust's lines(): "\n" ends a line, and a "\r" just before it goes too.
            if line.endswith(b"\n"):
                line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            if utf8_error(line) is not None:
                # The line is consumed; the next call reads on, as Rust's iterator does.
                raise FsError("fs.lines: read error: stream did not contain valid UTF-8")
            return line

        return vm.function(next_line)

    return lines


def _sub_in_file(vm: LuaVM) -> Callable[..., Any]:
    def sub_in_file(raw_path: Any = None, pattern: Any = None, replacement: Any = None) -> int:
        path = _path(raw_path)
        pattern_text = arg_str(pattern, 2).encode("utf-8")
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
    for name in ("write", "write_bytes", "remove", "mkdir", "rename", "chmod"):
        functions[name] = no_values(functions[name])
    vm.set_global("fs", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
