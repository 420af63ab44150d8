"""compress (gunzip, unxz, unzstd, untar) and tar (create, extract, list)."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import tarfile
from pathlib import Path

import pytest
import zstandard

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def _tar(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def test_decompressors_return_bytes(lua: Lua, tmp_path: Path) -> None:
    data = bytes(range(256)) * 50
    for name, packed in (
        ("gz", gzip.compress(data)),
        ("xz", lzma.compress(data)),
        ("zst", zstandard.ZstdCompressor().compress(data)),
    ):
        (tmp_path / name).write_bytes(packed)
    got = lua(
        f"""
        return compress.gunzip(fs.read_bytes("{tmp_path}/gz")),
               compress.unxz(fs.read_bytes("{tmp_path}/xz")),
               compress.unzstd(fs.read_bytes("{tmp_path}/zst"))
        """
    )
    assert got == (data, data, data)


def test_decompress_errors(lua: Lua) -> None:
    lua.vm.set_global("GZ", gzip.compress(b"some text that is long enough" * 20))
    assert lua.error('compress.gunzip("xx")').startswith("compress.gunzip: ")
    assert lua.error('compress.unxz("xx")').startswith("compress.unxz: ")
    assert lua.error('compress.unzstd("xx")').startswith("compress.unzstd: ")
    assert lua.error("compress.gunzip(nil)") == (
        "compress.gunzip: bad argument #1: error converting Lua nil to string"
        " (expected string or number)"
    )
    # Worded as the original's decoders word them.
    assert lua.error('compress.gunzip("not gzip data")') == "compress.gunzip: invalid gzip header"
    truncated = "string.sub(compress_me, 1, 20)"
    assert lua.error(f"local compress_me = GZ; compress.gunzip({truncated})") == (
        "compress.gunzip: unexpected end of file"
    )
    assert lua.error('compress.unxz("not xz data at all")') == (
        "compress.unxz: stream/file format not recognized"
    )
    assert lua.error('compress.unzstd("not zstd data")') == (
        "compress.unzstd: Unknown frame descriptor"
    )


def test_gunzip_reads_the_first_member_only(lua: Lua) -> None:
    lua.vm.set_global("TWO", gzip.compress(b"first") + gzip.compress(b"second"))
    assert lua("return compress.gunzip(TWO)") == b"first"


@pytest.mark.parametrize(
    ("suffix", "pack"),
    [
        (".tar.gz", gzip.compress),
        (".tgz", gzip.compress),
        (".tar.xz", lzma.compress),
        (".tar.zst", zstandard.ZstdCompressor().compress),
        (".tar", lambda data: data),
    ],
)
def test_untar_writes_one_member_by_the_archives_name(
    lua: Lua, tmp_path: Path, suffix: str, pack: object
) -> None:
    archive = tmp_path / f"bundle{suffix}"
    raw = _tar({"pkg_1.0/bin/tool": b"NESTED-BINARY", "README": b"readme"})
    archive.write_bytes(pack(raw))  # type: ignore[operator]
    got = lua(
        f'return compress.untar("{archive}", "{tmp_path}/out/tool",'
        ' {member = "pkg_1.0/bin/tool"})'
    )
    assert got == 13
    assert (tmp_path / "out" / "tool").read_bytes() == b"NESTED-BINARY"
    assert sorted(os.listdir(tmp_path / "out")) == ["tool"]  # no temporary left behind


def test_untar_explicit_compression_and_errors(lua: Lua, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(gzip.compress(_tar({"hello": b"hi"})))
    assert (
        lua(
            f'return compress.untar("{tmp_path}/data.bin", "{tmp_path}/h",'
            ' {member = "hello", compression = "GZIP"})'
        )
        == 2
    )
    archive = f"{tmp_path}/data.bin"
    cases = {
        f'compress.untar("{archive}", "{tmp_path}/x", {{member = "beta", compression = "gz"}})': (
            f'compress.untar: member "beta" not found in "{archive}"'
        ),
        f'compress.untar("{archive}", "{tmp_path}/x", {{}})': (
            "compress.untar: opts.member is required"
        ),
        f'compress.untar("{archive}", "{tmp_path}/x")': (
            "compress.untar: third arg must be opts table with 'member'"
        ),
        f'compress.untar("{archive}", nil, {{}})': (
            "compress.untar: second arg must be dest path string"
        ),
        'compress.untar(1, "x", {})': "compress.untar: first arg must be archive path string",
        f'compress.untar("{archive}", "x", {{member = "a", compression = "lz4"}})': (
            'compress.untar: unsupported compression "lz4" (gz, xz, zstd, none)'
        ),
        f'compress.untar("{tmp_path}/nope.tar", "x", {{member = "a"}})': (
            f'compress.untar: open "{tmp_path}/nope.tar": No such file or directory (os error 2)'
        ),
    }
    for code, expected in cases.items():
        assert lua.error(code) == expected, code
    # Names are quoted as the original quotes them, control characters escaped.
    assert (
        lua.error(
            f'compress.untar("{archive}", "{tmp_path}/x", {{member = "a\\tb", compression = "gz"}})'
        )
        == f'compress.untar: member "a\\tb" not found in "{archive}"'
    )
    (tmp_path / "afile").write_text("in the way")
    dest = f"{tmp_path}/afile/h"
    assert lua.error(
        f'compress.untar("{archive}", "{dest}", {{member = "hello", compression = "gz"}})'
    ) == ("compress.untar: mkdir parent: File exists (os error 17)")


def test_tar_create_list_extract_round_trip(lua: Lua, tmp_path: Path) -> None:
    got = lua(
        f"""
        local files = {{["hello.txt"] = "Hello, World!", ["config/app.toml"] = "port = 8080\\n",
                        count = 5}}
        assert.eq(tar.create("{tmp_path}/b.tar.gz", files), true)
        assert.eq(tar.create("{tmp_path}/b.tar", files, {{gzip = false}}), true)
        local listed = tar.list("{tmp_path}/b.tar.gz")
        assert.eq(tar.extract("{tmp_path}/b.tar.gz", "{tmp_path}/out"), true)
        return table.concat(listed, ","), #tar.list("{tmp_path}/b.tar")
        """
    )
    assert got == (b"config/app.toml,count,hello.txt", 3)
    assert (tmp_path / "out" / "hello.txt").read_text() == "Hello, World!"
    assert (tmp_path / "out" / "config" / "app.toml").read_text() == "port = 8080\n"
    assert (tmp_path / "out" / "count").read_text() == "5"
    with tarfile.open(tmp_path / "b.tar") as plain:
        info = plain.getmember("hello.txt")
        assert (info.mode, info.mtime, info.isfile()) == (0o644, 0, True)
    assert (
        gzip.decompress((tmp_path / "b.tar.gz").read_bytes()) == (tmp_path / "b.tar").read_bytes()
    )


@pytest.mark.parametrize(
    ("members", "links", "reason"),
    [
        ({"../escape.txt": b"x"}, None, "it would land outside"),
        ({"a/../../escape.txt": b"x"}, None, "it would land outside"),
        ({"/etc/absolute.txt": b"x"}, None, "an absolute path"),
        ({}, {"link": "/etc"}, "its link leads outside"),
        ({}, {"link": "../.."}, "its link leads outside"),
    ],
)
def test_extract_refuses_members_escaping_dest(
    lua: Lua, tmp_path: Path, members: dict[str, bytes], links: dict[str, str], reason: str
) -> None:
    raw = _tar({"ok.txt": b"fine", **members}, links=links)
    (tmp_path / "evil.tar").write_bytes(raw)
    message = lua.error(f'tar.extract("{tmp_path}/evil.tar", "{tmp_path}/dest")')
    assert message.startswith("tar.extract: refusing "), message
    assert reason in message
    assert not (tmp_path / "dest" / "ok.txt").exists()  # checked before anything is written
    assert not (tmp_path / "escape.txt").exists()


def test_extract_refuses_writing_through_a_link_made_earlier(lua: Lua, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "dest").mkdir()
    os.symlink(outside, tmp_path / "dest" / "sneaky")  # already there before extraction
    (tmp_path / "t.tar").write_bytes(_tar({"sneaky/planted.txt": b"x"}))
    assert "it would land outside" in lua.error(
        f'tar.extract("{tmp_path}/t.tar", "{tmp_path}/dest")'
    )
    assert not (outside / "planted.txt").exists()


def test_tar_errors(lua: Lua, tmp_path: Path) -> None:
    assert lua.error(f'tar.list("{tmp_path}/nope.tar")') == (
        "tar.list: No such file or directory (os error 2)"
    )
    assert lua.error(f'tar.extract("{tmp_path}/nope.tar", "{tmp_path}")') == (
        "tar.extract: No such file or directory (os error 2)"
    )
    assert lua.error(f'tar.create("{tmp_path}/x.tar", "nope")') == (
        "tar.create: bad argument #2: error converting Lua string to table"
    )
    assert lua.error(f'tar.create("{tmp_path}/x.tar", {{}}, "gz")') == (
        "tar.create: bad argument #3: error converting Lua string to table"
    )
    assert lua.error("tar.list()") == (
        "tar.list: bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    (tmp_path / "junk.tar").write_bytes(b"not a tar archive at all" * 40)
    assert lua.error(f'tar.list("{tmp_path}/junk.tar")').startswith("tar.list: ")


def test_create_gzips_without_options_or_with_a_truthy_gzip_only(lua: Lua, tmp_path: Path) -> None:
    lua(
        f'tar.create("{tmp_path}/none.tgz", {{a = "1", [2] = "two"}}) '
        f'tar.create("{tmp_path}/empty", {{a = "1"}}, {{}}) '
        f'tar.create("{tmp_path}/yes", {{a = "1"}}, {{gzip = 1}})'
    )
    assert (tmp_path / "none.tgz").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "yes").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "empty").read_bytes()[:1] == b"a"  # a plain tar: the first name
    listed = f'local l = tar.list("{tmp_path}/none.tgz") table.sort(l) return table.concat(l, ",")'
    assert lua(listed) == b"2,a"


def test_first_use_inside_a_coroutine() -> None:
    body = (
        'local d = fs.tempdir() tar.create(d .. "/a.tar", {x = "1"}, {gzip = false}) '
        'local n = compress.untar(d .. "/a.tar", d .. "/x2", {member = "x"}) '
        'local listed = tar.list(d .. "/a.tar") fs.remove(d) return n + #listed'
    )
    assert first_use_in_coroutine(body) == 2
