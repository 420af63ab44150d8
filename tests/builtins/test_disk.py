from __future__ import annotations

import os
import time
from pathlib import Path

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def test_usage_matches_statvfs(lua: Lua, tmp_path: Path) -> None:
    total, free, used, percent = lua(
        f'local u = disk.usage("{tmp_path}"); return u.total, u.free, u.used, u.percent'
    )
    info = os.statvfs(tmp_path)
    assert total == info.f_blocks * info.f_frsize
    assert abs(free - info.f_bfree * info.f_frsize) < 64 * 1024 * 1024  # others write too
    assert used == total - free
    assert abs(percent - used / total * 100) < 1e-9


def test_usage_error(lua: Lua, tmp_path: Path) -> None:
    assert lua.error(f'disk.usage("{tmp_path}/nope")') == (
        f'disk.usage: failed to stat "{tmp_path}/nope": No such file or directory (os error 2)'
    )
    assert lua.error("disk.usage(nil)") == (
        "disk.usage: bad argument #1: error converting Lua nil to String"
        " (expected string or number)"
    )


def test_sweep_removes_only_old_entries(lua: Lua, tmp_path: Path) -> None:
    old = time.time() - 3600
    (tmp_path / "old.log").write_text("x")
    (tmp_path / "old_dir").mkdir()
    (tmp_path / "old_dir" / "inner").write_text("x")
    (tmp_path / "new.log").write_text("x")
    for name in ("old.log", "old_dir"):
        os.utime(tmp_path / name, (old, old))
    assert lua(f'return disk.sweep("{tmp_path}", 600)') == 2
    assert sorted(os.listdir(tmp_path)) == ["new.log"]
    assert lua.error(f'disk.sweep("{tmp_path}")') == (
        "disk.sweep: attempt to compare nil with number"
    )
    # As on the original (a Lua helper), the age is only looked at when there is an entry.
    (tmp_path / "empty").mkdir()
    assert lua(f'return disk.sweep("{tmp_path}/empty")') == 0
    assert lua.error("disk.sweep()") == (
        "disk.sweep: bad argument #1: error converting Lua nil to String"
        " (expected string or number)"
    )
    assert lua.error("disk.dir_size({})") == (
        "disk.dir_size: bad argument #1: error converting Lua table to String"
        " (expected string or number)"
    )


def test_dir_size_adds_regular_files_only(lua: Lua, tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"12345")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b").write_bytes(b"123")
    os.symlink(tmp_path / "a", tmp_path / "link")
    assert lua(f'return disk.dir_size("{tmp_path}")') == 8


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine('return disk.usage("/").total > 0') is True
