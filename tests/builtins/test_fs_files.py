"""fs: the functions beyond read/write/list: bytes, copy, rename, glob, tempdir, chmod,
readdir, lines, sub_in_file, and stat's times."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from assay_py.host.vm import LuaVM
from tests.builtins.conftest import Lua


@pytest.fixture
def root(tmp_path: Path) -> str:
    return str(tmp_path)


def test_bytes_round_trip_any_byte(lua: Lua, root: str) -> None:
    got = lua(
        f"""
        local data = "\\0\\255\\254abc\\r\\n"
        fs.write_bytes("{root}/deep/bin", data)
        local back = fs.read_bytes("{root}/deep/bin")
        assert.eq(#back, 8)
        assert.eq(back, data)
        return back
        """
    )
    assert got == b"\x00\xff\xfeabc\r\n"
    assert Path(root, "deep/bin").read_bytes() == got


def test_read_bytes_errors(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.read_bytes("{root}/nope")') == (
        f'fs.read_bytes: failed to read "{root}/nope": No such file or directory (os error 2)'
    )
    assert lua.error(f'fs.write_bytes("{root}/x")') == (
        "bad argument #2: error converting Lua nil to string (expected string or number)"
    )


def test_write_bytes_takes_any_bytes(lua: Lua, root: str) -> None:
    lua(f'fs.write_bytes("{root}/bin", "\\0\\255")')
    assert Path(root, "bin").read_bytes() == b"\0\xff"
    assert lua(f'return fs.read_bytes("{root}/bin")') == b"\0\xff"


def test_copy_returns_bytes_and_keeps_the_source(lua: Lua, root: str) -> None:
    Path(root, "src").write_text("copy me")
    os.chmod(Path(root, "src"), 0o750)
    lua(
        f"""
        local n = fs.copy("{root}/src", "{root}/dst")
        assert.eq(n, 7)
        assert.eq(fs.read("{root}/dst"), "copy me")
        assert.eq(fs.exists("{root}/src"), true)
        """
    )
    assert stat.S_IMODE(os.stat(Path(root, "dst")).st_mode) == 0o750


def test_copy_errors_name_both_paths(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.copy("{root}/nope", "{root}/dst")') == (
        f'fs.copy: failed to copy "{root}/nope" to "{root}/dst": '
        "No such file or directory (os error 2)"
    )
    assert lua.error(f'fs.copy("{root}", "{root}/dst")') == (
        f'fs.copy: failed to copy "{root}" to "{root}/dst": '
        "the source path is neither a regular file nor a symlink to a regular file"
    )
    Path(root, "src").write_text("x")
    assert lua.error(f'fs.copy("{root}/src", "{root}")') == (
        f'fs.copy: failed to copy "{root}/src" to "{root}": Is a directory (os error 21)'
    )


def test_rename_moves_and_replaces(lua: Lua, root: str) -> None:
    Path(root, "a").write_text("new")
    Path(root, "b").write_text("old")
    lua(
        f"""
        fs.rename("{root}/a", "{root}/b")
        assert.eq(fs.exists("{root}/a"), false)
        assert.eq(fs.read("{root}/b"), "new")
        """
    )
    assert lua.error(f'fs.rename("{root}/a", "{root}/c")') == (
        f'fs.rename: failed to rename "{root}/a" to "{root}/c": '
        "No such file or directory (os error 2)"
    )


def test_glob_matches_names_recursively_and_sorted(lua: Lua, root: str) -> None:
    for name in ("b.txt", "a.txt", "c.log", ".hidden.txt", "sub/d.txt", "sub/deeper/e.txt"):
        Path(root, name).parent.mkdir(parents=True, exist_ok=True)
        Path(root, name).write_text("x")
    got = lua(
        f"""
        local function names(list)
          local out = {{}}
          for _, p in ipairs(list) do out[#out + 1] = p:sub(#"{root}" + 2) end
          return table.concat(out, ",")
        end
        return names(fs.glob("{root}/*.txt")), names(fs.glob("{root}/**/*.txt")),
               #fs.glob("{root}/*.none")
        """
    )
    assert got == (
        b".hidden.txt,a.txt,b.txt",
        b".hidden.txt,a.txt,b.txt,sub/d.txt,sub/deeper/e.txt",
        0,
    )


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[invalid", "Pattern syntax error near position 0: invalid range pattern"),
        (
            "a/***",
            "Pattern syntax error near position 2: wildcards are either regular `*` "
            "or recursive `**`",
        ),
        (
            "a**/b",
            "Pattern syntax error near position 1: recursive wildcards must form a "
            "single path component",
        ),
    ],
)
def test_glob_rejects_bad_patterns(lua: Lua, pattern: str, reason: str) -> None:
    assert lua.error(f'fs.glob("{pattern}")') == f'fs.glob: invalid pattern "{pattern}": {reason}'


def test_glob_class_with_literal_bracket(lua: Lua, root: str) -> None:
    Path(root, "]x").write_text("x")
    Path(root, "ax").write_text("x")
    assert lua(f'return #fs.glob("{root}/[]]x"), #fs.glob("{root}/[!]]x")') == (1, 1)


def test_tempdir_is_new_private_and_usable(
    lua: Lua, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    first, second = lua(
        """
        local a, b = fs.tempdir(), fs.tempdir()
        assert.ne(a, b)
        assert.eq(fs.exists(a), true)
        fs.write(a .. "/t.txt", "hello")
        assert.eq(fs.read(a .. "/t.txt"), "hello")
        return a, b
        """
    )
    for made in (first, second):
        path = Path(made.decode())
        assert path.parent == tmp_path
        assert path.name.startswith("assay-")
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_chmod_sets_the_mode_bits(lua: Lua, root: str) -> None:
    Path(root, "f").write_text("x")
    lua(f'fs.chmod("{root}/f", 493)')
    assert stat.S_IMODE(os.stat(Path(root, "f")).st_mode) == 0o755
    lua(f'fs.chmod("{root}/f", 384)')
    assert stat.S_IMODE(os.stat(Path(root, "f")).st_mode) == 0o600


def test_chmod_errors(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.chmod("{root}/nope", 420)') == (
        f'fs.chmod: failed to chmod "{root}/nope": No such file or directory (os error 2)'
    )
    # The mode is a u32, as the original declares it.
    assert lua.error(f'fs.chmod("{root}", nil)') == (
        "bad argument #2: error converting Lua nil to u32 "
        "(expected number or string coercible to number)"
    )
    assert lua.error(f'fs.chmod("{root}", -1)') == (
        "bad argument #2: error converting Lua integer to u32 (out of range)"
    )
    assert lua.error(f'fs.chmod("{root}", 4294967296)') == (
        "bad argument #2: error converting Lua integer to u32 (out of range)"
    )


def test_chmod_mode_reads_numeric_strings_and_cuts_fractions(lua: Lua, root: str) -> None:
    Path(root, "f").write_text("x")
    lua(f'fs.chmod("{root}/f", "416")')  # decimal 416 = 0o640
    assert os.stat(Path(root, "f")).st_mode & 0o777 == 0o640
    lua(f'fs.chmod("{root}/f", 420.9)')  # 420 = 0o644
    assert os.stat(Path(root, "f")).st_mode & 0o777 == 0o644


def test_readdir_walks_depth_first_with_relative_paths(lua: Lua, root: str) -> None:
    Path(root, "b/c").mkdir(parents=True)
    Path(root, "a.txt").write_text("x")
    Path(root, "b/c/d.txt").write_text("x")
    Path(root, "b/e.txt").write_text("x")
    os.symlink(Path(root, "b"), Path(root, "link"))
    got = lua(
        f"""
        local function show(list)
          local out = {{}}
          for _, e in ipairs(list) do out[#out + 1] = e.path .. "=" .. e.type end
          return table.concat(out, ",")
        end
        return show(fs.readdir("{root}")), show(fs.readdir("{root}", {{depth = 1}})),
               show(fs.readdir("{root}", {{depth = 2}}))
        """
    )
    assert got == (
        b"a.txt=file,b=directory,b/c=directory,b/c/d.txt=file,b/e.txt=file,link=symlink",
        b"a.txt=file,b=directory,link=symlink",
        b"a.txt=file,b=directory,b/c=directory,b/e.txt=file,link=symlink",
    )


def test_readdir_errors(lua: Lua, root: str) -> None:
    assert lua.error(f'fs.readdir("{root}/nope")') == (
        f'fs.readdir: failed to read "{root}/nope": No such file or directory (os error 2)'
    )
    # The original reads its arguments itself here: no "bad argument" frame, and an
    # absent path differs from an explicit nil.
    assert lua.error("fs.readdir()") == "fs.readdir: path required"
    assert lua.error("fs.readdir(nil)") == (
        "error converting Lua nil to String (expected string or number)"
    )
    assert lua.error(f'fs.readdir("{root}", {{depth = "x"}})') == (
        "error converting Lua string to usize (expected number or string coercible to number)"
    )
    assert lua.error(f'fs.readdir("{root}", {{depth = -1}})') == (
        "error converting Lua integer to usize (out of range)"
    )


def test_lines_iterates_without_newlines(lua: Lua, root: str) -> None:
    Path(root, "f").write_bytes(b"alpha\nbeta\r\n\ngamma")
    Path(root, "empty").write_bytes(b"")
    got = lua(
        f"""
        local out = {{}}
        for line in fs.lines("{root}/f") do out[#out + 1] = "[" .. line .. "]" end
        local n = 0
        for _ in fs.lines("{root}/empty") do n = n + 1 end
        return table.concat(out), n
        """
    )
    assert got == (b"[alpha][beta][][gamma]", 0)


def test_lines_errors(lua: Lua, root: str) -> None:
    Path(root, "bin").write_bytes(b"ok\n\xff\nafter\n")
    assert lua.error(f'for _ in fs.lines("{root}/nope") do end') == (
        f'fs.lines: failed to open "{root}/nope": No such file or directory (os error 2)'
    )
    assert lua.error(f'for _ in fs.lines("{root}/bin") do end') == (
        "fs.lines: read error: stream did not contain valid UTF-8"
    )
    # The bad line is consumed; the iterator reads on after it, as Rust's does.
    got = lua(
        f"""local it = fs.lines("{root}/bin")
        local first = it()
        local ok = pcall(it)
        return first, ok, it(), it()"""
    )
    assert got == (b"ok", False, b"after", None)
    # A folder opens, and fails on the first read.
    assert lua.error(f'for _ in fs.lines("{root}") do end') == (
        "fs.lines: read error: Is a directory (os error 21)"
    )


def test_lines_keep_a_lone_carriage_return(lua: Lua, root: str) -> None:
    Path(root, "f").write_bytes(b"a\r\nb\r")
    got = lua(
        f'local out = {{}} for l in fs.lines("{root}/f") do out[#out + 1] = l end '
        "return out[1], out[2]"
    )
    assert got == (b"a", b"b\r")


def test_sub_in_file_uses_lua_patterns_and_counts(lua: Lua, root: str) -> None:
    Path(root, "f").write_text("image: assay:v0.10.1\nother: v0.10.1\n")
    got = lua(
        f"""
        local n = fs.sub_in_file("{root}/f", "v(%d+)%.10%.1", "v%1.12.1")
        local upper = fs.sub_in_file("{root}/f", "other", string.upper)
        return n, upper, fs.read("{root}/f")
        """
    )
    assert got == (2, 1, b"image: assay:v0.12.1\nOTHER: v0.12.1\n")


def test_sub_in_file_leaves_an_unmatched_file_untouched(lua: Lua, root: str) -> None:
    path = Path(root, "f")
    path.write_text("nothing here\n")
    os.utime(path, (1_600_000_000, 1_600_000_000))
    assert lua(f'return fs.sub_in_file("{root}/f", "v%d", "x")') == 0
    assert path.stat().st_mtime == 1_600_000_000
    assert lua.error(f'fs.sub_in_file("{root}/nope", "x", "y")') == (
        f'fs.sub_in_file: failed to read "{root}/nope": No such file or directory (os error 2)'
    )


def test_stat_times_are_fractional_seconds(lua: Lua, root: str) -> None:
    Path(root, "f").write_text("x")
    os.utime(Path(root, "f"), ns=(1_700_000_000_250_000_000, 1_700_000_000_250_000_000))
    modified, created = lua(f'local s = fs.stat("{root}/f"); return s.modified, s.created')
    assert modified == 1_700_000_000.25
    if created is not None:  # where the filesystem records birth times
        assert abs(created - time.time()) < 600


@pytest.mark.parametrize(
    "code",
    [
        'local d = fs.tempdir(); fs.write_bytes(d .. "/x", "\\1"); return #fs.glob(d .. "/*")',
        'local d = fs.tempdir(); fs.write(d .. "/x", "a\\nb"); local n = 0 '
        'for _ in fs.lines(d .. "/x") do n = n + 1 end return n',
    ],
)
def test_first_use_inside_a_coroutine(code: str) -> None:
    vm = LuaVM()  # lazy globals: fs is installed by its first use, here inside a coroutine
    (got,) = vm.execute(f"return coroutine.wrap(function() {code} end)()", "=test")
    assert got in (1, 2)
