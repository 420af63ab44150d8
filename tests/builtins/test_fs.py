from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.builtins.conftest import Lua


@pytest.fixture
def root(tmp_path: Path) -> str:
    return str(tmp_path)


def test_write_creates_parents_and_read_returns_the_text(lua: Lua, root: str) -> None:
    got = lua(f'fs.write("{root}/a/b/c.txt", "héllo\\n"); return fs.read("{root}/a/b/c.txt")')
    assert got == "héllo\n".encode()
    assert Path(root, "a/b/c.txt").read_bytes() == "héllo\n".encode()


def test_write_replaces_content(lua: Lua, root: str) -> None:
    Path(root, "f").write_text("old and long")
    lua(f'fs.write("{root}/f", "new")')
    assert Path(root, "f").read_text() == "new"


def test_read_missing_file(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.read("{root}/missing")') == (
        f'fs.read: failed to read "{root}/missing": No such file or directory (os error 2)'
    )


def test_read_requires_utf8(lua: Lua, root: str) -> None:
    Path(root, "bin").write_bytes(b"ok\xff\xfe")
    assert lua.error(f'fs.read("{root}/bin")') == (
        f'fs.read: invalid UTF-8 in "{root}/bin": invalid utf-8 sequence of 1 bytes from index 2'
    )


def test_write_errors(lua: Lua, root: str) -> None:
    Path(root, "file").write_text("x")
    assert lua.error(f'fs.write("{root}/file/inside", "x")') == (
        f'fs.write: failed to create directories for "{root}/file/inside": '
        "File exists (os error 17)"
    )
    Path(root, "folder").mkdir()
    assert lua.error(f'fs.write("{root}/folder", "x")') == (
        f'fs.write: failed to write "{root}/folder": Is a directory (os error 21)'
    )
    assert lua.error(f'fs.write("{root}/x", nil)') == (
        "bad argument #2: error converting Lua nil to String (expected string or number)"
    )
    # Text is Rust text: bytes that are not UTF-8 go through fs.write_bytes.
    assert lua.error(f'fs.write("{root}/x", "\\255")') == (
        "bad argument #2: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 0)"
    )


def test_exists(lua: Lua, root: str) -> None:
    Path(root, "file").write_text("x")
    os.symlink(Path(root, "gone"), Path(root, "dangling"))
    got = lua(
        f'return fs.exists("{root}/file"), fs.exists("{root}"), fs.exists("{root}/nope"),'
        f' fs.exists("{root}/dangling")'
    )
    assert got == (True, True, False, False)


def test_mkdir_makes_parents_and_is_idempotent(lua: Lua, root: str) -> None:
    lua(f'fs.mkdir("{root}/p/q/r"); fs.mkdir("{root}/p/q/r")')
    assert Path(root, "p/q/r").is_dir()


def test_mkdir_over_a_file_fails(lua: Lua, root: str) -> None:
    Path(root, "file").write_text("x")
    assert lua.error(f'fs.mkdir("{root}/file")') == (
        f'fs.mkdir: failed to create "{root}/file": File exists (os error 17)'
    )


def test_list_is_sorted_with_types(lua: Lua, root: str) -> None:
    Path(root, "b.txt").write_text("x")
    Path(root, "a_dir").mkdir()
    os.symlink(Path(root, "a_dir"), Path(root, "c_link"))
    got = lua(
        f"""
        local out = {{}}
        for _, e in ipairs(fs.list("{root}")) do out[#out + 1] = e.name .. "=" .. e.type end
        return table.concat(out, ",")
        """
    )
    assert got == b"a_dir=directory,b.txt=file,c_link=symlink"


def test_list_empty_and_missing(lua: Lua, root: str) -> None:
    assert lua(f'return #fs.list("{root}")') == 0
    assert lua.error(f'fs.list("{root}/nope")') == (
        f'fs.list: failed to list "{root}/nope": No such file or directory (os error 2)'
    )


