"""The ``compress`` global: ``gunzip``, ``unxz``, ``unzstd`` (bytes in, bytes out) and
``untar(archive, dest, {member, compression?})``, which writes one member of a tar archive
to ``dest`` (through a temporary file renamed into place) and returns the bytes written.

``compression`` is ``gz``/``gzip``, ``xz``, ``zstd``/``zst`` or ``none``/``tar``; left out, it
follows the archive's name (``.tar.gz``/``.tgz``, ``.tar.xz``/``.txz``, ``.tar.zst``/``.tzst``,
else none). The member's own path inside the archive is only compared, never written to.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import bad_argument, coerced_text, conversion_error, rust_debug
from assay_py.host.vm import LuaVM

_ALIASES = {"gz": "gz", "gzip": "gz", "xz": "xz", "zstd": "zstd", "zst": "zstd"}
_ALIASES.update({"none": "none", "tar": "none"})


def _bytes(data: Any, fn: str) -> bytes:
    raw = coerced_text(data)
    if raw is None:
        raise TypeError(f"compress.{fn}: {bad_argument(1, data, 'string')}")
    return raw


def gunzip(data: Any = None, *_: Any) -> bytes:
    import zlib

    raw = _bytes(data, "gunzip")
    # One gzip member, as the original's decoder reads: what follows it is not looked at.
    decoder = zlib.decompressobj(wbits=31)
    try:
        out = decoder.decompress(raw)
    except zlib.error as exc:
        header = "incorrect header check" in str(exc) or len(raw) < 10
        reason = "invalid gzip header" if header else f"corrupt deflate stream ({exc})"
        raise ValueError(f"compress.gunzip: {reason}") from None
    if not decoder.eof:
        if len(raw) < 10:
            raise ValueError("compress.gunzip: invalid gzip header")
        raise ValueError("compress.gunzip: unexpected end of file")
    return out


# liblzma's reasons, as the original's decoder words them.
_XZ_REASONS = {
    "Input format not supported by decoder": "stream/file format not recognized",
    "Corrupt input data": "lzma data error",
    "Memory usage limit was reached": "memory limit reached",
}


def unxz(data: Any = None, *_: Any) -> bytes:
    import lzma

    raw = _bytes(data, "unxz")
    try:
        return lzma.decompress(raw, format=lzma.FORMAT_XZ)
    except lzma.LZMAError as exc:
        reason = _XZ_REASONS.get(str(exc), str(exc))
        raise ValueError(f"compress.unxz: {reason}") from None
    except EOFError:
        raise ValueError("compress.unxz: unexpected end of file") from None


def unzstd(data: Any = None, *_: Any) -> bytes:
    from assay_py.host.builtins._archives import zstd_decompress

    raw = _bytes(data, "unzstd")
    try:
        return zstd_decompress(raw)
    except Exception as exc:  # zstandard.ZstdError, and truncated input
        reason = str(exc).removeprefix("zstd decompress error: ")
        raise ValueError(f"compress.unzstd: {reason}") from None


def detect_compression(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".tar.gz", ".tgz")):
        return "gz"
    if lower.endswith((".tar.xz", ".txz")):
        return "xz"
    if lower.endswith((".tar.zst", ".tzst")):
        return "zstd"
    return "none"


def untar(archive_arg: Any = None, dest_arg: Any = None, opts: Any = None) -> int:
    if not isinstance(archive_arg, bytes):
        raise TypeError("compress.untar: first arg must be archive path string")
    if not isinstance(dest_arg, bytes):
        raise TypeError("compress.untar: second arg must be dest path string")
    if lupa_engine().lua_type(opts) != "table":
        raise TypeError("compress.untar: third arg must be opts table with 'member'")
    member = coerced_text(opts[b"member"])
    if member is None:
        raise ValueError("compress.untar: opts.member is required")
    archive = archive_arg.decode("utf-8", "surrogateescape")
    dest = dest_arg.decode("utf-8", "surrogateescape")
    wanted = member.decode("utf-8", "surrogateescape")
    raw_compression = opts[b"compression"]
    if raw_compression is not None:
        raw_compression = coerced_text(raw_compression)
        if raw_compression is None:
            raise TypeError(
                "compress.untar: opts.compression: "
                + conversion_error(opts[b"compression"], "String")
            )
        named = raw_compression.decode("utf-8", "replace").lower()
        if named not in _ALIASES:
            raise ValueError(
                f'compress.untar: unsupported compression "{named}" (gz, xz, zstd, none)'
            )
        compression = _ALIASES[named]
    else:
        compression = detect_compression(archive)
    return _extract_member(archive, dest, wanted, compression)


def _extract_member(archive: str, dest: str, wanted: str, compression: str) -> int:
    from assay_py.host.builtins._archives import reading_tar

    shown = rust_debug(archive.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    if not os.path.exists(archive):
        raise FileNotFoundError(
            f"compress.untar: open {shown}: No such file or directory (os error 2)"
        )
    try:
        with reading_tar(archive, compression) as tar:
            for entry in tar:
                if entry.name.rstrip("/") != wanted.rstrip("/") or not entry.isfile():
                    continue
                source = tar.extractfile(entry)
                if source is None:
                    continue
                return _write_atomically(dest, source)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, _WriteError):
            raise
        raise ValueError(f"compress.untar: read entries: {exc}") from None
    shown_member = rust_debug(wanted.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    raise LookupError(f"compress.untar: member {shown_member} not found in {shown}")


def _io_text(exc: OSError) -> str:
    """An OSError as Rust's io::Error prints it: ``Permission denied (os error 13)``."""
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


class _WriteError(OSError):
    pass


def _write_atomically(dest: str, source: Any) -> int:
    import secrets
    import shutil

    parent = os.path.dirname(dest)
    try:
        if parent:
            os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise _WriteError(f"compress.untar: mkdir parent: {_io_text(exc)}") from None
    temporary = f"{dest}.tmp.{secrets.token_hex(8)}"
    try:
        with open(temporary, "xb") as out:
            shutil.copyfileobj(source, out)
            written = out.tell()
        os.replace(temporary, dest)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise _WriteError(f"compress.untar: write: {_io_text(exc)}") from None
    return written


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "gunzip": gunzip,
        "unxz": unxz,
        "unzstd": unzstd,
        "untar": untar,
    }
    vm.set_global("compress", vm.table({k: vm.function(f) for k, f in functions.items()}))
