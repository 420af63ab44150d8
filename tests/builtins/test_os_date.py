"""os.date / os.time / os.clock as the original defines them, and os.getenv kept."""

from __future__ import annotations

import os
import time

import pytest

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine

T = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (f'os.date("!%Y-%m-%dT%H:%M:%SZ", {T})', "2023-11-14T22:13:20Z"),
        (f"os.date(nil, {T})", "2023-11-14 22:13:20"),  # %c, and UTC without an offset
        (f'os.date("%c", {T}, -5)', "2023-11-14 17:13:20"),
        (f'os.date("%H:%M", {T}, 5.5)', "03:43"),  # fractional hours; the next day
        (f'os.date("%d", {T}, 5.5)', "15"),
        (f'os.date("!%H", {T}, 5)', "22"),  # "!" wins over the offset
        (f'os.date("%x %a %%Y", {T})', "%x %a %2023"),  # only Y m d H M S c are replaced
        # The original's calendar counts from 1970: before it, the fields go negative.
        ('os.date("%Y-%m-%d", -86400)', "1970-01-00"),
        ('os.date("%c", -1)', "1970-01-01 00:00:-1"),
        ('os.date("%c", -2 * 86400 - 90)', "1970-01--1 00:-1:-30"),
        ('os.date("%c", 0, -1)', "1970-01-01 -1:00:00"),
        ('os.date("%Y-%m-%d %H", 951782400 + 3600)', "2000-02-29 01"),
        (f'os.date("%S", {T} + 0.9)', "20"),  # fractions of a second are dropped
    ],
)
def test_date_formats(lua: Lua, call: str, expected: str) -> None:
    assert lua(f"return {call}") == expected.encode()


def test_date_table(lua: Lua) -> None:
    got = lua(
        f'local t = os.date("*t", {T}, 1) '
        "local keys = 0 for _ in pairs(t) do keys = keys + 1 end "
        "return t.year, t.month, t.day, t.hour, t.min, t.sec, keys, t.wday"
    )
    assert got == (2023, 11, 14, 23, 13, 20, 6, None)
    assert lua(f'return os.date("!*t", {T}, 3).hour') == 22


def test_date_defaults_to_now(lua: Lua) -> None:
    before = time.gmtime()
    got = lua('return os.date("!%Y-%m-%d")').decode()
    after = time.gmtime()
    assert got in {time.strftime("%Y-%m-%d", before), time.strftime("%Y-%m-%d", after)}


def test_date_argument_errors(lua: Lua) -> None:
    assert lua.error("os.date(5)") == "os.date: format must be a string"
    assert lua.error('os.date("%c", "x")') == "os.date: time must be a number"
    assert lua.error('os.date("%c", 1, "x")') == (
        "os.date: tz_offset must be a number (hours from UTC)"
    )


def test_time_and_clock(lua: Lua) -> None:
    before = int(time.time())
    now, dated, elapsed = lua(
        "return os.time(), os.time({year = 2020, month = 1, day = 1, hour = 12}), os.clock()"
    )
    assert isinstance(now, int)
    assert before <= now <= int(time.time())
    # As on the original, arguments are ignored: a date table gives the time now.
    assert before <= dated <= int(time.time())
    assert isinstance(elapsed, float)
    assert elapsed >= 0


def test_getenv_is_kept(lua: Lua, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_PY_TEST_VAR", "here")
    assert lua('return os.getenv("ASSAY_PY_TEST_VAR")') == b"here"
    assert os.environ["ASSAY_PY_TEST_VAR"] == "here"


def test_first_use_of_os_date_inside_a_coroutine_installs_the_originals() -> None:
    # os.date is the first thing touched: the lazy os must still be the original's.
    assert first_use_in_coroutine(f"return os.date(nil, {T})") == b"2023-11-14 22:13:20"
    assert first_use_in_coroutine("return os.clock() < 5") is True
