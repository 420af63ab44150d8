from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest

from tests.builtins.conftest import Lua
from tests.support.engines import per_engine

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z (.{5}) (.*)$")


def lines(err: str) -> list[tuple[str, str, str]]:
    found = []
    for line in err.splitlines():
        match = LINE.match(line)
        assert match, f"not a log line: {line!r}"
        found.append((match[1], match[2], match[3]))
    return found


def test_levels_are_right_aligned_in_five_columns(
    lua: Lua, capsys: pytest.CaptureFixture[str]
) -> None:
    lua('log.info("started"); log.warn("careful"); log.error("broken")')
    err = capsys.readouterr().err
    assert [(level, msg) for _, level, msg in lines(err)] == [
        (" INFO", "started"),
        (" WARN", "careful"),
        ("ERROR", "broken"),
    ]
    assert "Z  INFO started" in err


def test_timestamp_is_utc_whatever_the_local_zone(
    lua: Lua, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a local stamp would be far off
    time.tzset()
    try:
        lua('log.info("x")')
    finally:
        monkeypatch.undo()
        time.tzset()
    stamp = lines(capsys.readouterr().err)[0][0]
    logged = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - logged).total_seconds()) < 3600


def test_numbers_are_coerced_like_lua(lua: Lua, capsys: pytest.CaptureFixture[str]) -> None:
    lua(
        "log.info(42); log.info(1.5); log.info(2^40); log.info(1e20); log.info(-0.1); "
        "log.info(1.7961108526498e+18); log.info(10 / 2)"
    )
    assert [msg for _, _, msg in lines(capsys.readouterr().err)] == [
        "42",
        "1.5",
        # Lua 5.5's tostring for its floats; on LuaJIT whole numbers below 2^63 in full.
        per_engine("1099511627776", "1099511627776.0"),
        "1e+20",
        "-0.1",
        per_engine("1796110852649799936", "1.7961108526498e+18"),
        per_engine("5", "5.0"),
    ]


@pytest.mark.parametrize(("arg", "kind"), [("nil", "nil"), ("{}", "table"), ("true", "boolean")])
def test_non_string_message_raises(lua: Lua, arg: str, kind: str) -> None:
    assert lua.error(f"log.warn({arg})") == (
        f"bad argument #1: error converting Lua {kind} to String (expected string or number)"
    )


def test_missing_message_raises(lua: Lua) -> None:
    assert lua.error("log.error()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )


def test_debug_shows_only_when_asked(
    lua: Lua, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSAY_LOG_LEVEL", raising=False)
    lua('log.debug("quiet")')
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("ASSAY_LOG_LEVEL", "debug")
    lua('log.debug("loud")')
    assert [(level, msg) for _, level, msg in lines(capsys.readouterr().err)] == [("DEBUG", "loud")]


def test_level_threshold_hides_lower_levels(
    lua: Lua, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_LOG_LEVEL", "WARN")
    lua('log.info("hidden"); log.warn("shown")')
    assert [msg for _, _, msg in lines(capsys.readouterr().err)] == ["shown"]


def test_non_utf8_message_is_refused(lua: Lua, capsys: pytest.CaptureFixture[str]) -> None:
    # The message is Rust text, as the original declares it.
    assert lua.error(r'log.info("a\255b")') == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 1)"
    )
    assert capsys.readouterr().err == ""
