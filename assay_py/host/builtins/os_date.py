"""``os.date``, ``os.time`` and ``os.clock`` as the original runtime defines them.

- ``os.date(format?, time?, tz_offset?)``: the time (default now) shifted by ``tz_offset``
  hours (default 0: UTC, never the machine's local zone; fractions such as 5.5 work). A
  leading ``!`` forces UTC. ``*t`` gives ``{year, month, day, hour, min, sec}``; otherwise
  only ``%Y %m %d %H %M %S`` and ``%c`` (``YYYY-MM-DD HH:MM:SS``, also the default format)
  are replaced, and any other text is kept as it is.
- ``os.time()``: the current Unix time as a whole number. Given a date table it computes
  that time, as stock Lua does (the original ignores the table and returns now).
- ``os.clock()``: seconds since the ``os`` global was set up, as a float (the original
  measures wall time since its VM started, not CPU time).
"""

from __future__ import annotations

import time

from assay_py.host._engine import lupa_engine

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_DAY = 86_400


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def date(fmt: Any = None, when: Any = None, tz_offset: Any = None) -> Any:
    if fmt is None:
        text = "%c"
    elif isinstance(fmt, bytes):
        text = fmt.decode("utf-8", "surrogateescape")
    else:
        raise TypeError("os.date: format must be a string")
    if when is None:
        epoch = int(time.time())
    elif _number(when):
        epoch = int(when)
    else:
        raise TypeError("os.date: time must be a number")
    if tz_offset is None:
        hours = 0.0
    elif _number(tz_offset):
        hours = float(tz_offset)
    else:
        raise TypeError("os.date: tz_offset must be a number (hours from UTC)")
    if text.startswith("!"):
        text, offset = text[1:], 0
    else:
        offset = int(hours * 3600.0)
    year, month, day, hour, minute, second = _civil(epoch + offset)
    if text == "*t":
        return {"year": year, "month": month, "day": day, "hour": hour, "min": minute,
                "sec": second}  # fmt: skip
    # The original's substitutions, one after the other, in this order.
    for code, value in (
        ("%Y", f"{year:04d}"),
        ("%m", f"{month:02d}"),
        ("%d", f"{day:02d}"),
        ("%H", f"{hour:02d}"),
        ("%M", f"{minute:02d}"),
        ("%S", f"{second:02d}"),
        ("%c", f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"),
    ):
        text = text.replace(code, value)
    return text.encode("utf-8", "surrogateescape")


def _civil(seconds: int) -> tuple[int, int, int, int, int, int]:
    """UTC calendar fields of a Unix time (proleptic Gregorian; before 1970 too)."""
    days, of_day = divmod(seconds, _DAY)
    # Days to civil date (Howard Hinnant's algorithm), exact for any year.
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day, of_day // 3600, of_day % 3600 // 60, of_day % 60


def time_function(stock_time: Any) -> Any:
    def os_time(table: Any = None, *_rest: Any) -> Any:
        if lupa_engine().lua_type(table) == "table":
            return stock_time(table)
        return int(time.time())

    return os_time


def clock_function() -> Any:
    started = time.monotonic()
    return lambda *_: time.monotonic() - started
