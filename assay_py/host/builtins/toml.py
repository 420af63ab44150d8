"""The ``toml`` global: ``toml.parse(s)`` and ``toml.encode(table)``.

Parsed values follow the JSON rules the original applies (it goes TOML -> JSON -> Lua):
NaN and infinities become ``nil``, and a date or time becomes the table the original hands
out for one, ``{["$__toml_private_datetime"] = "1979-05-27T07:32:00Z"}`` (the text as TOML
wrote it), so scripts that read that field keep working. ``toml.encode`` needs a table with
string keys at the top, sorts keys, and writes arrays one element a line.

Parsing uses the standard ``tomllib`` (``tomli``, its source, on Python 3.10); writing uses
``tomli-w``. Both are imported on first use.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

from assay_py.host.builtins._args import arg_str, lua_type_name
from assay_py.host.vm import LuaVM

DATETIME_FIELD = "$__toml_private_datetime"
_MAX_DEPTH = 200


def parse(raw: Any = None) -> Any:
    source = arg_str(raw, 1)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"toml.parse: {_framed(source, str(exc))}") from None
    except RecursionError:
        raise ValueError("toml.parse: document nested too deeply") from None
    return _plain(document, 0)


def _framed(source: str, reason: str) -> str:
    """A parse failure framed as the original's TOML parser frames one: the position, the
    line with a caret under the column, then the reason (tomllib's words)."""
    found = re.search(r" \(at line (\d+), column (\d+)\)$", reason)
    if found:
        message = reason[: found.start()]
        line, column = int(found.group(1)), int(found.group(2))
    else:  # "(at end of document)": the column just past the last character
        message = reason.removesuffix(" (at end of document)")
        lines = source.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    content = source.split("\n")[line - 1] if source else ""
    gutter = " " * (len(str(line)) + 1)
    return (
        f"TOML parse error at line {line}, column {column}\n{gutter}|\n{line} | {content}\n"
        f"{gutter}|{' ' * column}^\n{message}\n"
    )


def _plain(value: Any, depth: int) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return {DATETIME_FIELD: _datetime_text(value)}
    return value


def _datetime_text(value: Any) -> str:
    """TOML's own spelling: ``T`` between date and time, ``Z`` for UTC, seconds always, the
    fraction without trailing zeros."""
    import datetime

    if isinstance(value, datetime.datetime):
        text = _trim_fraction(value.replace(tzinfo=None).isoformat())
        offset = value.utcoffset()
        if offset is None:
            return text
        if not offset:
            return text + "Z"
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, minutes = divmod(abs(minutes), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"
    return _trim_fraction(str(value.isoformat()))


def _trim_fraction(text: str) -> str:
    if "." not in text.rpartition(":")[2]:
        return text
    return text.rstrip("0")


def _encoder(vm: LuaVM) -> Any:
    def encode(value: Any = None) -> str:
        # The original's road: the value as JSON first (with its errors, unprefixed), then TOML.
        data = _json_value(vm, value)
        if not isinstance(data, (dict, list)):
            raise TypeError(f"toml.encode: argument must be a table, got {lua_type_name(value)}")
        if isinstance(data, list):
            if data:
                raise TypeError("toml.encode: the top level must be a table with string keys")
            data = {}
        import tomli_w

        ordered = _sorted(data, 0)
        try:
            return tomli_w.dumps(ordered)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"toml.encode: {exc}") from None

    return encode


def _json_value(vm: LuaVM, value: Any) -> Any:
    import json

    return json.loads(vm.json_encode(value))


def _sorted(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError(f"toml.encode: table nested deeper than {_MAX_DEPTH} levels")
    if isinstance(value, dict):
        if set(value) == {DATETIME_FIELD}:
            return _datetime_value(value[DATETIME_FIELD])
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"toml.encode: keys must be strings, got {key!r}")
        return {key: _sorted(value[key], depth + 1) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"toml.encode: cannot encode {value} (the original writes no NaN/inf)")
    if isinstance(value, bytes):
        raise ValueError("toml.encode: strings must be UTF-8")
    return value


def _datetime_value(text: Any) -> Any:
    """A parsed date-time table back to the TOML value it came from."""
    if not isinstance(text, str):
        raise TypeError(f"toml.encode: {DATETIME_FIELD} must be a string")
    import datetime

    iso = re.sub(r"\.(\d+)", lambda m: "." + m.group(1)[:6].ljust(6, "0"), text)
    iso = iso.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        if len(iso) == 10:
            return datetime.date.fromisoformat(iso)
        if iso[2:3] == ":":
            return datetime.time.fromisoformat(iso)
        return datetime.datetime.fromisoformat(iso)
    except ValueError:
        pass
    raise ValueError(f"toml.encode: not a TOML date-time: {text!r}")


def install(vm: LuaVM) -> None:
    vm.set_global(
        "toml",
        vm.table({"parse": vm.function(parse), "encode": vm.function(_encoder(vm))}),
    )
