from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builtins.conftest import HostLua
from tests.support.recorder import Recorder, Reply


@pytest.fixture
def rec() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


def test_writes_the_body_and_returns_its_size(
    host_lua: HostLua, rec: Recorder, tmp_path: Path
) -> None:
    rec.on("GET", "/asset.bin", Reply(200, b"hello\n\xff"))
    dest = tmp_path / "nested" / "dirs" / "out.bin"
    got = host_lua(
        f'return http.download("{rec.url}/asset.bin", "{dest}",'
        f' {{ headers = {{ ["X-Token"] = "t1" }}, timeout = 5 }})'
    )
    assert got == 7
    assert dest.read_bytes() == b"hello\n\xff"
    assert rec.calls("GET", "/asset.bin")[0].headers["x-token"] == "t1"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["out.bin"]


def test_replaces_an_existing_file(host_lua: HostLua, rec: Recorder, tmp_path: Path) -> None:
    rec.on("GET", "/x", Reply(200, b"new"))
    dest = tmp_path / "out"
    dest.write_bytes(b"old and longer")
    assert host_lua(f'return http.download("{rec.url}/x", "{dest}")') == 3
    assert dest.read_bytes() == b"new"


def test_non_2xx_is_an_error_and_leaves_no_file(
    host_lua: HostLua, rec: Recorder, tmp_path: Path
) -> None:
    dest = tmp_path / "out.bin"
    assert host_lua.error(f'http.download("{rec.url}/missing?token=s3cret", "{dest}")') == (
        f"http.download: HTTP 404 Not Found for {rec.url}/missing?..."
    )
    assert list(tmp_path.iterdir()) == []


def test_max_size_stops_the_download(host_lua: HostLua, rec: Recorder, tmp_path: Path) -> None:
    rec.on("GET", "/big", Reply(200, b"\xab" * 1000))
    dest = tmp_path / "big"
    assert (
        host_lua.error(f'http.download("{rec.url}/big", "{dest}", {{ max_size = 100 }})')
        == f"http.download: response exceeds max_size (1000 > 100 bytes) for {rec.url}/big"
    )
    assert list(tmp_path.iterdir()) == []
    # 0 lifts the cap.
    assert host_lua(f'return http.download("{rec.url}/big", "{dest}", {{ max_size = 0 }})') == 1000


def test_transport_failure(host_lua: HostLua, tmp_path: Path) -> None:
    msg = host_lua.error(f'http.download("http://127.0.0.1:1/x", "{tmp_path}/f")')
    assert msg.startswith("http.download: request: error sending request for url")
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(host_lua: HostLua) -> None:
    assert host_lua.error('http.download(nil, "/tmp/x")') == (
        "http.download: first arg must be url string"
    )
    assert host_lua.error('http.download("http://x", 5)') == (
        "http.download: second arg must be dest path string"
    )


def test_first_use_inside_a_coroutine_and_in_a_task(
    host_lua: HostLua, rec: Recorder, tmp_path: Path
) -> None:
    rec.on("GET", "/c", Reply(200, b"abc"))
    got = host_lua(
        f"""
        local direct = coroutine.wrap(function()
          return http.download("{rec.url}/c", "{tmp_path}/one")
        end)()
        local task = async.spawn(function()
          return http.download("{rec.url}/c", "{tmp_path}/two")
        end)
        return direct, task.await()[1]
        """
    )
    assert got == [3, 3]
    assert (tmp_path / "two").read_bytes() == b"abc"
