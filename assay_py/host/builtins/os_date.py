"""``os.date``, ``os.time`` and ``os.clock`` as the original runtime defines them.

- ``os.date(format?, time?, tz_offset?)``: the time (default now) shifted by ``tz_offset``
  hours (default 0: UTC, never the machine's local zone; fractions such as 5.5 work). A
  leading ``!`` forces UTC. ``*t`` gives ``{year, month, day, hour, min, sec}``; otherwise
  only ``%Y %m %d %H %M %S`` and ``%c`` (``YYYY-MM-DD HH:MM:SS``, also the default format)
  are replaced, and any other text is kept as it is. The calendar is the original's own
  arithmetic, which counts from 1970 only: before it, the fields go negative
  (``os.date("%c", -1)`` is ``1970-01-01 00:00:-1``), as there.
- ``os.time()``: the current Unix time as an integer; arguments are ignored, as there.
- ``os.clock()``: seconds since the VM was made, as a float (the original measures wall
  time since its VM started, not CPU time).
"""

from __future__ import annotations

import time

from assay_py.host.builtins._args import utf8_str

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_DAY = 86_400
_I64_MAX = 2**63 - 1


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_i64(value: float) -> int:
    """Rust's ``as i64`` of a float: toward zero, saturating, NaN as 0."""
    if value != value:
        return 0
    if value >= 2.0**63:
        return _I64_MAX
    if value < -(2.0**63):
        return -_I64_MAX - 1
    return int(value)


def date(fmt: Any = None, when: Any = None, tz_offset: Any = None) -> Any:
    if fmt is None:
        text = "%c"
    elif isinstance(fmt, bytes):
        text = utf8_str(fmt)
    else:
        raise TypeError("os.date: format must be a string")
    if when is None:
        epoch = int(time.time())
    elif _number(when):
        epoch = when if isinstance(when, int) else _as_i64(when)
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
        offset = _as_i64(hours * 3600.0)
    year, month, day, hour, minute, second = _fields(epoch + offset)
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
    return text.encode("utf-8")


def _fields(seconds: int) -> tuple[int, int, int, int, int, int]:
    """The original's calendar: Rust's truncating division, years counted up from 1970.

    From 1970 on this is the proleptic Gregorian calendar in UTC; before it, the day and
    the time of day go negative instead of stepping back a year, as on the original.
    """
    days = _trunc_div(seconds, _DAY)
    of_day = seconds - days * _DAY  # the sign of `seconds`, as Rust's %
    hour = _trunc_div(of_day, 3600)
    minute = _trunc_div(of_day - hour * 3600, 60)
    second = of_day - hour * 3600 - minute * 60
    if days < 0:
        return 1970, 1, days + 1, hour, minute, second
    year, month, day = _civil(days)
    return year, month, day, hour, minute, second


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _civil(days: int) -> tuple[int, int, int]:
    """The calendar date ``days`` after 1970-01-01 (Howard Hinnant's algorithm)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def os_time(*_ignored: Any) -> int:
    return int(time.time())


def clock_function(started: float) -> Any:
    return lambda *_: time.monotonic() - started