def test_paths_are_utf8_text(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.write("{root}/\\255.txt", "x")') == (
        "bad argument #1: error converting Lua string to String "
        f"(invalid utf-8 sequence of 1 bytes from index {len(root) + 1})"
    )
    assert os.listdir(root) == []


def test_paths_in_errors_are_quoted_as_rust_does(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.read("{root}/a\\nb\\"c")') == (
        f'fs.read: failed to read "{root}/a\\nb\\"c": No such file or directory (os error 2)'
    )


def test_remove_file_tree_and_symlink(lua: Lua, root: str) -> None:
    Path(root, "tree/sub").mkdir(parents=True)
    Path(root, "tree/sub/f").write_text("x")
    Path(root, "keep").mkdir()
    Path(root, "keep/f").write_text("x")
    os.symlink(Path(root, "keep"), Path(root, "link"))
    Path(root, "file").write_text("x")
    lua(f'fs.remove("{root}/tree"); fs.remove("{root}/link"); fs.remove("{root}/file")')
    assert sorted(os.listdir(root)) == ["keep"]
    assert Path(root, "keep/f").exists()  # a symlink is unlinked, never followed


def test_remove_missing(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.remove("{root}/nope")') == (
        f'fs.remove: failed to remove "{root}/nope": No such file or directory (os error 2)'
    )


def test_stat_file_and_directory(lua: Lua, root: str) -> None:
    Path(root, "f").write_bytes(b"12345")
    os.utime(Path(root, "f"), (1_700_000_000, 1_700_000_000))
    got = lua(
        f"""
        local f, d = fs.stat("{root}/f"), fs.stat("{root}")
        return f.size, f.is_file, f.is_dir, f.is_symlink, f.modified, d.is_dir, d.is_file
        """
    )
    assert got == (5, True, False, False, 1_700_000_000, True, False)


def test_stat_symlink_describes_its_target(lua: Lua, root: str) -> None:
    Path(root, "target").write_bytes(b"abc")
    os.symlink(Path(root, "target"), Path(root, "link"))
    os.symlink(Path(root, "gone"), Path(root, "dangling"))
    got = lua(
        f"""
        local l = fs.stat("{root}/link")
        return l.size, l.is_file, l.is_symlink
        """
    )
    assert got == (3, True, True)
    # A dangling link leads nowhere: stat follows it, and fails.
    assert lua.error(f'fs.stat("{root}/dangling")') == (
        f'fs.stat: failed to stat "{root}/dangling": No such file or directory (os error 2)'
    )


def test_stat_missing(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.stat("{root}/nope")') == (
        f'fs.stat: failed to stat "{root}/nope": No such file or directory (os error 2)'
    )


@pytest.mark.parametrize("fn", ["read", "exists", "mkdir", "list", "remove", "stat"])
def test_path_must_be_a_string(lua: Lua, fn: str) -> None:
    assert lua.error(f"fs.{fn}({{}})") == (
        "bad argument #1: error converting Lua table to String (expected string or number)"
    )
    assert lua.error(f"fs.{fn}()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )


def test_functions_of_no_result_return_no_value_at_all(lua: Lua, root: str) -> None:
    # As the original's (Rust's ()), not one nil: select("#", ...) counts zero.
    got = lua(
        f"""
        return select("#", fs.write("{root}/f", "x")), select("#", fs.write_bytes("{root}/g", "y")),
          select("#", fs.mkdir("{root}/d")), select("#", fs.chmod("{root}/f", 420)),
          select("#", fs.rename("{root}/g", "{root}/h")), select("#", fs.remove("{root}/h")),
          select("#", env.set("ASSAY_PY_AUDIT_NOTHING", nil)), select("#", log.info("x")),
          select("#", fs.exists("{root}/nope"))
        """
    )
    assert got == (0, 0, 0, 0, 0, 0, 0, 0, 1)
