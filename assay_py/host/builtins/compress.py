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
from assay_py.host.builtins._args import lua_text
from assay_py.host.vm import LuaVM

_ALIASES = {"gz": "gz", "gzip": "gz", "xz": "xz", "zstd": "zstd", "zst": "zstd"}
_ALIASES.update({"none": "none", "tar": "none"})


def gunzip(data: Any = None) -> bytes:
    import gzip
    import zlib

    raw = lua_text(data, "compress.gunzip: argument")
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"compress.gunzip: {exc}") from None


def unxz(data: Any = None) -> bytes:
    import lzma

    raw = lua_text(data, "compress.unxz: argument")
    try:
        return lzma.decompress(raw, format=lzma.FORMAT_XZ)
    except (lzma.LZMAError, EOFError) as exc:
        raise ValueError(f"compress.unxz: {exc}") from None


def unzstd(data: Any = None) -> bytes:
    from assay_py.host.builtins._archives import zstd_decompress

    raw = lua_text(data, "compress.unzstd: argument")
    try:
        return zstd_decompress(raw)
    except Exception as exc:  # zstandard.ZstdError, and truncated input
        raise ValueError(f"compress.unzstd: {exc}") from None


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
    member = opts[b"member"]
    if not isinstance(member, bytes):
        raise ValueError("compress.untar: opts.member is required")
    archive = archive_arg.decode("utf-8", "surrogateescape")
    dest = dest_arg.decode("utf-8", "surrogateescape")
    wanted = member.decode("utf-8", "surrogateescape")
    raw_compression = opts[b"compression"]
    if isinstance(raw_compression, bytes):
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

    shown = archive.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not os.path.exists(archive):
        raise FileNotFoundError(
            f'compress.untar: open "{shown}": No such file or directory (os error 2)'
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
    shown_member = wanted.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    raise LookupError(f'compress.untar: member "{shown_member}" not found in "{shown}"')


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
        raise _WriteError(f"compress.untar: mkdir parent: {exc.strerror}") from None
    temporary = f"{dest}.tmp.{secrets.token_hex(8)}"
    try:
        with open(temporary, "xb") as out:
            shutil.copyfileobj(source, out)
            written = out.tell()
        os.replace(temporary, dest)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise _WriteError(f"compress.untar: write: {exc.strerror or exc}") from None
    return written


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "gunzip": gunzip,
        "unxz": unxz,
        "unzstd": unzstd,
        "untar": untar,
    }
    vm.set_global("compress", vm.table({k: vm.function(f) for k, f in functions.items()}))
