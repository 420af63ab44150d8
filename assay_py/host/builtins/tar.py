"""The ``tar`` global: ``create(output, files, opts?)``, ``extract(archive, dest)``, ``list``.

- ``create`` writes an archive of ``files``, a table from member path to content (strings;
  other values as ``tostring`` gives them), gzip-compressed without ``opts``, or when
  ``opts.gzip`` is truthy (the original's rule: ``{}`` writes a plain tar).
  Members are regular files with mode 0644 and time 0, as the original writes them; they
  come in path order so the same table always gives the same archive. Returns true.
- ``extract`` unpacks everything under ``dest`` (gzip when the name ends ``.gz``/``.tgz``)
  and returns true. It refuses, before writing anything, a member whose path or link target
  would land outside ``dest`` (absolute, ``..``, or through a link), and device or fifo
  members.
- ``list`` gives the member paths in archive order.

Errors read ``tar.<fn>: <reason>``.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import bad_argument, coerced_text, conversion_error
from assay_py.host.builtins.fs import os_error_text
from assay_py.host.vm import LuaVM


def _path(raw: Any, fn: str, position: int) -> str:
    text = coerced_text(raw)
    if text is None:
        raise TypeError(f"tar.{fn}: {bad_argument(position, raw, 'String')}")
    return text.decode("utf-8", "surrogateescape")


def _compression(archive: str) -> str:
    return "gz" if archive.endswith((".gz", ".tgz")) else "none"


def _failure(fn: str, exc: BaseException) -> Exception:
    why = os_error_text(exc) if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ValueError(f"tar.{fn}: {why}")


def _creator(vm: LuaVM) -> Callable[..., bool]:
    def create(raw_output: Any = None, files: Any = None, opts: Any = None) -> bool:
        output = _path(raw_output, "create", 1)
        engine = lupa_engine()
        if engine.lua_type(files) != "table":
            raise TypeError(f"tar.create: {bad_argument(2, files, 'table')}")
        if opts is not None and engine.lua_type(opts) != "table":
            raise TypeError(f"tar.create: {bad_argument(3, opts, 'table')}")
        # The original's rule: no options table gzips; a table gzips only when its ``gzip``
        # is truthy, so ``{}`` writes a plain tar.
        gzip = opts is None or opts[b"gzip"] not in (None, False)
        members: list[tuple[str, bytes]] = []
        tostring = vm.stock("tostring")
        for key, value in files.items():
            member = coerced_text(key)
            if member is None:
                raise TypeError(f"tar.create: {conversion_error(key, 'String')}")
            content = value if isinstance(value, bytes) else tostring(value)
            members.append((member.decode("utf-8", "surrogateescape"), content))
        members.sort(key=lambda m: m[0].encode("utf-8", "surrogateescape"))
        buffer = io.BytesIO()
        try:
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
                for name, content in members:
                    info = tarfile.TarInfo(name)
                    info.size, info.mode, info.mtime = len(content), 0o644, 0
                    archive.addfile(info, io.BytesIO(content))
            data = buffer.getvalue()
            if gzip:
                import gzip as gzip_module

                data = gzip_module.compress(data, mtime=0)
            with open(output, "wb") as out:
                out.write(data)
        except (OSError, ValueError, tarfile.TarError) as exc:
            raise _failure("create", exc) from None
        return True

    return create


def extract(raw_archive: Any = None, raw_dest: Any = None) -> bool:
    from assay_py.host.builtins._archives import reading_tar

    archive = _path(raw_archive, "extract", 1)
    dest = _path(raw_dest, "extract", 2)
    try:
        # Checked in full first, so a hostile archive leaves nothing behind.
        with reading_tar(archive, _compression(archive)) as tar:
            for member in tar:
                _check_member(member, dest)
        os.makedirs(dest, exist_ok=True)
        with reading_tar(archive, _compression(archive)) as tar:
            for member in tar:
                _check_member(member, dest)  # again: earlier members may add links
                if hasattr(tarfile, "data_filter"):
                    tar.extract(member, dest, filter="fully_trusted")
                else:  # pragma: no cover - Python 3.10 before 3.10.12
                    tar.extract(member, dest)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise _failure("extract", exc) from None
    return True


def _check_member(member: tarfile.TarInfo, dest: str) -> None:
    from assay_py.host.builtins._archives import inside

    name = member.name
    if name.startswith("/") or os.path.isabs(name):
        raise ValueError(f'tar.extract: refusing "{name}": an absolute path')
    target = os.path.join(dest, name)
    if ".." in name.split("/") or not inside(dest, target):
        raise ValueError(f'tar.extract: refusing "{name}": it would land outside {dest}')
    if member.issym() or member.islnk():
        link = member.linkname
        base = os.path.dirname(target) if member.issym() else dest
        if os.path.isabs(link) or not inside(dest, os.path.join(base, link)):
            raise ValueError(f'tar.extract: refusing "{name}": its link leads outside {dest}')
    elif not (member.isfile() or member.isdir()):
        raise ValueError(f'tar.extract: refusing "{name}": not a file, folder or link')


def list_members(raw_archive: Any = None) -> list[str]:
    from assay_py.host.builtins._archives import reading_tar

    archive = _path(raw_archive, "list", 1)
    try:
        with reading_tar(archive, _compression(archive)) as tar:
            return [member.name + ("/" if member.isdir() else "") for member in tar]
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise _failure("list", exc) from None


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "create": _creator(vm),
        "extract": extract,
        "list": list_members,
    }
    vm.set_global("tar", vm.table({k: vm.function(f) for k, f in functions.items()}))
