"""Decompressing and reading tar archives, shared by the ``compress`` and ``tar`` globals.

gzip and xz come from the standard library; zstd from ``zstandard`` (imported on first use),
until the standard library's ``compression.zstd`` (Python 3.14) can be assumed.
"""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
from collections.abc import Iterator
from typing import Any


def zstd_decompress(data: bytes) -> bytes:
    import zstandard

    # stream_reader copes with frames that do not record their content size.
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
        return bytes(reader.read())


@contextlib.contextmanager
def reading_tar(path: str, compression: str) -> Iterator[tarfile.TarFile]:
    """A tar archive read as a stream, members in order (``compression``: gz, xz, zstd, none)."""
    with open(path, "rb") as raw:
        stream: Any = raw
        if compression == "zstd":
            import zstandard

            stream = zstandard.ZstdDecompressor().stream_reader(raw)
        mode = {"gz": "r|gz", "xz": "r|xz"}.get(compression, "r|")
        with tarfile.open(fileobj=stream, mode=mode) as archive:  # type: ignore[call-overload]
            yield archive


def inside(root: str, target: str) -> bool:
    """Whether ``target`` (after resolving the links that exist) stays within ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(target)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)
